package cli

// Argument parsing shared by the admin commands.

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/directory"
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
	slices.SortFunc(out, directory.ComparePermissions)
	return out, nil
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

// dbMissing reports whether the SQLite database has not been created yet
// (so it holds no resources, and a command that needs one can fail before
// writing anything).
func dbMissing(cfg *config.Config) bool {
	return sqlstore.Missing(sqlstore.Options{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir})
}
