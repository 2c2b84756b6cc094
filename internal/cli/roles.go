package cli

// Roles (docs/security.md, items 8.1 and 8.2): access to an API is denied
// by default; a user or M2M app holds exactly the permissions, (resource,
// scope) pairs, of the roles assigned to it.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/store"
)

type roleJSON struct {
	ID          string              `json:"id"`
	Name        string              `json:"name"`
	Description string              `json:"description"`
	Type        string              `json:"type"`
	Permissions map[string][]string `json:"permissions"` // resource indicator → scopes
	CreatedAt   string              `json:"created_at"`
}

func toRoleJSON(r store.Role) roleJSON {
	return roleJSON{ID: r.ID, Name: r.Name, Description: r.Description, Type: string(r.Type),
		Permissions: permissionMap(r.Permissions), CreatedAt: r.CreatedAt.UTC().Format(time.RFC3339)}
}

// permissionMap groups (resource, scope) pairs by resource, the shape
// `--json` output has always used.
func permissionMap(ps []store.Permission) map[string][]string {
	m := map[string][]string{}
	for _, p := range ps {
		m[p.Resource] = append(m[p.Resource], p.Scope)
	}
	return m
}

// formatPermissions prints pairs as "RESOURCE=SCOPE,SCOPE RESOURCE=SCOPE".
func formatPermissions(ps []store.Permission) string {
	m := permissionMap(ps)
	var out []string
	for _, res := range slices.Sorted(maps.Keys(m)) {
		out = append(out, res+"="+strings.Join(m[res], ","))
	}
	return strings.Join(out, " ")
}

// validRoleName is the rule for role names: 1 to 128 printable characters.
func validRoleName(name string) error {
	if n := utf8.RuneCountInString(name); n == 0 || n > 128 || !utf8.ValidString(name) {
		return usagef("--name must be 1 to 128 characters")
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return usagef("--name must be printable characters only")
		}
	}
	return nil
}

// checkRoleFits is the rule for assignments: user roles go to users (app
// == nil), m2m roles to m2m apps.
func checkRoleFits(r store.Role, app *store.Client) error {
	switch {
	case app == nil && r.Type != store.RoleUser:
		return usagef("role %q is a %s role; users get user roles", r.Name, r.Type)
	case app != nil && app.Type != store.AppM2M:
		return usagef("app %s is a %s app; roles are for m2m apps (users' apps get their users' permissions)", app.ID, app.Type)
	case app != nil && r.Type != store.RoleM2M:
		return usagef("role %q is a %s role; m2m apps get m2m roles", r.Name, r.Type)
	}
	return nil
}

// parsePermissions reads RESOURCE=SCOPE,SCOPE arguments into sorted,
// distinct pairs. Every argument needs at least one scope unless
// bareResource is set (then RESOURCE alone stands for every scope the
// caller finds, with an empty Scope).
func parsePermissions(args []string, bareResource bool) ([]store.Permission, error) {
	var out []store.Permission
	for _, a := range args {
		res, scopes, err := parsePermission(a)
		if err != nil {
			return nil, usageError{err.Error()}
		}
		if len(scopes) == 0 {
			if !bareResource {
				return nil, usagef("permission %q: want RESOURCE=SCOPE,SCOPE (a permission is a scope of a resource)", a)
			}
			scopes = []string{""}
		}
		for _, s := range scopes {
			if p := (store.Permission{Resource: res, Scope: s}); !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	slices.SortFunc(out, comparePermissions)
	return out, nil
}

func comparePermissions(a, b store.Permission) int {
	if c := strings.Compare(a.Resource, b.Resource); c != 0 {
		return c
	}
	return strings.Compare(a.Scope, b.Scope)
}

// unionPermissions returns the sorted union of a and b.
func unionPermissions(a, b []store.Permission) []store.Permission {
	out := slices.Clone(a)
	for _, p := range b {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, comparePermissions)
	return out
}

// positionals separates the non-flag arguments from the flags of fs, so
// positionals may stand anywhere (`roles permit ROLE RES=S --data dir`).
// A flag that takes a value consumes the next argument unless written
// --flag=value.
func positionals(fs *flag.FlagSet, args []string) (pos, flags []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(pos, args[i+1:]...), flags
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil && i+1 < len(args) {
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
				continue
			}
			i++
			flags = append(flags, args[i])
		}
	}
	return pos, flags
}

// parseArgs parses fs's flags wherever they stand, validates the store
// flags and returns the positional arguments, which must number between
// min and max.
func parseArgs(fs *flag.FlagSet, cfg *config.Config, args []string, min, max int, usageLine string) ([]string, error) {
	pos, flags := positionals(fs, args)
	if err := parse(fs, flags); err != nil {
		return nil, err
	}
	if len(pos) < min || len(pos) > max {
		return nil, usagef("usage: sesame %s", usageLine)
	}
	if err := cfg.ValidateStore(); err != nil {
		return nil, usageError{err.Error()}
	}
	return pos, nil
}

// findRole finds a role by id, then by name.
func findRole(ctx context.Context, st store.Store, ref string) (store.Role, error) {
	r, err := st.GetRole(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		r, err = st.GetRoleByName(ctx, ref)
	}
	if errors.Is(err, store.ErrNotFound) {
		return store.Role{}, usagef("no role %q (see `sesame roles list`)", ref)
	}
	return r, err
}

// openRole opens the store and finds the role; on error the store is
// closed.
func openRole(ctx context.Context, cfg *config.Config, ref string) (store.Store, store.Role, error) {
	if dbMissing(cfg) {
		return nil, store.Role{}, usagef("no role %q (see `sesame roles list`)", ref)
	}
	st, err := openStore(ctx, cfg, nil)
	if err != nil {
		return nil, store.Role{}, err
	}
	r, err := findRole(ctx, st, ref)
	if err != nil {
		st.Close()
		return nil, store.Role{}, err
	}
	return st, r, nil
}

func roles(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "roles", args, map[string]func(context.Context, Env, []string) error{
		"create": rolesCreate, "list": rolesList, "delete": rolesDelete,
		"permit": func(ctx context.Context, env Env, args []string) error { return rolesChange(ctx, env, args, true) },
		"revoke": func(ctx context.Context, env Env, args []string) error { return rolesChange(ctx, env, args, false) },
	})
}

func rolesCreate(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	var name, typ, description string
	var permissions multiFlag
	var asJSON bool
	fs := newFlags(env, "roles create", "roles create --name NAME --type user|m2m [--description D] [--permission RESOURCE=SCOPE,SCOPE]... [--json]")
	cfg.StoreFlags(fs)
	fs.StringVar(&name, "name", "", "unique name, 1 to 128 printable characters (required)")
	fs.StringVar(&typ, "type", "", "user (assigned to users) or m2m (assigned to machine-to-machine apps) (required)")
	fs.StringVar(&description, "description", "", "what the role is for")
	fs.Var(&permissions, "permission", "scopes of an API resource the role grants, as RESOURCE=SCOPE,SCOPE (repeatable)")
	fs.BoolVar(&asJSON, "json", false, "print the role as one JSON object")
	if _, err := parseArgs(fs, &cfg, args, 0, 0, "roles create --name NAME --type user|m2m [--permission RESOURCE=SCOPE,SCOPE]..."); err != nil {
		return err
	}
	name = strings.TrimSpace(name)
	if err := validRoleName(name); err != nil {
		return err
	}
	t := store.RoleType(strings.ToLower(typ))
	if !t.Valid() {
		return usagef("--type must be user or m2m")
	}
	if len(description) > 1000 {
		return usagef("--description is too long")
	}
	perms, err := parsePermissions(permissions, false)
	if err != nil {
		return err
	}
	if len(perms) > 0 && dbMissing(&cfg) {
		return usagef("no API resource %q (create it with `sesame resources create`)", perms[0].Resource)
	}
	st, err := openStore(ctx, &cfg, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := checkPermissions(ctx, st, perms); err != nil {
		return err
	}
	r := store.Role{ID: opaque.NewID(), Name: name, Description: strings.TrimSpace(description), Type: t,
		Permissions: perms, CreatedAt: time.Now().UTC()}
	if err := st.CreateRole(ctx, r); errors.Is(err, store.ErrAlreadyExists) {
		return usagef("a role named %q already exists", name)
	} else if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(env.Stdout, toRoleJSON(r))
	}
	fmt.Fprintf(env.Stdout, "Created %s role %q (id %s)\n", t, name, r.ID)
	printPermissions(env, perms)
	return nil
}

func rolesList(ctx context.Context, env Env, args []string) error {
	return list(ctx, env, args, "roles list", store.Store.ListRoles,
		func(r store.Role) any { return toRoleJSON(r) },
		"ID\tTYPE\tNAME\tPERMISSIONS",
		func(r store.Role) string {
			return fmt.Sprintf("%s\t%s\t%s\t%s", r.ID, r.Type, r.Name, formatPermissions(r.Permissions))
		})
}

func rolesDelete(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs := newFlags(env, "roles delete", "roles delete ROLE (an id or a name)")
	cfg.StoreFlags(fs)
	pos, err := parseArgs(fs, &cfg, args, 1, 1, "roles delete ROLE")
	if err != nil {
		return err
	}
	st, r, err := openRole(ctx, &cfg, pos[0])
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.DeleteRole(ctx, r.ID, time.Now().UTC()); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Deleted role %q (id %s); its users and apps no longer hold its permissions\n", r.Name, r.ID)
	return nil
}

// rolesChange adds permissions to a role (permit) or takes them away
// (revoke; RESOURCE alone takes every scope of the resource).
func rolesChange(ctx context.Context, env Env, args []string, add bool) error {
	verb, synopsis := "revoke", "roles revoke ROLE RESOURCE[=SCOPE,SCOPE]..."
	if add {
		verb, synopsis = "permit", "roles permit ROLE RESOURCE=SCOPE,SCOPE..."
	}
	var cfg config.Config
	fs := newFlags(env, "roles "+verb, synopsis+" (ROLE is an id or a name)")
	cfg.StoreFlags(fs)
	pos, err := parseArgs(fs, &cfg, args, 2, 1000, synopsis)
	if err != nil {
		return err
	}
	perms, err := parsePermissions(pos[1:], !add)
	if err != nil {
		return err
	}
	st, r, err := openRole(ctx, &cfg, pos[0])
	if err != nil {
		return err
	}
	defer st.Close()
	var next []store.Permission
	if add {
		if err := checkPermissions(ctx, st, perms); err != nil {
			return err
		}
		next = unionPermissions(r.Permissions, perms)
	} else {
		next, err = withoutPermissions(r, perms)
		if err != nil {
			return err
		}
	}
	if err := st.SetRolePermissions(ctx, r.ID, next, time.Now().UTC()); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Updated the permissions of role %q (id %s)\n", r.Name, r.ID)
	if r.Type == store.RoleM2M {
		fmt.Fprintln(env.Stdout, "  (the current tokens of its apps are revoked)")
	}
	printPermissions(env, next)
	return nil
}

// withoutPermissions removes perms from the role's; naming a permission
// the role does not hold is an error, so a typo does not pass silently. An
// empty Scope stands for every scope of the resource.
func withoutPermissions(r store.Role, perms []store.Permission) ([]store.Permission, error) {
	out := slices.Clone(r.Permissions)
	for _, p := range perms {
		n := len(out)
		out = slices.DeleteFunc(out, func(q store.Permission) bool {
			return q.Resource == p.Resource && (p.Scope == "" || q.Scope == p.Scope)
		})
		if len(out) == n {
			return nil, usagef("role %q holds no permission %s", r.Name, strings.TrimSuffix(p.Resource+"="+p.Scope, "="))
		}
	}
	return out, nil
}

// ---- role assignments (users assign-role, apps assign-role) ----

// usersAssignRole assigns a user role to a user, or takes it away.
func usersAssignRole(ctx context.Context, env Env, args []string, assign bool) error {
	verb := map[bool]string{true: "assign-role", false: "unassign-role"}[assign]
	var cfg config.Config
	synopsis := "users " + verb + " ID|USERNAME|EMAIL ROLE"
	fs := newFlags(env, "users "+verb, synopsis+" (ROLE is an id or a name)")
	cfg.StoreFlags(fs)
	pos, err := parseArgs(fs, &cfg, args, 2, 2, synopsis)
	if err != nil {
		return err
	}
	st, u, err := openUser(ctx, &cfg, pos[0])
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := findRole(ctx, st, pos[1])
	if err != nil {
		return err
	}
	if !assign {
		if err := st.UnassignUserRole(ctx, u.ID, r.ID); errors.Is(err, store.ErrNotFound) {
			return usagef("user %s does not hold role %q", u.ID, r.Name)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "User %s (id %s) no longer holds role %q (from their next token)\n", u.Username, u.ID, r.Name)
		return nil
	}
	if err := checkRoleFits(r, nil); err != nil {
		return err
	}
	if err := st.AssignUserRole(ctx, u.ID, r.ID); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "User %s (id %s) holds role %q\n", u.Username, u.ID, r.Name)
	return nil
}

// appsAssignRole assigns an m2m role to an m2m app, or takes it away.
func appsAssignRole(ctx context.Context, env Env, args []string, assign bool) error {
	verb := map[bool]string{true: "assign-role", false: "unassign-role"}[assign]
	var cfg config.Config
	synopsis := "apps " + verb + " ID ROLE"
	fs := newFlags(env, "apps "+verb, synopsis+" (ROLE is an id or a name)")
	cfg.StoreFlags(fs)
	pos, err := parseArgs(fs, &cfg, args, 2, 2, synopsis)
	if err != nil {
		return err
	}
	st, c, err := openApp(ctx, &cfg, pos[0])
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := findRole(ctx, st, pos[1])
	if err != nil {
		return err
	}
	if !assign {
		if err := st.UnassignClientRole(ctx, c.ID, r.ID, time.Now().UTC()); errors.Is(err, store.ErrNotFound) {
			return usagef("app %s does not hold role %q", c.ID, r.Name)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "App %s no longer holds role %q (its current tokens are revoked)\n", c.ID, r.Name)
		return nil
	}
	if err := checkRoleFits(r, &c); err != nil {
		return err
	}
	if err := st.AssignClientRole(ctx, c.ID, r.ID); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "App %s holds role %q\n", c.ID, r.Name)
	return nil
}

// ---- an M2M app's own role (apps create --permission, apps permit) ----

// appRoleID and appRoleName name the role that holds the permissions
// given to one app with `apps create --permission` and `apps permit`
// (migration 00006 made the same for apps from before roles).
func appRoleID(clientID string) string   { return "app-" + clientID }
func appRoleName(clientID string) string { return "app:" + clientID }

// createAppRole creates the app's own role with perms and assigns it. If
// the assignment fails, the role is deleted again.
func createAppRole(ctx context.Context, st store.Store, c store.Client, perms []store.Permission) error {
	r := store.Role{ID: appRoleID(c.ID), Name: appRoleName(c.ID), Description: "Permissions of app " + c.Name,
		Type: store.RoleM2M, Permissions: perms, CreatedAt: time.Now().UTC()}
	if err := st.CreateRole(ctx, r); err != nil {
		return err
	}
	if err := st.AssignClientRole(ctx, c.ID, r.ID); err != nil {
		return errors.Join(err, ignoreNotFound(st.DeleteRole(ctx, r.ID, time.Now().UTC())))
	}
	return nil
}

func ignoreNotFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// appView is an app with what its roles give it, for printing.
type appView struct {
	client store.Client
	perms  []store.Permission
	roles  []store.Role
}

// loadAppView reads an M2M app's effective permissions and roles.
func loadAppView(ctx context.Context, st store.Store, c store.Client) (appView, error) {
	v := appView{client: c}
	if c.Type != store.AppM2M {
		return v, nil
	}
	var err error
	if v.perms, err = st.ClientPermissions(ctx, c.ID); err != nil {
		return v, err
	}
	v.roles, err = st.ListClientRoles(ctx, c.ID)
	return v, err
}
