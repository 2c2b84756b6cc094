package cli

// Roles (docs/security.md, items 8.1 and 8.2): access to an API is denied
// by default; a user or M2M app holds exactly the permissions, (resource,
// scope) pairs, of the roles assigned to it. The rules live in package
// directory.

import (
	"context"
	"flag"
	"fmt"

	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
)

// openRole opens the store and finds the role; on error the store is
// closed.
func openRole(ctx context.Context, cfg *config.Config, ref string) (store.Store, store.Role, error) {
	return openFind(ctx, cfg, directory.RoleNotFound(ref), func(st store.Store) (store.Role, error) {
		return directory.Roles{Store: st}.Find(ctx, ref)
	})
}

// withRole opens the store, finds the role ref and runs fn with them.
func withRole(ctx context.Context, cfg *config.Config, ref string, fn func(directory.Roles, store.Role) error) error {
	st, r, err := openRole(ctx, cfg, ref)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(directory.Roles{Store: st}, r)
}

func roles(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "roles", args, map[string]func(context.Context, Env, []string) error{
		"create": rolesCreate, "list": rolesList, "delete": rolesDelete, "update": rolesUpdate,
		"permit": func(ctx context.Context, env Env, args []string) error { return rolesChange(ctx, env, args, true) },
		"revoke": func(ctx context.Context, env Env, args []string) error { return rolesChange(ctx, env, args, false) },
	})
}

func rolesCreate(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	var nr directory.NewRole
	var typ string
	var permissions multiFlag
	var asJSON bool
	fs := newFlags(env, "roles create", "roles create --name NAME --type user|m2m [--description D] [--default] [--permission RESOURCE=SCOPE,SCOPE]... [--json]")
	cfg.StoreFlags(fs)
	fs.StringVar(&nr.Name, "name", "", "unique name, 1 to 128 printable characters (required)")
	fs.StringVar(&typ, "type", "", "user (assigned to users) or m2m (assigned to machine-to-machine apps) (required)")
	fs.StringVar(&nr.Description, "description", "", "what the role is for")
	fs.BoolVar(&nr.IsDefault, "default", false, "a default user role: every user created from now on gets it")
	fs.Var(&permissions, "permission", "scopes of an API resource the role grants, as RESOURCE=SCOPE,SCOPE (repeatable)")
	fs.BoolVar(&asJSON, "json", false, "print the role as one JSON object")
	if _, err := parseArgs(fs, &cfg, args, 0, 0, "roles create --name NAME --type user|m2m [--permission RESOURCE=SCOPE,SCOPE]..."); err != nil {
		return err
	}
	nr.Type = store.RoleType(typ)
	if err := directory.CheckNewRole(&nr); err != nil {
		return err
	}
	perms, err := parsePermissions(permissions, false)
	if err != nil {
		return err
	}
	if len(perms) > 0 && dbMissing(&cfg) {
		return directory.NoResource(perms[0].Resource)
	}
	nr.Permissions = perms
	st, err := openStore(ctx, &cfg, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := directory.Roles{Store: st}.Create(ctx, nr)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(env.Stdout, toRoleJSON(r))
	}
	fmt.Fprintf(env.Stdout, "Created %s role %q (id %s)\n", r.Type, r.Name, r.ID)
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

func rolesUpdate(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	var name, description string
	var isDefault bool
	var asJSON bool
	const synopsis = "roles update ROLE [--name NAME] [--description D] [--default=true|false] [--json]"
	fs := newFlags(env, "roles update", synopsis+" (ROLE is an id or a name)")
	cfg.StoreFlags(fs)
	fs.StringVar(&name, "name", "", "new unique name")
	fs.StringVar(&description, "description", "", "what the role is for")
	fs.BoolVar(&isDefault, "default", false, "whether every user created from now on gets this user role")
	fs.BoolVar(&asJSON, "json", false, "print the role as one JSON object")
	pos, err := parseArgs(fs, &cfg, args, 1, 1, synopsis)
	if err != nil {
		return err
	}
	var u directory.RoleUpdate
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "name":
			u.Name = &name
		case "description":
			u.Description = &description
		case "default":
			u.IsDefault = &isDefault
		}
	})
	return withRole(ctx, &cfg, pos[0], func(d directory.Roles, r store.Role) error {
		r, err := d.Update(ctx, r, u)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSON(env.Stdout, toRoleJSON(r))
		}
		fmt.Fprintf(env.Stdout, "Updated role %q (id %s)\n", r.Name, r.ID)
		return nil
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
	return withRole(ctx, &cfg, pos[0], func(d directory.Roles, r store.Role) error {
		if err := d.Delete(ctx, r); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "Deleted role %q (id %s); its users and apps no longer hold its permissions\n", r.Name, r.ID)
		return nil
	})
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
	return withRole(ctx, &cfg, pos[0], func(d directory.Roles, r store.Role) error {
		change := d.Revoke
		if add {
			change = d.Permit
		}
		next, err := change(ctx, r, perms)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "Updated the permissions of role %q (id %s)\n", r.Name, r.ID)
		if r.Type == store.RoleM2M {
			fmt.Fprintln(env.Stdout, "  (the current tokens of its apps are revoked)")
		}
		printPermissions(env, next)
		return nil
	})
}

// roleHolder is what assignRole needs to know about a kind of role holder
// (an app or a user).
type roleHolder[T any] struct {
	command, arg     string // "apps", "ID": the command and how it names the holder
	open             func(context.Context, *config.Config, string) (store.Store, T, error)
	assign, unassign func(directory.Roles, context.Context, T, store.Role) error
	name             func(T) string // the holder as the output names it
	dropped          string         // said after "no longer holds role …"
}

// assignRole is "<command> assign-role|unassign-role HOLDER ROLE": it
// assigns the role to the holder, or takes it away.
func assignRole[T any](ctx context.Context, env Env, args []string, assign bool, h roleHolder[T]) error {
	verb := map[bool]string{true: "assign-role", false: "unassign-role"}[assign]
	var cfg config.Config
	synopsis := h.command + " " + verb + " " + h.arg + " ROLE"
	fs := newFlags(env, h.command+" "+verb, synopsis+" (ROLE is an id or a name)")
	cfg.StoreFlags(fs)
	pos, err := parseArgs(fs, &cfg, args, 2, 2, synopsis)
	if err != nil {
		return err
	}
	st, x, err := h.open(ctx, &cfg, pos[0])
	if err != nil {
		return err
	}
	defer st.Close()
	d := directory.Roles{Store: st}
	r, err := d.Find(ctx, pos[1])
	if err != nil {
		return err
	}
	change, holds, after := h.assign, "holds", ""
	if !assign {
		change, holds, after = h.unassign, "no longer holds", h.dropped
	}
	if err := change(d, ctx, x, r); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s %s role %q%s\n", h.name(x), holds, r.Name, after)
	return nil
}
