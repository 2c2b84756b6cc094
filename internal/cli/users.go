package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
)

func users(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "users", args, map[string]func(context.Context, Env, []string) error{
		"create": usersCreate, "list": usersList, "delete": usersDelete, "update": usersUpdate,
		"suspend":       func(ctx context.Context, env Env, args []string) error { return usersSuspend(ctx, env, args, true) },
		"assign-role":   func(ctx context.Context, env Env, args []string) error { return usersAssignRole(ctx, env, args, true) },
		"unassign-role": func(ctx context.Context, env Env, args []string) error { return usersAssignRole(ctx, env, args, false) },
		"unsuspend":     func(ctx context.Context, env Env, args []string) error { return usersSuspend(ctx, env, args, false) },
		"reset-mfa":     usersResetMFA,
	})
}

func usersCreate(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	var nu directory.NewUser
	var asJSON, pwStdin bool
	fs := newFlags(env, "users create", "users create --username U (--password P | --password-stdin) [--email E [--email-verified]] [--name N] [--json]")
	cfg.StoreFlags(fs)
	fs.StringVar(&nu.Username, "username", "", "username (required)")
	fs.StringVar(&nu.Password, "password", "", "password, at least 8 characters (this or --password-stdin is required; a command line is visible to other users)")
	fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of standard input")
	fs.StringVar(&nu.Email, "email", "", "email address")
	fs.BoolVar(&nu.EmailVerified, "email-verified", false, "vouch that the email address belongs to the user (email_verified: true); Sesame does not check it")
	fs.StringVar(&nu.Name, "name", "", "display name")
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
		if nu.Password, err = readPasswordStdin(env); err != nil {
			return err
		}
	}
	if err := directory.CheckNewUser(&nu); err != nil {
		return err
	}
	st, err := openStore(ctx, &cfg, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := directory.Users{Store: st, PasswordParams: passwordParams, Policy: (&signinexp.Service{Store: st}).PasswordPolicy}.Create(ctx, nu)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(env.Stdout, userJSON{ID: u.ID, Username: u.Username, Email: u.Email, EmailVerified: u.EmailVerified, Name: u.Name,
			CreatedAt: u.CreatedAt.Format(time.RFC3339)})
	}
	fmt.Fprintf(env.Stdout, "Created user %s (id %s)\n", u.Username, u.ID)
	return nil
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
	return openFind(ctx, cfg, directory.UserNotFound(who), func(st store.Store) (store.User, error) {
		return directory.Users{Store: st}.Find(ctx, who)
	})
}

// usersDelete removes a user with their sessions, grants and tokens.
func usersDelete(ctx context.Context, env Env, args []string) error {
	st, u, err := userTarget(ctx, env, "delete", args)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := (directory.Users{Store: st}).Delete(ctx, u.ID); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Deleted user %s (id %s), their sessions and tokens\n", u.Username, u.ID)
	return nil
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
	var upd directory.UserUpdate
	stdinSet := false
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "password-stdin":
			stdinSet = true
		case "password":
			upd.Password = &pw
		case "email":
			upd.Email = &email
		case "email-verified":
			upd.EmailVerified = &emailVerified
		case "name":
			upd.Name = &name
		}
	})
	if who == "" || (upd == directory.UserUpdate{} && !stdinSet) {
		return usagef("usage: sesame users update ID|USERNAME|EMAIL [--password P | --password-stdin] [--email E] [--email-verified] [--name N]")
	}
	if err := cfg.ValidateStore(); err != nil {
		return usageError{err.Error()}
	}
	if upd.Password != nil && pwStdin {
		return usagef("use --password or --password-stdin, not both")
	}
	if pwStdin {
		var err error
		if pw, err = readPasswordStdin(env); err != nil {
			return err
		}
		upd.Password = &pw
	}
	if err := directory.CheckUserUpdate(&upd); err != nil {
		return err
	}
	st, u, err := openUser(ctx, &cfg, who)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := (directory.Users{Store: st, PasswordParams: passwordParams, Policy: (&signinexp.Service{Store: st}).PasswordPolicy}).Edit(ctx, u, upd); err != nil {
		return err
	}
	if upd.Password != nil {
		fmt.Fprintf(env.Stdout, "Updated user %s (id %s); new password set, signed out everywhere\n", u.Username, u.ID)
		return nil
	}
	fmt.Fprintf(env.Stdout, "Updated user %s (id %s)\n", u.Username, u.ID)
	return nil
}

// usersSuspend blocks (or unblocks) a user. Suspending also ends their SSO
// sessions and revokes every grant (see directory.Users.Suspend).
func usersSuspend(ctx context.Context, env Env, args []string, suspend bool) error {
	verb := map[bool]string{true: "suspend", false: "unsuspend"}[suspend]
	st, u, err := userTarget(ctx, env, verb, args)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := (directory.Users{Store: st}).Suspend(ctx, u.ID, suspend); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "User %s (id %s) %sed\n", u.Username, u.ID, verb)
	return nil
}

// usersList prints one page of users, oldest first (--page, --page-size),
// optionally only those matching --search; the table ends with where the
// page lies, --json prints the page's array alone.
func usersList(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	var asJSON, prefix bool
	var q store.ListQuery
	fs := newFlags(env, "users list", "users list [--page N] [--page-size N] [--search TEXT [--prefix]] [--json]")
	cfg.StoreFlags(fs)
	fs.BoolVar(&asJSON, "json", false, "print a JSON array")
	fs.IntVar(&q.Page, "page", 1, "page `number`, from 1")
	fs.IntVar(&q.PageSize, "page-size", store.DefaultPageSize, fmt.Sprintf("users per page, 1 to %d", store.MaxPageSize))
	fs.StringVar(&q.Search, "search", "", "only users whose id, username, email, phone or name contains `TEXT` (any case)")
	fs.BoolVar(&prefix, "prefix", false, "with --search, match only at the start (uses indexes: fast on large directories)")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case q.Page < 1:
		return usagef("users list: --page must be 1 or more")
	case q.PageSize < 1 || q.PageSize > store.MaxPageSize:
		return usagef("users list: --page-size must be 1 to %d", store.MaxPageSize)
	case prefix && q.Search == "":
		return usagef("users list: --prefix needs --search")
	}
	if prefix {
		q.Match = store.MatchPrefix
	}
	// Without --page or --page-size the whole list is printed, as before
	// paging existed: scripts that read `users list --json` keep working.
	paged := false
	fs.Visit(func(f *flag.Flag) { paged = paged || f.Name == "page" || f.Name == "page-size" })
	return withStore(ctx, fs, &cfg, nil, func(st store.Store) error {
		d := directory.Users{Store: st}
		var page []store.User
		var total int
		var err error
		if paged {
			page, total, err = d.Page(ctx, q)
		} else {
			q.PageSize = store.MaxPageSize
			for q.Page = 1; ; q.Page++ {
				var more []store.User
				more, total, err = d.Page(ctx, q)
				page = append(page, more...)
				if err != nil || len(more) < q.PageSize {
					break
				}
			}
		}
		if err != nil {
			return err
		}
		if asJSON {
			out := make([]any, 0, len(page))
			for _, u := range page {
				out = append(out, userJSON{ID: u.ID, Username: u.Username, Email: u.Email, EmailVerified: u.EmailVerified, Name: u.Name,
					Suspended: u.Suspended, CreatedAt: u.CreatedAt.UTC().Format(time.RFC3339)})
			}
			return writeJSON(env.Stdout, out)
		}
		if err := printTable(env.Stdout, "ID\tUSERNAME\tEMAIL", page,
			func(u store.User) string { return fmt.Sprintf("%s\t%s\t%s", u.ID, u.Username, u.Email) }); err != nil {
			return err
		}
		if paged {
			pages := max((total+q.PageSize-1)/q.PageSize, 1)
			fmt.Fprintf(env.Stdout, "Page %d of %d (%d users)\n", q.Page, pages, total)
		}
		return nil
	})
}

// usersAssignRole assigns a user role to a user, or takes it away.
func usersAssignRole(ctx context.Context, env Env, args []string, assign bool) error {
	return assignRole(ctx, env, args, assign, roleHolder[store.User]{
		command: "users", arg: "ID|USERNAME|EMAIL", open: openUser,
		assign: directory.Roles.AssignUser, unassign: directory.Roles.UnassignUser,
		name:    func(u store.User) string { return fmt.Sprintf("User %s (id %s)", u.Username, u.ID) },
		dropped: " (from their next token)",
	})
}
