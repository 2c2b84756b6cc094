package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/secret"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
)

func secretCmd(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "secret", args, map[string]func(context.Context, Env, []string) error{
		"rotate": secretRotate,
	})
}

// secretRotate re-encrypts what is sealed under the master secret under
// the first of the configured list (docs/production.md, "Rotating the
// master secret"). With the SQLite data directory's generated secret.key
// it runs in two steps: the first adds a new secret in front of the old
// one in the file (restart the server then), the second re-encrypts and
// leaves only the new one.
func secretRotate(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs := newFlags(env, "secret rotate", "secret rotate [--secret NEW,OLD]")
	cfg.StoreFlags(fs)
	cfg.SecretFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.ValidateStore(); err != nil {
		return usageError{err.Error()}
	}
	if err := cfg.ValidateSecret(); err != nil {
		return usageError{err.Error()}
	}
	fromFile := cfg.Secret == ""
	switch {
	case fromFile && cfg.Postgres():
		return usagef("SESAME_SECRET (or --secret) is required with PostgreSQL: the new secret, then after a comma the one it replaces")
	case fromFile && sqlstore.Missing(sqlstore.Options{DataDir: cfg.DataDir}):
		return usagef("no database in %s (--data)", cfg.DataDir)
	case fromFile:
		if _, err := os.Stat(cfg.SecretFile()); errors.Is(err, os.ErrNotExist) {
			return usagef("no %s to rotate; with --secret or SESAME_SECRET list the new secret, then the old one", cfg.SecretFile())
		}
	}
	ring, err := cfg.MasterSecrets()
	if err != nil {
		return usageError{err.Error()}
	}
	if fromFile && len(ring) == 1 {
		// Step one: the server must accept the new secret before anything
		// is sealed under it.
		ring = secret.Keyring{[]byte(config.NewSecret()), ring[0]}
		if err := cfg.WriteSecretFile(ring); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "Added a new master secret in front of the old one in %s.\nRestart the server, then run 'sesame secret rotate' again to re-encrypt under the new secret.\n", cfg.SecretFile())
		return nil
	}
	st, err := openStore(ctx, &cfg, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := app.ResealSecrets(ctx, st, ring)
	if errors.Is(err, app.ErrUnsealable) {
		return usageError{err.Error()}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Re-encrypted under the new secret: %d signing keys, %d TOTP secrets, %d refresh successors, %d connector secrets.\n",
		n.SigningKeys, n.TOTPSecrets, n.RefreshSuccessors, n.ConnectorSecrets)
	if fromFile {
		if len(ring) > 1 {
			if err := cfg.WriteSecretFile(ring[:1]); err != nil {
				return err
			}
		}
		fmt.Fprintf(env.Stdout, "%s now holds only the new secret; the old one is no longer accepted after the next restart.\n", cfg.SecretFile())
		return nil
	}
	if len(ring) > 1 {
		fmt.Fprintln(env.Stdout, "Now set SESAME_SECRET to the new secret alone on every replica and restart them.")
	}
	return nil
}
