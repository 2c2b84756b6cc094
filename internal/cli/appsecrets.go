package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
)

// appsAddSecret gives a confidential app another named secret.
func appsAddSecret(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	var name string
	var expiresIn time.Duration
	fs := newFlags(env, "apps add-secret", "apps add-secret ID --name NAME [--expires-in 720h]")
	cfg.StoreFlags(fs)
	fs.StringVar(&name, "name", "", "a name for the secret, unique to the app (required)")
	fs.DurationVar(&expiresIn, "expires-in", 0, "how long the secret works; 0 for no expiry")
	id, rest := splitID(args)
	if err := parse(fs, rest); err != nil {
		return err
	}
	if id == "" {
		return usagef("usage: sesame apps add-secret ID --name NAME [--expires-in 720h]")
	}
	if err := directory.CheckSecretName(name); err != nil {
		return err
	}
	if expiresIn < 0 {
		return usagef("--expires-in must not be negative")
	}
	return withApp(ctx, &cfg, id, func(d directory.Apps, c store.Client) error {
		var until time.Time
		if expiresIn > 0 {
			until = time.Now().Add(expiresIn)
		}
		secret, s, err := d.AddSecret(ctx, c, name, until)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "New secret %q for app %s\n  App secret: %s\n  (Store the secret now: Sesame keeps only a hash of it.)\n", s.Name, id, secret)
		if !s.ExpiresAt.IsZero() {
			fmt.Fprintf(env.Stdout, "  It works until %s.\n", s.ExpiresAt.Format(time.RFC3339))
		}
		return nil
	})
}

// appsSecrets lists an app's secrets: names and times, never the secrets.
func appsSecrets(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs := newFlags(env, "apps secrets", "apps secrets ID")
	cfg.StoreFlags(fs)
	id, rest := splitID(args)
	if err := parse(fs, rest); err != nil {
		return err
	}
	if id == "" {
		return usagef("usage: sesame apps secrets ID")
	}
	return withApp(ctx, &cfg, id, func(d directory.Apps, c store.Client) error {
		l, err := d.Secrets(ctx, id)
		if err != nil {
			return err
		}
		for _, s := range l {
			exp := "never expires"
			if !s.ExpiresAt.IsZero() {
				exp = "expires " + s.ExpiresAt.Format(time.RFC3339)
			}
			fmt.Fprintf(env.Stdout, "%s\tcreated %s\t%s\n", s.Name, s.CreatedAt.Format(time.RFC3339), exp)
		}
		return nil
	})
}

// appsDeleteSecret deletes an app's named secret; it stops working at once.
func appsDeleteSecret(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	var name string
	fs := newFlags(env, "apps delete-secret", "apps delete-secret ID --name NAME")
	cfg.StoreFlags(fs)
	fs.StringVar(&name, "name", "", "the secret's name (required)")
	id, rest := splitID(args)
	if err := parse(fs, rest); err != nil {
		return err
	}
	if id == "" || name == "" {
		return usagef("usage: sesame apps delete-secret ID --name NAME")
	}
	return withApp(ctx, &cfg, id, func(d directory.Apps, c store.Client) error {
		if err := d.DeleteSecret(ctx, id, name); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "Deleted secret %q of app %s; it no longer works\n", name, id)
		return nil
	})
}
