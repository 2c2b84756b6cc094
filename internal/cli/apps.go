package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
)

const (
	backChannelURIUsage = "OpenID Connect back-channel logout URI (backchannel_logout_uri): Sesame posts a logout token there when a " +
		"session the app signed in through ends; https (http only for localhost), no fragment"
	backChannelSessionUsage = "the app needs the session id (sid) in every logout token (backchannel_logout_session_required)"
)

const corsOriginUsage = "an origin (scheme://host[:port]) from which the app's browser code may call the token, userinfo and " +
	"revocation endpoints, besides the origins of its redirect URIs (repeatable)"

func apps(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "apps", args, map[string]func(context.Context, Env, []string) error{
		"create": appsCreate, "list": appsList, "delete": appsDelete, "permit": appsPermit, "rotate-secret": appsRotateSecret,
		"assign-role":   func(ctx context.Context, env Env, args []string) error { return appsAssignRole(ctx, env, args, true) },
		"unassign-role": func(ctx context.Context, env Env, args []string) error { return appsAssignRole(ctx, env, args, false) },
		"set-cors":      appsSetCORS,
		"update":        appsUpdate, "add-secret": appsAddSecret, "secrets": appsSecrets, "delete-secret": appsDeleteSecret,
	})
}

func appsCreate(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	var a directory.NewApp
	var typ string
	var redirects, logouts, permissions, corsOrigins multiFlag
	var asJSON bool
	fs := newFlags(env, "apps create", "apps create --name NAME --type traditional|spa|native|m2m [--redirect-uri URI]... [--post-logout-redirect-uri URI]... [--cors-origin ORIGIN]... "+
		"[--backchannel-logout-uri URL] [--backchannel-logout-session-required] [--permission RESOURCE=SCOPE,...]... [--json]")
	cfg.StoreFlags(fs)
	fs.StringVar(&a.Name, "name", "", "display name shown on the sign-in page (required)")
	fs.StringVar(&typ, "type", "", "traditional (server web app), spa, native or m2m (required)")
	fs.Var(&redirects, "redirect-uri", "allowed redirect URI, exact match (repeatable)")
	fs.Var(&logouts, "post-logout-redirect-uri", "allowed post-sign-out redirect URI (repeatable)")
	fs.BoolVar(&a.ThirdParty, "third-party", false, "show a consent screen to users of this app")
	fs.Var(&corsOrigins, "cors-origin", corsOriginUsage)
	fs.StringVar(&a.BackChannelLogoutURI, "backchannel-logout-uri", "", backChannelURIUsage)
	fs.BoolVar(&a.BackChannelLogoutSessionRequired, "backchannel-logout-session-required", false, backChannelSessionUsage)
	fs.Var(&permissions, "permission", "m2m apps: an API resource the app may get tokens for, with the scopes it may ask for, as RESOURCE=SCOPE,SCOPE (repeatable); held by the app's own role \"app:<id>\"")
	fs.BoolVar(&asJSON, "json", false, "print the app as one JSON object")
	var mgmt bool
	fs.BoolVar(&mgmt, "management-api", false, "m2m apps: give the app the role \""+admin.M2MRoleName+"\" (full Management API access)")
	cfg.EndpointFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.ValidateStore(); err != nil {
		return usageError{err.Error()}
	}
	if err := cfg.ValidateEndpoint(); err != nil {
		return usageError{err.Error()}
	}
	if mgmt && store.AppType(typ) != store.AppM2M {
		return usagef("--management-api needs --type m2m")
	}
	a.Type, a.RedirectURIs, a.PostLogoutRedirectURIs, a.CORSOrigins = store.AppType(typ), redirects, logouts, corsOrigins
	if err := checkNewApp(&a, permissions); err != nil {
		return err
	}
	if len(a.Permissions) > 0 && dbMissing(&cfg) {
		return directory.NoResource(a.Permissions[0].Resource)
	}
	st, err := openStore(ctx, &cfg, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	if mgmt {
		// On a database serve never started on, the role is not there yet.
		if err := admin.EnsureRoles(ctx, st, cfg.Endpoint, time.Now()); err != nil {
			return err
		}
	}
	v, secret, err := directory.Apps{Store: st}.Create(ctx, a)
	if err != nil {
		return err
	}
	if mgmt {
		if err := admin.GrantManagementAPI(ctx, st, v.Client.ID); err != nil {
			return err
		}
		v.Roles = append(v.Roles, store.Role{Name: admin.M2MRoleName})
	}
	if asJSON {
		return writeJSON(env.Stdout, toAppJSON(v, secret))
	}
	c := v.Client
	fmt.Fprintf(env.Stdout, "Created %s app %q\n  App ID:     %s\n", c.Type, c.Name, c.ID)
	if secret != "" {
		fmt.Fprintf(env.Stdout, "  App secret: %s\n  (Store the secret now: Sesame keeps only a hash of it.)\n", secret)
	}
	printPermissions(env, v.Permissions)
	if c.Type == store.AppM2M && len(v.Permissions) == 0 {
		fmt.Fprintf(env.Stdout, "  No API permissions yet: grant some with `sesame apps permit %s --resource URI --scope S` or `sesame apps assign-role %s ROLE`.\n", c.ID, c.ID)
	}
	return nil
}

// checkNewApp parses the --permission values into a.Permissions and
// checks a. The rules on the name and type come before the syntax of
// --permission, as they always have.
func checkNewApp(a *directory.NewApp, permissions []string) error {
	perms, err := parsePermissions(permissions, false)
	if err == nil {
		a.Permissions = perms
		return directory.CheckNewApp(a)
	}
	probe := *a
	probe.Permissions = make([]store.Permission, len(permissions))
	if perr := directory.CheckNewApp(&probe); errors.Is(perr, directory.ErrAppName) || errors.Is(perr, directory.ErrAppType) ||
		errors.Is(perr, directory.ErrAppPermission) {
		return perr
	}
	return err
}

// openApp opens the store and loads the app; on error the store is closed.
func openApp(ctx context.Context, cfg *config.Config, id string) (store.Store, store.Client, error) {
	return openFind(ctx, cfg, directory.AppNotFound(id), func(st store.Store) (store.Client, error) {
		return directory.Apps{Store: st}.Get(ctx, id)
	})
}

// withApp checks the store flags, opens the store with app id in it and
// runs fn with them.
func withApp(ctx context.Context, cfg *config.Config, id string, fn func(directory.Apps, store.Client) error) error {
	if err := cfg.ValidateStore(); err != nil {
		return usageError{err.Error()}
	}
	st, c, err := openApp(ctx, cfg, id)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(directory.Apps{Store: st}, c)
}

// writeAppJSON prints app c, and its new secret if any, as one JSON object.
func writeAppJSON(ctx context.Context, env Env, d directory.Apps, c store.Client, secret string) error {
	v, err := d.View(ctx, c)
	if err != nil {
		return err
	}
	return writeJSON(env.Stdout, toAppJSON(v, secret))
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
	if err := directory.CheckGrace(grace); err != nil {
		return err
	}
	return withApp(ctx, &cfg, id, func(d directory.Apps, c store.Client) error {
		secret, until, err := d.RotateSecret(ctx, c, grace)
		if err != nil {
			return err
		}
		if asJSON {
			return writeAppJSON(ctx, env, d, c, secret)
		}
		fmt.Fprintf(env.Stdout, "New secret for app %s\n  App secret: %s\n  (Store the secret now: Sesame keeps only a hash of it.)\n", id, secret)
		if grace > 0 {
			fmt.Fprintf(env.Stdout, "  The old secret works until %s.\n", until.Format(time.RFC3339))
		} else {
			fmt.Fprintln(env.Stdout, "  The old secret no longer works.")
		}
		return nil
	})
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
	perms, err := permitArgs(pos[1:], resource, scopes, remove)
	if err != nil {
		return err
	}
	st, c, err := openApp(ctx, &cfg, pos[0])
	if err != nil {
		return err
	}
	defer st.Close()
	d := directory.Apps{Store: st}
	if remove {
		err = d.Unpermit(ctx, c, resource)
	} else {
		err = d.Permit(ctx, c, perms)
	}
	if err != nil {
		return err
	}
	v, err := d.View(ctx, c)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Updated the permissions of app %s (its current tokens are revoked)\n", c.ID)
	printPermissions(env, v.Permissions)
	return nil
}

// permitArgs reads the permissions of `apps permit` from its positional
// RESOURCE=SCOPE arguments and its --resource, --scope and --remove flags.
func permitArgs(args []string, resource string, scopes []string, remove bool) ([]store.Permission, error) {
	if remove && (len(scopes) > 0 || len(args) > 0) {
		return nil, usagef("--remove takes no --scope")
	}
	if remove && resource == "" {
		return nil, usagef("usage: sesame apps permit ID --resource URI --remove")
	}
	if resource != "" && !remove && len(scopes) == 0 {
		return nil, usagef("--resource needs at least one --scope (or --remove)")
	}
	if resource != "" && !remove {
		args = append(args, resource+"="+strings.Join(scopes, ","))
	} else if len(scopes) > 0 {
		return nil, usagef("--scope needs --resource")
	}
	if len(args) == 0 && !remove {
		return nil, usagef("usage: sesame apps permit ID --resource URI --scope S...")
	}
	return parsePermissions(args, false)
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
	st, err := openChecked(ctx, &cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := (directory.Apps{Store: st}).Delete(ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Deleted app %s and revoked its tokens\n", id)
	return nil
}

// appsSetCORS replaces the origins an app allows besides its redirect
// URIs' (none: only those).
func appsSetCORS(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	var corsOrigins multiFlag
	var asJSON bool
	fs := newFlags(env, "apps set-cors", "apps set-cors ID [--cors-origin ORIGIN]... [--json]   (no --cors-origin: only the redirect URIs' origins)")
	cfg.StoreFlags(fs)
	fs.Var(&corsOrigins, "cors-origin", corsOriginUsage+"; replaces the app's list")
	fs.BoolVar(&asJSON, "json", false, "print the app as one JSON object")
	id, rest := splitID(args)
	if err := parse(fs, rest); err != nil {
		return err
	}
	if id == "" {
		return usagef("usage: sesame apps set-cors ID [--cors-origin ORIGIN]...")
	}
	// Validated before the database is opened; the m2m check needs the app.
	if _, err := directory.CheckCORSOrigins(store.AppSPA, corsOrigins); err != nil {
		return err
	}
	return withApp(ctx, &cfg, id, func(d directory.Apps, c store.Client) error {
		c, err := d.SetCORS(ctx, c, corsOrigins)
		if err != nil {
			return err
		}
		if asJSON {
			return writeAppJSON(ctx, env, d, c, "")
		}
		if len(c.CORSOrigins) == 0 {
			fmt.Fprintf(env.Stdout, "App %s now answers CORS only for its redirect URIs' origins\n", id)
		} else {
			fmt.Fprintf(env.Stdout, "App %s now answers CORS for its redirect URIs' origins and %s\n", id, strings.Join(c.CORSOrigins, ", "))
		}
		return nil
	})
}

func appsList(ctx context.Context, env Env, args []string) error {
	return list(ctx, env, args, "apps list", func(st store.Store, ctx context.Context) ([]directory.App, error) {
		return directory.Apps{Store: st}.List(ctx)
	},
		func(v directory.App) any { return toAppJSON(v, "") },
		"ID\tTYPE\tNAME\tREDIRECT URIS / PERMISSIONS",
		func(v directory.App) string {
			c, more := v.Client, strings.Join(v.Client.RedirectURIs, " ")
			if c.Type == store.AppM2M {
				more = formatPermissions(v.Permissions)
			}
			return fmt.Sprintf("%s\t%s\t%s\t%s", c.ID, c.Type, c.Name, more)
		})
}

// appsAssignRole assigns an m2m role to an m2m app, or takes it away.
func appsAssignRole(ctx context.Context, env Env, args []string, assign bool) error {
	return assignRole(ctx, env, args, assign, roleHolder[store.Client]{
		command: "apps", arg: "ID", open: openApp,
		assign: directory.Roles.AssignApp, unassign: directory.Roles.UnassignApp,
		name:    func(c store.Client) string { return "App " + c.ID },
		dropped: " (its current tokens are revoked)",
	})
}

// appsUpdate changes an app's settings; only the flags given change.
func appsUpdate(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	var redirects, logouts multiFlag
	var name, description, customData, idTokenAlg, backChannelURI string
	var idTTL, refreshDays, reuse int
	var rotate, always, backChannelSession, asJSON bool
	fs := newFlags(env, "apps update", "apps update ID [--name N] [--description D] [--redirect-uri URI]... [--post-logout-redirect-uri URI]... "+
		"[--id-token-ttl SECONDS] [--refresh-token-ttl-days DAYS] [--rotate-refresh-token=BOOL] [--refresh-reuse-interval SECONDS] [--id-token-alg ES384|ES256|RS256|default] [--always-issue-refresh-token=BOOL] "+
		"[--backchannel-logout-uri URL] [--backchannel-logout-session-required=BOOL] [--custom-data JSON] [--json]")
	cfg.StoreFlags(fs)
	fs.StringVar(&name, "name", "", "display name shown on the sign-in page")
	fs.StringVar(&description, "description", "", "free text for administrators")
	fs.Var(&redirects, "redirect-uri", "allowed redirect URI, exact match (repeatable; replaces the list)")
	fs.Var(&logouts, "post-logout-redirect-uri", "allowed post-sign-out redirect URI (repeatable; replaces the list)")
	fs.IntVar(&idTTL, "id-token-ttl", 0, "ID token lifetime in seconds, 60 to 86400; 0 for the default hour")
	fs.IntVar(&refreshDays, "refresh-token-ttl-days", 0, "refresh token lifetime in days, 1 to 180; 0 for the default 14")
	fs.BoolVar(&rotate, "rotate-refresh-token", true, "replace a refresh token when it is used (false: reuse it until it expires)")
	fs.BoolVar(&always, "always-issue-refresh-token", false, "issue a refresh token even without the offline_access scope")
	fs.StringVar(&idTokenAlg, "id-token-alg", "", "sign the app's ID tokens with ES384, ES256 or RS256 (id_token_signed_response_alg); 'default' for the server's algorithm")
	fs.StringVar(&backChannelURI, "backchannel-logout-uri", "", backChannelURIUsage+"; empty to remove it")
	fs.BoolVar(&backChannelSession, "backchannel-logout-session-required", false, backChannelSessionUsage)
	fs.IntVar(&reuse, "refresh-reuse-interval", 0, "seconds, 0 to 3600, during which a rotated refresh token returns its successor again instead of revoking the grant (several browser tabs); 0: never")
	fs.StringVar(&customData, "custom-data", "", "a JSON object for your own use (at most 4 KB)")
	fs.BoolVar(&asJSON, "json", false, "print the app as one JSON object")
	id, rest := splitID(args)
	if err := parse(fs, rest); err != nil {
		return err
	}
	if id == "" {
		return usagef("usage: sesame apps update ID [--name N] [--id-token-ttl SECONDS] ...")
	}
	var u directory.AppUpdate
	set := 0
	fs.Visit(func(f *flag.Flag) {
		set++
		switch f.Name {
		case "name":
			u.Name = &name
		case "description":
			u.Description = &description
		case "redirect-uri":
			u.RedirectURIs = (*[]string)(&redirects)
		case "post-logout-redirect-uri":
			u.PostLogoutRedirectURIs = (*[]string)(&logouts)
		case "id-token-ttl":
			u.IDTokenTTL = &idTTL
		case "refresh-token-ttl-days":
			u.RefreshTokenTTLInDays = &refreshDays
		case "rotate-refresh-token":
			u.RotateRefreshToken = &rotate
		case "always-issue-refresh-token":
			u.AlwaysIssueRefreshToken = &always
		case "refresh-reuse-interval":
			u.RefreshTokenReuseInterval = &reuse
		case "id-token-alg":
			if idTokenAlg == "default" {
				idTokenAlg = ""
			}
			u.IDTokenAlg = &idTokenAlg
		case "backchannel-logout-uri":
			u.BackChannelLogoutURI = &backChannelURI
		case "backchannel-logout-session-required":
			u.BackChannelLogoutSessionRequired = &backChannelSession
		case "custom-data":
			u.CustomData = json.RawMessage(customData)
		default:
			set--
		}
	})
	if set == 0 {
		return usagef("apps update: nothing to change (see sesame apps update --help)")
	}
	return withApp(ctx, &cfg, id, func(d directory.Apps, _ store.Client) error {
		c, err := d.Update(ctx, id, u)
		if err != nil {
			return err
		}
		if asJSON {
			return writeAppJSON(ctx, env, d, c, "")
		}
		fmt.Fprintf(env.Stdout, "Updated app %s\n", id)
		return nil
	})
}
