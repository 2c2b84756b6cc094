package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/oidc/keys"
	"github.com/sesameauth/sesame/internal/store"
)

func keysCmd(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "keys", args, map[string]func(context.Context, Env, []string) error{
		"rotate": keysRotate, "list": keysList,
	})
}

func keysRotate(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	var alg string
	fs := newFlags(env, "keys rotate", "keys rotate [--signing-alg ES384|ES256|RS256] [--key-publish-delay D]")
	cfg.StoreFlags(fs)
	cfg.SecretFlag(fs)
	cfg.KeyFlags(fs)
	// The default is the server's: SESAME_SIGNING_ALG, else (the server may
	// have been given --signing-alg) the newest key's, else ES384.
	fs.StringVar(&alg, "signing-alg", os.Getenv("SESAME_SIGNING_ALG"), "algorithm of the new key; default: the configured one (env SESAME_SIGNING_ALG), else the newest key's")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.ValidateStore(); err != nil {
		return usageError{err.Error()}
	}
	if alg != "" && !keys.SupportedAlg(alg) {
		name := "SESAME_SIGNING_ALG"
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "signing-alg" {
				name = "--signing-alg"
			}
		})
		return usagef("%s must be one of %s", name, strings.Join(keys.Supported, ", "))
	}
	if err := cfg.ValidateSecret(); err != nil {
		return usageError{err.Error()}
	}
	ring, err := cfg.MasterSecrets()
	if err != nil {
		return usageError{err.Error()}
	}
	st, err := openStore(ctx, &cfg, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	k, err := directory.Keys{Store: st, Master: ring.Current(), Previous: ring.Previous(), PublishDelay: cfg.KeyPublishDelay}.Rotate(ctx, alg)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Added %s key %s: published now, signing from %s\n", k.Alg, k.ID, k.ActivatesAt.UTC().Format(time.RFC3339))
	if cfg.KeyPublishDelay < 90*time.Second {
		fmt.Fprintf(env.Stderr, "sesame: warning: a publish delay under 90s can outrun relying parties that cache the JWKS (60s) and do not refetch on an unknown key\n")
	}
	return nil
}

func keysList(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs := newFlags(env, "keys list", "keys list")
	cfg.StoreFlags(fs)
	return withStore(ctx, fs, &cfg, args, func(st store.Store) error {
		ks, err := directory.Keys{Store: st}.List(ctx)
		if err != nil {
			return err
		}
		return printTable(env.Stdout, "KID\tALG\tSIGNS\tSIGNS FROM\tRETIRED\tREMOVED AT", ks, func(k store.SigningKey) string {
			signs := "by default"
			if k.Purpose == store.KeyForAlg {
				signs = "for apps set to " + k.Alg
			}
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s", k.ID, k.Alg, signs, k.ActivatesAt.UTC().Format(time.RFC3339), ts(k.RetiredAt), ts(k.ExpiresAt))
		})
	})
}
