package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
)

func admins(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "admins", args, map[string]func(context.Context, Env, []string) error{
		"create": adminsCreate, "list": adminsList,
		"disable": func(ctx context.Context, env Env, args []string) error { return adminsToggle(ctx, env, args, false) },
		"enable":  func(ctx context.Context, env Env, args []string) error { return adminsToggle(ctx, env, args, true) },
	})
}

func adminsCreate(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	var na admin.NewAdmin
	var pwStdin, asJSON bool
	fs := newFlags(env, "admins create", "admins create (--username U | --email E) --password-stdin [--name N] [--endpoint URL] [--json]")
	cfg.StoreFlags(fs)
	cfg.EndpointFlag(fs)
	fs.StringVar(&na.Username, "username", "", "username")
	fs.StringVar(&na.Email, "email", "", "email address")
	fs.StringVar(&na.Name, "name", "", "display name")
	fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of standard input (required)")
	fs.BoolVar(&asJSON, "json", false, "print the administrator as one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.ValidateStore(); err != nil {
		return usageError{err.Error()}
	}
	if err := cfg.ValidateEndpoint(); err != nil {
		return usageError{err.Error()}
	}
	if na.Username == "" && na.Email == "" {
		return usagef("--username or --email is required")
	}
	if !pwStdin {
		return usagef("--password-stdin is required")
	}
	var err error
	if na.Password, err = readPasswordStdin(env); err != nil {
		return err
	}
	return withStore(ctx, fs, &cfg, nil, func(st store.Store) error {
		// On a database serve never started on, the role is not there yet.
		if err := admin.EnsureRoles(ctx, st, cfg.Endpoint, time.Now()); err != nil {
			return err
		}
		a := admin.Admins{Store: st, PasswordParams: passwordParams, Policy: (&signinexp.Service{Store: st}).PasswordPolicy}
		u, err := a.CreateAdmin(ctx, na)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSON(env.Stdout, adminJSON(u))
		}
		fmt.Fprintf(env.Stdout, "Created administrator %s (id %s)\n", login(u), u.ID)
		return nil
	})
}

func login(u store.User) string {
	if u.Username != "" {
		return u.Username
	}
	return u.Email
}

func adminJSON(u store.User) any {
	return userJSON{ID: u.ID, Username: u.Username, Email: u.Email, EmailVerified: u.EmailVerified, Name: u.Name, Suspended: u.Suspended,
		CreatedAt: u.CreatedAt.UTC().Format(time.RFC3339)}
}

func adminsList(ctx context.Context, env Env, args []string) error {
	return list(ctx, env, args, "admins list",
		func(st store.Store, ctx context.Context) ([]store.User, error) {
			return admin.Admins{Store: st}.ListAdmins(ctx)
		},
		adminJSON, "ID\tUSERNAME\tEMAIL\tSUSPENDED",
		func(u store.User) string {
			return fmt.Sprintf("%s\t%s\t%s\t%v", u.ID, u.Username, u.Email, u.Suspended)
		})
}

func adminsToggle(ctx context.Context, env Env, args []string, enable bool) error {
	verb := map[bool]string{true: "enable", false: "disable"}[enable]
	var cfg config.Config
	fs := newFlags(env, "admins "+verb, "admins "+verb+" ID|USERNAME|EMAIL")
	cfg.StoreFlags(fs)
	who, rest := splitID(args)
	if err := parse(fs, rest); err != nil {
		return err
	}
	if who == "" {
		return usagef("usage: sesame admins %s ID|USERNAME|EMAIL", verb)
	}
	if err := cfg.ValidateStore(); err != nil {
		return usageError{err.Error()}
	}
	return withStore(ctx, fs, &cfg, nil, func(st store.Store) error {
		a := admin.Admins{Store: st}
		op, done := a.Disable, "no longer an administrator"
		if enable {
			op, done = a.Enable, "an administrator"
		}
		u, err := op(ctx, who)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "User %s (id %s) is %s\n", login(u), u.ID, done)
		return nil
	})
}
