package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/password"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
)

// Exit statuses.
const (
	ExitOK      = 0
	ExitFailure = 1 // the command was valid but failed (database down…)
	ExitUsage   = 2 // bad input: nothing was written
)

// Version is set at build time with -ldflags "-X …/cli.Version=…".
var Version = "dev"

// usageError marks bad input.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// Env is what a command runs against.
type Env struct {
	Stdout, Stderr io.Writer
	// Stdin feeds --password-stdin; nil means os.Stdin.
	Stdin io.Reader
	// Log is used by serve; nil builds one from the flags.
	Log *slog.Logger
}

func (e Env) stdin() io.Reader {
	if e.Stdin == nil {
		return os.Stdin
	}
	return e.Stdin
}

type command struct {
	name  string
	short string
	run   func(ctx context.Context, env Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "start the server", serve},
		{"migrate", "apply database migrations and exit", migrate},
		{"backup", "copy the SQLite database while it is in use", backup},
		{"apps", "manage applications (create, list, update, delete, permit, rotate-secret, add-secret, secrets, delete-secret, set-cors, assign-role)", apps},
		{"users", "manage users (create, list, update, suspend, unsuspend, delete, assign-role, reset-mfa)", users},
		{"admins", "manage administrators (create, list, disable, enable)", admins},
		{"resources", "manage API resources (create, list, delete)", resources},
		{"roles", "manage roles: the API permissions of users and m2m apps", roles},
		{"keys", "manage signing keys (list, rotate)", keysCmd},
		{"secret", "re-encrypt stored secrets under a new master secret (rotate)", secretCmd},
		{"settings", "read or change the sign-in experience settings (get, set)", settingsCmd},
		{"version", "print the version", func(_ context.Context, env Env, _ []string) error {
			fmt.Fprintln(env.Stdout, "sesame", Version)
			return nil
		}},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Sesame is an OpenID Connect identity server.")
	fmt.Fprintln(w, "\nUsage: sesame <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.short)
	}
	fmt.Fprintln(w, "\nRun 'sesame <command> --help' for a command's flags.")
}

// Main runs the command line and returns the exit status.
func Main(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, "sesame: no command given (run 'sesame --help'; 'sesame serve' starts the server)")
		return ExitUsage
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stdout)
		return ExitOK
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, env, args[1:])
		var ue usageError
		var de *directory.Error
		switch {
		case err == nil:
			return ExitOK
		case errors.Is(err, flag.ErrHelp):
			return ExitOK
		case errors.As(err, &ue):
			fmt.Fprintln(env.Stderr, "sesame: "+oneLine(ue.msg))
			return ExitUsage
		case errors.As(err, &de): // bad input found by the directory's rules
			fmt.Fprintln(env.Stderr, "sesame: "+oneLine(de.Message))
			return ExitUsage
		default:
			fmt.Fprintln(env.Stderr, "sesame: "+oneLine(err.Error()))
			return ExitFailure
		}
	}
	fmt.Fprintf(env.Stderr, "sesame: unknown command %q (run 'sesame --help')\n", oneLine(args[0]))
	return ExitUsage
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}

// newFlags returns a FlagSet whose errors are usage errors and whose help
// goes to stdout.
func newFlags(env Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fs.SetOutput(env.Stdout)
		fmt.Fprintf(env.Stdout, "Usage: sesame %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parse parses flags; a parse error becomes a usage error, --help ErrHelp.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.Usage()
			return flag.ErrHelp
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// openStore opens the configured database (migrating it).
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (store.Store, error) {
	return sqlstore.Open(ctx, sqlstore.Options{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir, Logger: log})
}

// openFind opens the store and finds one thing in it; on error the store
// is closed. Without a database there is nothing to find: notFound.
func openFind[T any](ctx context.Context, cfg *config.Config, notFound error, find func(store.Store) (T, error)) (store.Store, T, error) {
	var zero T
	if dbMissing(cfg) {
		return nil, zero, notFound
	}
	st, err := openStore(ctx, cfg, nil)
	if err != nil {
		return nil, zero, err
	}
	v, err := find(st)
	if err != nil {
		st.Close()
		return nil, zero, err
	}
	return st, v, nil
}

// openChecked checks the store flags (a usage error) and opens the store.
func openChecked(ctx context.Context, cfg *config.Config) (store.Store, error) {
	if err := cfg.ValidateStore(); err != nil {
		return nil, usageError{err.Error()}
	}
	return openStore(ctx, cfg, nil)
}

// withStore parses args into fs, opens the store and runs fn with it.
func withStore(ctx context.Context, fs *flag.FlagSet, cfg *config.Config, args []string, fn func(store.Store) error) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := openChecked(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func signalContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// passwordParams is the argon2id cost for users created from the CLI.
var passwordParams = password.Default
