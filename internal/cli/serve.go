package cli

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
)

func newLogger(cfg *config.Config) *slog.Logger {
	var lvl slog.Level
	lvl.UnmarshalText([]byte(cfg.LogLevel))
	o := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, o))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, o))
}

func serve(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs := newFlags(env, "serve", "serve [flags]")
	cfg.ServeFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err.Error()}
	}
	if cfg.Postgres() && cfg.Secret == "" {
		return usagef("SESAME_SECRET (or --secret) is required with PostgreSQL: every replica must share it")
	}
	if cfg.TLS() { // a pair that does not load is bad input, found before the database opens
		if _, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey); err != nil {
			return usagef("--tls-cert %s and --tls-key %s do not load as a pair: %v", cfg.TLSCert, cfg.TLSKey, err)
		}
	}
	log := env.Log
	if log == nil {
		log = newLogger(&cfg)
	}
	ctx, stop := signalContext(ctx)
	defer stop()
	st, err := openStore(ctx, &cfg, log)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer st.Close()
	srv, err := app.New(ctx, cfg, st, log, app.Options{})
	if err != nil {
		return err
	}
	// On a database without an administrator, a one-time setup URL goes to
	// stdout only: never to the log stream, and only its hash is stored.
	setupURL, err := admin.Admins{Store: st}.SetupURL(ctx, cfg.Endpoint)
	if err != nil {
		return fmt.Errorf("setup URL: %w", err)
	}
	where := "SQLite in " + cfg.DataDir
	if cfg.Postgres() {
		where = "PostgreSQL"
	}
	if cfg.TLS() {
		// Registered before serving: a SIGHUP from now on reloads, never
		// ends the process.
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		go reloadOnHangup(ctx, hup, srv, log)
	}
	scheme := "http"
	if cfg.TLS() {
		scheme = "https"
	}
	return srv.Run(ctx, func(addr string) {
		go settleMemory(ctx)
		log.Info("sesame is ready", "listen", addr, "database", where, "tls", cfg.TLS())
		fmt.Fprintf(env.Stdout, "Sesame is running on %s://%s (%s)\n", scheme, addr, where)
		fmt.Fprintf(env.Stdout, "  Endpoint:   %s\n", cfg.Endpoint)
		fmt.Fprintf(env.Stdout, "  Issuer:     %s\n", cfg.Issuer())
		fmt.Fprintf(env.Stdout, "  Discovery:  %s/.well-known/openid-configuration\n", cfg.Issuer())
		fmt.Fprintf(env.Stdout, "  Home:       %s/\n", cfg.Endpoint)
		if setupURL != "" {
			fmt.Fprintf(env.Stdout, "\nNo administrator yet. Create the first one within %v at (works once):\n  %s\n", admin.SetupTTL, setupURL)
		}
	})
}

func migrate(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs := newFlags(env, "migrate", "migrate [--data DIR | --database-url URL]")
	cfg.StoreFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.ValidateStore(); err != nil {
		return usageError{err.Error()}
	}
	if err := sqlstore.Migrate(ctx, sqlstore.Options{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir}); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	fmt.Fprintln(env.Stdout, "database is up to date")
	return nil
}

// reloadOnHangup loads the TLS certificate files again on every SIGHUP
// until ctx ends (docs/production.md, "TLS and proxies").
func reloadOnHangup(ctx context.Context, hup <-chan os.Signal, srv *app.Server, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := srv.ReloadTLS(); err != nil {
				log.Error("tls: reload on SIGHUP failed; serving the previous certificate", "err", err)
			} else {
				log.Info("tls: certificate reloaded on SIGHUP")
			}
		}
	}
}
