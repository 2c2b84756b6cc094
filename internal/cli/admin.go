package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/experience"
	"github.com/sesameauth/sesame/internal/oidc/keys"
	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/oidc/redirecturi"
	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/password"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
)

func sub(ctx context.Context, env Env, group string, args []string, subs map[string]func(context.Context, Env, []string) error) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		names := make([]string, 0, len(subs))
		for n := range subs {
			names = append(names, n)
		}
		if len(args) == 0 {
			return usagef("usage: sesame %s <%s> [flags]", group, strings.Join(sorted(names), "|"))
		}
		fmt.Fprintf(env.Stdout, "Usage: sesame %s <%s> [flags]\n", group, strings.Join(sorted(names), "|"))
		return nil
	}
	f, ok := subs[args[0]]
	if !ok {
		return usagef("unknown command %q for %s", args[0], group)
	}
	return f(ctx, env, args[1:])
}

func sorted(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

const alnum = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// randomString draws n characters uniformly from alphabet.
func randomString(n int, alphabet string) string {
	out := make([]byte, n)
	buf := make([]byte, 1)
	limit := 256 - 256%len(alphabet)
	for i := 0; i < n; {
		rand.Read(buf)
		if int(buf[0]) >= limit {
			continue
		}
		out[i] = alphabet[int(buf[0])%len(alphabet)]
		i++
	}
	return string(out)
}

// NewAppID returns a Logto-shaped app id: 21 characters of [0-9a-z].
func NewAppID() string { return randomString(21, alnum[:36]) }

// NewSecret returns a 32-character alphanumeric secret (Logto's shape, so a
// Basic header needs no form-encoding).
func NewSecret() string { return randomString(32, alnum) }

// ---- apps ----

type appJSON struct {
	ID                     string   `json:"id"`
	Name                   string   `json:"name"`
	Type                   string   `json:"type"`
	Secret                 string   `json:"secret"`
	RedirectURIs           []string `json:"redirect_uris"`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris"`
	ThirdParty             bool     `json:"third_party"`
	// Permissions: M2M apps only, resource indicator → scopes: the union
	// of the app's roles. Roles: M2M apps only, the names of its roles.
	Permissions map[string][]string `json:"permissions,omitempty"`
	Roles       []string            `json:"roles,omitempty"`
	// CORSOrigins: allowed besides the redirect URIs' origins.
	CORSOrigins []string `json:"cors_origins"`
	CreatedAt   string   `json:"created_at"`
}

func toAppJSON(v appView, secret string) appJSON {
	c := v.client
	j := appJSON{ID: c.ID, Name: c.Name, Type: string(c.Type), Secret: secret, RedirectURIs: nonNil(c.RedirectURIs),
		PostLogoutRedirectURIs: nonNil(c.PostLogoutRedirectURIs), ThirdParty: c.ThirdParty, CORSOrigins: nonNil(c.CORSOrigins),
		CreatedAt: c.CreatedAt.UTC().Format(time.RFC3339)}
	if c.Type == store.AppM2M {
		j.Permissions = permissionMap(v.perms)
		for _, r := range v.roles {
			j.Roles = append(j.Roles, r.Name)
		}
	}
	return j
}

// parsePermission reads RESOURCE or RESOURCE=SCOPE[,SCOPE...]; see
// parsePermissions for the (resource, scope) pairs.
func parsePermission(s string) (string, []string, error) {
	res, list, _ := strings.Cut(s, "=")
	var scopes []string
	for sc := range strings.SplitSeq(list, ",") {
		if sc = strings.TrimSpace(sc); sc != "" && !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	if res == "" {
		return "", nil, fmt.Errorf("--permission %q: want RESOURCE or RESOURCE=SCOPE,SCOPE", s)
	}
	return res, scopes, nil
}

// checkPermissions verifies that every resource is registered and defines
// every scope, so a typo is an error rather than a permission that never
// matches.
func checkPermissions(ctx context.Context, st store.Store, perms []store.Permission) error {
	resources := map[string]store.Resource{}
	for _, p := range perms {
		r, ok := resources[p.Resource]
		if !ok {
			var err error
			r, err = st.GetResourceByIndicator(ctx, p.Resource)
			if errors.Is(err, store.ErrNotFound) {
				return usagef("no API resource %q (create it with `sesame resources create`)", p.Resource)
			} else if err != nil {
				return err
			}
			resources[p.Resource] = r
		}
		if !slices.Contains(r.Scopes, p.Scope) {
			return usagef("API resource %q defines no scope %q", p.Resource, p.Scope)
		}
	}
	return nil
}

// dbMissing reports whether the SQLite database has not been created yet
// (so it holds no resources, and a command that needs one can fail before
// writing anything).
func dbMissing(cfg *config.Config) bool {
	return sqlstore.Missing(sqlstore.Options{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func apps(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "apps", args, map[string]func(context.Context, Env, []string) error{
		"create": appsCreate, "list": appsList, "delete": appsDelete, "permit": appsPermit, "rotate-secret": appsRotateSecret,
		"assign-role":   func(ctx context.Context, env Env, args []string) error { return appsAssignRole(ctx, env, args, true) },
		"unassign-role": func(ctx context.Context, env Env, args []string) error { return appsAssignRole(ctx, env, args, false) },
		"set-cors":      appsSetCORS,
	})
}

func appsCreate(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	var name, typ string
	var redirects, logouts, permissions, corsOrigins multiFlag
	var asJSON, thirdParty bool
	fs := newFlags(env, "apps create", "apps create --name NAME --type traditional|spa|native|m2m [--redirect-uri URI]... [--post-logout-redirect-uri URI]... [--cors-origin ORIGIN]... [--permission RESOURCE=SCOPE,...]... [--json]")
	cfg.StoreFlags(fs)
	fs.StringVar(&name, "name", "", "display name shown on the sign-in page (required)")
	fs.StringVar(&typ, "type", "", "traditional (server web app), spa, native or m2m (required)")
	fs.Var(&redirects, "redirect-uri", "allowed redirect URI, exact match (repeatable)")
	fs.Var(&logouts, "post-logout-redirect-uri", "allowed post-sign-out redirect URI (repeatable)")
	fs.BoolVar(&thirdParty, "third-party", false, "show a consent screen to users of this app")
	fs.Var(&corsOrigins, "cors-origin", corsOriginUsage)
	fs.Var(&permissions, "permission", "m2m apps: an API resource the app may get tokens for, with the scopes it may ask for, as RESOURCE=SCOPE,SCOPE (repeatable); held by the app's own role \"app:<id>\"")
	fs.BoolVar(&asJSON, "json", false, "print the app as one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.ValidateStore(); err != nil {
		return usageError{err.Error()}
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 256 {
		return usagef("--name is required (at most 256 characters)")
	}
	t := store.AppType(strings.ToLower(typ))
	if !t.Valid() {
		return usagef("--type must be traditional, spa, native or m2m")
	}
	if t == store.AppM2M && (len(redirects) > 0 || len(logouts) > 0) {
		return usagef("m2m apps have no redirect URIs")
	}
	if t != store.AppM2M && len(permissions) > 0 {
		return usagef("--permission is for m2m apps (users' apps ask for scopes at sign-in)")
	}
	perms, err := parsePermissions(permissions, false)
	if err != nil {
		return err
	}
	if len(perms) > 0 && dbMissing(&cfg) {
		return usagef("no API resource %q (create it with `sesame resources create`)", perms[0].Resource)
	}
	if len(redirects) > 100 || len(logouts) > 100 {
		return usagef("at most 100 redirect URIs")
	}
	for _, u := range redirects {
		if err := redirecturi.Validate(u, t == store.AppNative); err != nil {
			return usagef("--redirect-uri %q: %v", u, err)
		}
	}
	for _, u := range logouts {
		if err := redirecturi.Validate(u, t == store.AppNative); err != nil {
			return usagef("--post-logout-redirect-uri %q: %v", u, err)
		}
	}
	origins, err := parseCORSOrigins(t, corsOrigins)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, &cfg, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := checkPermissions(ctx, st, perms); err != nil {
		return err
	}
	c := store.Client{ID: NewAppID(), Name: name, Type: t, RedirectURIs: redirects, PostLogoutRedirectURIs: logouts,
		ThirdParty: thirdParty, CORSOrigins: origins, CreatedAt: time.Now().UTC()}
	secret := ""
	if t.Confidential() {
		secret = NewSecret()
		c.SecretHash = provider.HashSecret(secret)
	}
	if err := st.CreateClient(ctx, c); err != nil {
		return err
	}
	if len(perms) > 0 {
		// No transaction spans the app and its role: undo the app if the
		// role cannot be made, so a failure leaves no half-made app.
		if err := createAppRole(ctx, st, c, perms); err != nil {
			return errors.Join(err, ignoreNotFound(st.DeleteClient(ctx, c.ID)))
		}
	}
	v := appView{client: c, perms: perms}
	if len(perms) > 0 {
		v.roles = []store.Role{{Name: appRoleName(c.ID)}}
	}
	if asJSON {
		return writeJSON(env.Stdout, toAppJSON(v, secret))
	}
	fmt.Fprintf(env.Stdout, "Created %s app %q\n  App ID:     %s\n", t, name, c.ID)
	if secret != "" {
		fmt.Fprintf(env.Stdout, "  App secret: %s\n  (Store the secret now: Sesame keeps only a hash of it.)\n", secret)
	}
	printPermissions(env, perms)
	if t == store.AppM2M && len(perms) == 0 {
		fmt.Fprintf(env.Stdout, "  No API permissions yet: grant some with `sesame apps permit %s --resource URI --scope S` or `sesame apps assign-role %s ROLE`.\n", c.ID, c.ID)
	}
	return nil
}

func printPermissions(env Env, perms []store.Permission) {
	m := permissionMap(perms)
	for _, r := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(env.Stdout, "  Permission: %s %s\n", r, strings.Join(m[r], " "))
	}
}

// openApp opens the store and loads the app; on error the store is closed.
func openApp(ctx context.Context, cfg *config.Config, id string) (store.Store, store.Client, error) {
	if dbMissing(cfg) {
		return nil, store.Client{}, usagef("no app with id %q", id)
	}
	st, err := openStore(ctx, cfg, nil)
	if err != nil {
		return nil, store.Client{}, err
	}
	c, err := st.GetClient(ctx, id)
	if err != nil {
		st.Close()
		if errors.Is(err, store.ErrNotFound) {
			return nil, store.Client{}, usagef("no app with id %q", id)
		}
		return nil, store.Client{}, err
	}
	return st, c, nil
}

// appsRotateSecret gives a confidential app a new secret; the old one keeps
// working for --grace so the app can be redeployed without an outage.
func appsRotateSecret(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	var grace time.Duration
	var asJSON bool
	fs := newFlags(env, "apps rotate-secret", "apps rotate-secret ID [--grace 24h] [--json]")
	cfg.StoreFlags(fs)
	fs.DurationVar(&grace, "grace", 24*time.Hour, "how long the old secret keeps working; 0 ends it now")
	fs.BoolVar(&asJSON, "json", false, "print the app, with its new secret, as one JSON object")
	id, rest := splitID(args)
	if err := parse(fs, rest); err != nil {
		return err
	}
	if id == "" {
		return usagef("usage: sesame apps rotate-secret ID [--grace 24h]")
	}
	if grace < 0 || grace > 90*24*time.Hour {
		return usagef("--grace must be between 0 and 2160h (90 days)")
	}
	if err := cfg.ValidateStore(); err != nil {
		return usageError{err.Error()}
	}
	st, c, err := openApp(ctx, &cfg, id)
	if err != nil {
		return err
	}
	defer st.Close()
	if !c.Type.Confidential() {
		return usagef("app %s is a %s app and has no secret", id, c.Type)
	}
	secret := NewSecret()
	until := time.Now().UTC().Add(grace)
	if err := st.RotateClientSecret(ctx, id, provider.HashSecret(secret), until); err != nil {
		return err
	}
	if asJSON {
		v, err := loadAppView(ctx, st, c)
		if err != nil {
			return err
		}
		return writeJSON(env.Stdout, toAppJSON(v, secret))
	}
	fmt.Fprintf(env.Stdout, "New secret for app %s\n  App secret: %s\n  (Store the secret now: Sesame keeps only a hash of it.)\n", id, secret)
	if grace > 0 {
		fmt.Fprintf(env.Stdout, "  The old secret works until %s.\n", until.Format(time.RFC3339))
	} else {
		fmt.Fprintln(env.Stdout, "  The old secret no longer works.")
	}
	return nil
}

// appsPermit adds scopes to an M2M app's own role "app:<id>" (creating
// and assigning it if missing), or with --remove takes a resource out of
// it. Any change revokes the app's current tokens, so a narrowed
// permission holds at once. Permissions the app holds through other roles
// are managed with `sesame roles`.
func appsPermit(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	var resource string
	var scopes multiFlag
	var remove bool
	synopsis := "apps permit ID --resource URI --scope S [--scope S]... | apps permit ID RESOURCE=SCOPE,SCOPE... | apps permit ID --resource URI --remove"
	fs := newFlags(env, "apps permit", synopsis)
	cfg.StoreFlags(fs)
	fs.StringVar(&resource, "resource", "", "the API resource indicator")
	fs.Var(&scopes, "scope", "a scope of that resource the app may ask for (repeatable)")
	fs.BoolVar(&remove, "remove", false, "take the resource out of the app's own role")
	pos, err := parseArgs(fs, &cfg, args, 1, 1000, "apps permit ID --resource URI --scope S...")
	if err != nil {
		return err
	}
	id := pos[0]
	if remove && (len(scopes) > 0 || len(pos) > 1) {
		return usagef("--remove takes no --scope")
	}
	if remove && resource == "" {
		return usagef("usage: sesame apps permit ID --resource URI --remove")
	}
	if resource != "" && !remove && len(scopes) == 0 {
		return usagef("--resource needs at least one --scope (or --remove)")
	}
	args = pos[1:]
	if resource != "" && !remove {
		args = append(args, resource+"="+strings.Join(scopes, ","))
	} else if len(scopes) > 0 {
		return usagef("--scope needs --resource")
	}
	if len(args) == 0 && !remove {
		return usagef("usage: sesame apps permit ID --resource URI --scope S...")
	}
	perms, err := parsePermissions(args, false)
	if err != nil {
		return err
	}
	st, c, err := openApp(ctx, &cfg, id)
	if err != nil {
		return err
	}
	defer st.Close()
	if c.Type != store.AppM2M {
		return usagef("app %s is a %s app; permissions are for m2m apps", id, c.Type)
	}
	if err := checkPermissions(ctx, st, perms); err != nil {
		return err
	}
	now := time.Now().UTC()
	own, err := st.GetRole(ctx, appRoleID(c.ID))
	switch {
	case errors.Is(err, store.ErrNotFound) && !remove:
		err = createAppRole(ctx, st, c, perms)
	case errors.Is(err, store.ErrNotFound): // nothing to remove
		err = nil
	case err != nil:
	case remove:
		err = st.SetRolePermissions(ctx, own.ID, slices.DeleteFunc(own.Permissions, func(p store.Permission) bool { return p.Resource == resource }), now)
	default:
		if err = st.SetRolePermissions(ctx, own.ID, unionPermissions(own.Permissions, perms), now); err == nil {
			err = st.AssignClientRole(ctx, c.ID, own.ID)
		}
	}
	if err != nil {
		return err
	}
	v, err := loadAppView(ctx, st, c)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Updated the permissions of app %s (its current tokens are revoked)\n", id)
	printPermissions(env, v.perms)
	return nil
}

func appsDelete(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs := newFlags(env, "apps delete", "apps delete ID")
	cfg.StoreFlags(fs)
	id, rest := splitID(args)
	if err := parse(fs, rest); err != nil {
		return err
	}
	if id == "" {
		return usagef("usage: sesame apps delete ID")
	}
	if err := cfg.ValidateStore(); err != nil {
		return usageError{err.Error()}
	}
	st, err := openStore(ctx, &cfg, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.DeleteClient(ctx, id); errors.Is(err, store.ErrNotFound) {
		return usagef("no app with id %q", id)
	} else if err != nil {
		return err
	}
	// The app's own role (apps create --permission) goes with it.
	if err := ignoreNotFound(st.DeleteRole(ctx, appRoleID(id), time.Now().UTC())); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Deleted app %s and revoked its tokens\n", id)
	return nil
}

// splitID takes the first non-flag argument as an id, wherever it stands.
func splitID(args []string) (string, []string) {
	var rest []string
	id := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") && id == "" {
			id = a
			continue
		}
		rest = append(rest, a)
		if (a == "--data" || a == "-data" || a == "--database-url" || a == "-database-url") && i+1 < len(args) {
			i++
			rest = append(rest, args[i])
		}
	}
	return id, rest
}

// ---- users ----

type userJSON struct {
	ID            string `json:"id"`
	Username      string `json:"username"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	Name          string `json:"name"`
	Suspended     bool   `json:"suspended"`
	CreatedAt     string `json:"created_at"`
}

func users(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "users", args, map[string]func(context.Context, Env, []string) error{
		"create": usersCreate, "list": usersList, "delete": usersDelete, "update": usersUpdate,
		"suspend":       func(ctx context.Context, env Env, args []string) error { return usersSuspend(ctx, env, args, true) },
		"assign-role":   func(ctx context.Context, env Env, args []string) error { return usersAssignRole(ctx, env, args, true) },
		"unassign-role": func(ctx context.Context, env Env, args []string) error { return usersAssignRole(ctx, env, args, false) },
		"unsuspend":     func(ctx context.Context, env Env, args []string) error { return usersSuspend(ctx, env, args, false) },
	})
}

func usersCreate(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	var username, pw, email, name string
	var asJSON, emailVerified, pwStdin bool
	fs := newFlags(env, "users create", "users create --username U (--password P | --password-stdin) [--email E [--email-verified]] [--name N] [--json]")
	cfg.StoreFlags(fs)
	fs.StringVar(&username, "username", "", "username (required)")
	fs.StringVar(&pw, "password", "", "password, at least 8 characters (this or --password-stdin is required; a command line is visible to other users)")
	fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of standard input")
	fs.StringVar(&email, "email", "", "email address")
	fs.BoolVar(&emailVerified, "email-verified", false, "vouch that the email address belongs to the user (email_verified: true); Sesame does not check it")
	fs.StringVar(&name, "name", "", "display name")
	fs.BoolVar(&asJSON, "json", false, "print the user as one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.ValidateStore(); err != nil {
		return usageError{err.Error()}
	}
	pwSet := false
	fs.Visit(func(f *flag.Flag) { pwSet = pwSet || f.Name == "password" })
	switch {
	case pwSet && pwStdin:
		return usagef("use --password or --password-stdin, not both")
	case !pwSet && !pwStdin:
		return usagef("--password or --password-stdin is required")
	case pwStdin:
		var err error
		if pw, err = readPasswordStdin(env); err != nil {
			return err
		}
	}
	username = experience.Canonical(username)
	if err := experience.ValidateUsername(username); err != nil {
		return usagef("--username: %v", err)
	}
	email = experience.Canonical(email)
	if email != "" {
		if err := experience.ValidateEmail(email); err != nil {
			return usagef("--email: %v", err)
		}
	} else if emailVerified {
		return usagef("--email-verified needs --email")
	}
	if err := experience.ValidatePassword(pw); err != nil {
		return usagef("--password: %v", err)
	}
	if len(name) > 256 {
		return usagef("--name is too long")
	}
	u, err := experience.NewUser(ctx, username, email, pw, passwordParams, time.Now().UTC())
	if err != nil {
		return usageError{err.Error()}
	}
	u.Name = strings.TrimSpace(name)
	u.EmailVerified = emailVerified
	st, err := openStore(ctx, &cfg, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.CreateUser(ctx, u); errors.Is(err, store.ErrAlreadyExists) {
		return usagef("a user with that username or email already exists")
	} else if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(env.Stdout, userJSON{ID: u.ID, Username: u.Username, Email: u.Email, EmailVerified: u.EmailVerified, Name: u.Name,
			CreatedAt: u.CreatedAt.Format(time.RFC3339)})
	}
	fmt.Fprintf(env.Stdout, "Created user %s (id %s)\n", u.Username, u.ID)
	return nil
}

// readPasswordStdin reads a password, for --password-stdin, from the first
// line of standard input (so it stays out of ps and shell history).
func readPasswordStdin(env Env) (string, error) {
	line, err := bufio.NewReader(env.stdin()).ReadString('\n')
	if err != nil && line == "" {
		return "", usagef("--password-stdin: no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// userTarget parses "users <verb> ID|USERNAME|EMAIL", opens the store and
// finds the user.
func userTarget(ctx context.Context, env Env, verb string, args []string) (store.Store, store.User, error) {
	var cfg config.Config
	fs := newFlags(env, "users "+verb, "users "+verb+" ID|USERNAME|EMAIL")
	cfg.StoreFlags(fs)
	who, rest := splitID(args)
	if err := parse(fs, rest); err != nil {
		return nil, store.User{}, err
	}
	if who == "" {
		return nil, store.User{}, usagef("usage: sesame users %s ID|USERNAME|EMAIL", verb)
	}
	if err := cfg.ValidateStore(); err != nil {
		return nil, store.User{}, usageError{err.Error()}
	}
	return openUser(ctx, &cfg, who)
}

// openUser opens the store and finds the user by id, username or email.
// On error the store is closed.
func openUser(ctx context.Context, cfg *config.Config, who string) (store.Store, store.User, error) {
	if dbMissing(cfg) {
		return nil, store.User{}, usagef("no user %q", who)
	}
	st, err := openStore(ctx, cfg, nil)
	if err != nil {
		return nil, store.User{}, err
	}
	u, err := st.GetUser(ctx, who)
	if errors.Is(err, store.ErrNotFound) {
		u, err = st.GetUserByLogin(ctx, experience.Canonical(who))
	}
	if errors.Is(err, store.ErrNotFound) {
		st.Close()
		return nil, store.User{}, usagef("no user %q", who)
	}
	if err != nil {
		st.Close()
		return nil, store.User{}, err
	}
	return st, u, nil
}

// usersDelete removes a user with their sessions, grants and tokens.
func usersDelete(ctx context.Context, env Env, args []string) error {
	st, u, err := userTarget(ctx, env, "delete", args)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.DeleteUser(ctx, u.ID); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Deleted user %s (id %s), their sessions and tokens\n", u.Username, u.ID)
	return nil
}

// usersSuspend blocks (or unblocks) a user. Suspending also ends their SSO
// sessions; their refresh and access tokens stop working at once because
// every use checks the user.
// ChangePassword sets a user's password hash and signs them out
// everywhere: sessions end and every grant is revoked, so whoever knew the
// old password keeps nothing (catalogue UI-11, TL-12).
func ChangePassword(ctx context.Context, st store.Store, userID, hash string, now time.Time) error {
	if _, err := st.UpdateUser(ctx, userID, func(x store.User) (store.User, error) {
		x.PasswordHash = hash
		x.UpdatedAt = now
		return x, nil
	}); err != nil {
		return err
	}
	if err := st.DeleteUserSessions(ctx, userID); err != nil {
		return err
	}
	return st.RevokeUserGrants(ctx, userID, now)
}

// usersUpdate changes a user's password, email, verification flag or name.
func usersUpdate(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	var pw, email, name string
	var emailVerified, pwStdin bool
	fs := newFlags(env, "users update", "users update ID|USERNAME|EMAIL [--password P | --password-stdin] [--email E] [--email-verified[=false]] [--name N]")
	cfg.StoreFlags(fs)
	fs.StringVar(&pw, "password", "", "new password, at least 8 characters; signs the user out everywhere")
	fs.BoolVar(&pwStdin, "password-stdin", false, "read the new password from the first line of standard input")
	fs.StringVar(&email, "email", "", "new email address (unverified unless --email-verified)")
	fs.BoolVar(&emailVerified, "email-verified", false, "vouch that the email address belongs to the user")
	fs.StringVar(&name, "name", "", "display name")
	who, rest := splitID(args)
	if err := parse(fs, rest); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if who == "" || !(set["password"] || set["password-stdin"] || set["email"] || set["email-verified"] || set["name"]) {
		return usagef("usage: sesame users update ID|USERNAME|EMAIL [--password P | --password-stdin] [--email E] [--email-verified] [--name N]")
	}
	if err := cfg.ValidateStore(); err != nil {
		return usageError{err.Error()}
	}
	if set["password"] && pwStdin {
		return usagef("use --password or --password-stdin, not both")
	}
	if pwStdin {
		var err error
		if pw, err = readPasswordStdin(env); err != nil {
			return err
		}
		set["password"] = true
	}
	if set["password"] {
		if err := experience.ValidatePassword(pw); err != nil {
			return usagef("--password: %v", err)
		}
	}
	if set["email"] {
		if email = experience.Canonical(email); email != "" {
			if err := experience.ValidateEmail(email); err != nil {
				return usagef("--email: %v", err)
			}
		}
	}
	if len(name) > 256 {
		return usagef("--name is too long")
	}
	st, u, err := openUser(ctx, &cfg, who)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now().UTC()
	if set["email"] || set["email-verified"] || set["name"] {
		_, err := st.UpdateUser(ctx, u.ID, func(x store.User) (store.User, error) {
			if set["email"] && email != x.Email {
				x.Email, x.EmailVerified = email, false // a new address is unproven
			}
			if set["email-verified"] {
				if x.Email == "" && emailVerified {
					return x, usagef("user %s has no email address to verify", u.ID)
				}
				x.EmailVerified = emailVerified
			}
			if set["name"] {
				x.Name = strings.TrimSpace(name)
			}
			if x.Username == "" && x.Email == "" {
				return x, usagef("a user needs a username or an email address")
			}
			x.UpdatedAt = now
			return x, nil
		})
		if errors.Is(err, store.ErrAlreadyExists) {
			return usagef("another user has that email address")
		} else if err != nil {
			return err
		}
	}
	if set["password"] {
		hash, err := password.Hash(ctx, pw, passwordParams)
		if err != nil {
			return err
		}
		if err := ChangePassword(ctx, st, u.ID, hash, now); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "Updated user %s (id %s); new password set, signed out everywhere\n", u.Username, u.ID)
		return nil
	}
	fmt.Fprintf(env.Stdout, "Updated user %s (id %s)\n", u.Username, u.ID)
	return nil
}

// SuspendUser suspends or unsuspends a user. Suspending ends the user's
// sessions and revokes every grant, offline ones included (as Logto does),
// so unsuspending revives none of the tokens issued before: a stolen
// refresh token stays dead.
func SuspendUser(ctx context.Context, st store.Store, userID string, suspend bool, now time.Time) error {
	if _, err := st.UpdateUser(ctx, userID, func(x store.User) (store.User, error) {
		x.Suspended = suspend
		x.UpdatedAt = now
		return x, nil
	}); err != nil {
		return err
	}
	if !suspend {
		return nil
	}
	if err := st.DeleteUserSessions(ctx, userID); err != nil {
		return err
	}
	return st.RevokeUserGrants(ctx, userID, now)
}

func usersSuspend(ctx context.Context, env Env, args []string, suspend bool) error {
	verb := map[bool]string{true: "suspend", false: "unsuspend"}[suspend]
	st, u, err := userTarget(ctx, env, verb, args)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := SuspendUser(ctx, st, u.ID, suspend, time.Now().UTC()); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "User %s (id %s) %sed\n", u.Username, u.ID, verb)
	return nil
}

// ---- resources ----

type resourceJSON struct {
	ID             string   `json:"id"`
	Indicator      string   `json:"indicator"`
	Name           string   `json:"name"`
	Scopes         []string `json:"scopes"`
	AccessTokenTTL int64    `json:"access_token_ttl"`
}

func resources(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "resources", args, map[string]func(context.Context, Env, []string) error{
		"create": resourcesCreate, "list": resourcesList,
	})
}

func resourcesCreate(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	var indicator, name string
	var scopes multiFlag
	var ttl time.Duration
	var asJSON bool
	fs := newFlags(env, "resources create", "resources create --indicator URI --name NAME [--scope S]... [--json]")
	cfg.StoreFlags(fs)
	fs.StringVar(&indicator, "indicator", "", "the API's resource indicator, an absolute URI (required)")
	fs.StringVar(&name, "name", "", "display name (required)")
	fs.Var(&scopes, "scope", "a permission the API defines (repeatable)")
	fs.DurationVar(&ttl, "access-token-ttl", time.Hour, "lifetime of access tokens for this API")
	fs.BoolVar(&asJSON, "json", false, "print the resource as one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.ValidateStore(); err != nil {
		return usageError{err.Error()}
	}
	u, err := url.Parse(indicator)
	if indicator == "" || err != nil || !u.IsAbs() || u.Fragment != "" || strings.ContainsAny(indicator, "#, ") || len(indicator) > 2000 {
		return usagef("--indicator must be an absolute URI without a fragment, comma or space")
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 256 {
		return usagef("--name is required (at most 256 characters)")
	}
	for _, s := range scopes {
		if s == "" || strings.ContainsAny(s, " \"\\") || oauth2.IsOIDCScope(s) || len(s) > 256 {
			return usagef("--scope %q is not a valid permission name", s)
		}
	}
	if ttl < time.Minute || ttl > 24*time.Hour {
		return usagef("--access-token-ttl must be between 1m and 24h")
	}
	st, err := openStore(ctx, &cfg, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	r := store.Resource{ID: opaque.NewID(), Indicator: indicator, Name: name, Scopes: scopes, AccessTokenTTL: ttl, CreatedAt: time.Now().UTC()}
	if err := st.CreateResource(ctx, r); errors.Is(err, store.ErrAlreadyExists) {
		return usagef("a resource with indicator %q already exists", indicator)
	} else if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(env.Stdout, resourceJSON{ID: r.ID, Indicator: r.Indicator, Name: r.Name, Scopes: nonNil(r.Scopes), AccessTokenTTL: int64(ttl.Seconds())})
	}
	fmt.Fprintf(env.Stdout, "Created API resource %s (id %s)\n", indicator, r.ID)
	return nil
}

// ---- keys ----

func keysCmd(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "keys", args, map[string]func(context.Context, Env, []string) error{
		"rotate": keysRotate, "list": keysList,
	})
}

func keysRotate(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	var alg string
	fs := newFlags(env, "keys rotate", "keys rotate [--signing-alg ES384|ES256|RS256] [--key-publish-delay D]")
	cfg.StoreFlags(fs)
	cfg.SecretFlag(fs)
	cfg.KeyFlags(fs)
	// The default is the server's: SESAME_SIGNING_ALG, else (the server may
	// have been given --signing-alg) the newest key's, else ES384.
	fs.StringVar(&alg, "signing-alg", os.Getenv("SESAME_SIGNING_ALG"), "algorithm of the new key; default: the configured one (env SESAME_SIGNING_ALG), else the newest key's")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.ValidateStore(); err != nil {
		return usageError{err.Error()}
	}
	if alg != "" && !keys.SupportedAlg(alg) {
		name := "SESAME_SIGNING_ALG"
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "signing-alg" {
				name = "--signing-alg"
			}
		})
		return usagef("%s must be one of %s", name, strings.Join(keys.Supported, ", "))
	}
	if cfg.Secret != "" && len(cfg.Secret) < 32 {
		return usagef("--secret must be at least 32 characters")
	}
	master, err := cfg.MasterSecret()
	if err != nil {
		return usageError{err.Error()}
	}
	st, err := openStore(ctx, &cfg, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	if alg == "" {
		ks, err := st.ListKeys(ctx)
		if err != nil {
			return err
		}
		alg = "ES384"
		var latest time.Time
		for _, k := range ks {
			if keys.SupportedAlg(k.Alg) && !k.CreatedAt.Before(latest) {
				alg, latest = k.Alg, k.CreatedAt
			}
		}
	}
	km := keys.New(st, master, keys.Options{Alg: alg, PublishDelay: cfg.KeyPublishDelay})
	if err := km.Ensure(ctx); err != nil {
		return err
	}
	k, err := km.Rotate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Added %s key %s: published now, signing from %s\n", k.Alg, k.ID, k.ActivatesAt.UTC().Format(time.RFC3339))
	if cfg.KeyPublishDelay < 90*time.Second {
		fmt.Fprintf(env.Stderr, "sesame: warning: a publish delay under 90s can outrun relying parties that cache the JWKS (60s) and do not refetch on an unknown key\n")
	}
	return nil
}

func keysList(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs := newFlags(env, "keys list", "keys list")
	cfg.StoreFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.ValidateStore(); err != nil {
		return usageError{err.Error()}
	}
	st, err := openStore(ctx, &cfg, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	ks, err := st.ListKeys(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tALG\tSIGNS FROM\tRETIRED\tREMOVED AT")
	for _, k := range ks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Alg, k.ActivatesAt.UTC().Format(time.RFC3339), ts(k.RetiredAt), ts(k.ExpiresAt))
	}
	return tw.Flush()
}

func ts(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// list is the shape every "… list" command shares: flags, open the store,
// print a table or (with --json) a JSON array.
func list[T any](ctx context.Context, env Env, args []string, name string, fetch func(store.Store, context.Context) ([]T, error),
	asJSONRow func(T) any, header string, row func(T) string) error {
	var cfg config.Config
	var asJSON bool
	fs := newFlags(env, name, name+" [--json]")
	cfg.StoreFlags(fs)
	fs.BoolVar(&asJSON, "json", false, "print a JSON array")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.ValidateStore(); err != nil {
		return usageError{err.Error()}
	}
	st, err := openStore(ctx, &cfg, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	items, err := fetch(st, ctx)
	if err != nil {
		return err
	}
	if asJSON {
		out := make([]any, 0, len(items))
		for _, it := range items {
			out = append(out, asJSONRow(it))
		}
		return writeJSON(env.Stdout, out)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, it := range items {
		fmt.Fprintln(tw, row(it))
	}
	return tw.Flush()
}

func appsList(ctx context.Context, env Env, args []string) error {
	return list(ctx, env, args, "apps list", func(st store.Store, ctx context.Context) ([]appView, error) {
		cs, err := st.ListClients(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]appView, 0, len(cs))
		for _, c := range cs {
			v, err := loadAppView(ctx, st, c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	},
		func(v appView) any { return toAppJSON(v, "") },
		"ID\tTYPE\tNAME\tREDIRECT URIS / PERMISSIONS",
		func(v appView) string {
			c, more := v.client, strings.Join(v.client.RedirectURIs, " ")
			if c.Type == store.AppM2M {
				more = formatPermissions(v.perms)
			}
			return fmt.Sprintf("%s\t%s\t%s\t%s", c.ID, c.Type, c.Name, more)
		})
}

func usersList(ctx context.Context, env Env, args []string) error {
	return list(ctx, env, args, "users list", store.Store.ListUsers,
		func(u store.User) any {
			return userJSON{ID: u.ID, Username: u.Username, Email: u.Email, EmailVerified: u.EmailVerified, Name: u.Name, Suspended: u.Suspended,
				CreatedAt: u.CreatedAt.UTC().Format(time.RFC3339)}
		},
		"ID\tUSERNAME\tEMAIL",
		func(u store.User) string { return fmt.Sprintf("%s\t%s\t%s", u.ID, u.Username, u.Email) })
}

func resourcesList(ctx context.Context, env Env, args []string) error {
	return list(ctx, env, args, "resources list", store.Store.ListResources,
		func(r store.Resource) any {
			return resourceJSON{ID: r.ID, Indicator: r.Indicator, Name: r.Name, Scopes: nonNil(r.Scopes),
				AccessTokenTTL: int64(r.AccessTokenTTL.Seconds())}
		},
		"ID\tINDICATOR\tNAME\tSCOPES",
		func(r store.Resource) string {
			return fmt.Sprintf("%s\t%s\t%s\t%s", r.ID, r.Indicator, r.Name, strings.Join(r.Scopes, " "))
		})
}
