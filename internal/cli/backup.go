package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
)

// backup copies the SQLite database while servers keep running on it
// (docs/production.md, "Backups").
func backup(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs := newFlags(env, "backup", "backup --to FILE [--force] [--data DIR]")
	cfg.StoreFlags(fs)
	to := fs.String("to", "", "file to write the copy to; it must not exist unless --force")
	force := fs.Bool("force", false, "replace an existing --to file (whole, or not at all)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.ValidateStore(); err != nil {
		return usageError{err.Error()}
	}
	if cfg.Postgres() {
		return usagef("backup copies the embedded SQLite database; back up PostgreSQL with pg_dump (docs/production.md, \"Backups\")")
	}
	if *to == "" {
		return usagef("--to FILE is required")
	}
	if sqlstore.Missing(sqlstore.Options{DataDir: cfg.DataDir}) {
		return usagef("no database in %s (--data)", cfg.DataDir)
	}
	size, err := sqlstore.Backup(ctx, cfg.DataDir, *to, *force)
	if errors.Is(err, sqlstore.ErrBackupExists) {
		return usagef("%s exists; choose a new file, or --force to replace it", *to)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "backed up %s to %s (%d bytes)\n", filepath.Join(cfg.DataDir, sqlstore.DatabaseFile), *to, size)
	fmt.Fprintf(env.Stdout, "The backup does not hold the master secret (%s or SESAME_SECRET), without which its signing keys cannot be read: keep a copy of it apart.\n",
		filepath.Join(cfg.DataDir, "secret.key"))
	fmt.Fprintf(env.Stdout, "To restore: stop Sesame, copy the backup to DIR/%s (with no %s-wal or %s-shm beside it) and the master secret to DIR/secret.key, and start it with --data DIR.\n",
		sqlstore.DatabaseFile, sqlstore.DatabaseFile, sqlstore.DatabaseFile)
	return nil
}
