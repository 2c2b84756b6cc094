package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
)

func resources(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "resources", args, map[string]func(context.Context, Env, []string) error{
		"create": resourcesCreate, "list": resourcesList, "delete": resourcesDelete,
	})
}

func resourcesCreate(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	var nr directory.NewResource
	var scopes multiFlag
	var asJSON bool
	fs := newFlags(env, "resources create", "resources create --indicator URI --name NAME [--scope S]... [--json]")
	cfg.StoreFlags(fs)
	fs.StringVar(&nr.Indicator, "indicator", "", "the API's resource indicator, an absolute URI (required)")
	fs.StringVar(&nr.Name, "name", "", "display name (required)")
	fs.Var(&scopes, "scope", "a permission the API defines (repeatable)")
	fs.DurationVar(&nr.AccessTokenTTL, "access-token-ttl", time.Hour, "lifetime of access tokens for this API")
	fs.BoolVar(&asJSON, "json", false, "print the resource as one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := cfg.ValidateStore(); err != nil {
		return usageError{err.Error()}
	}
	nr.Scopes = scopes
	if err := directory.CheckNewResource(&nr); err != nil {
		return err
	}
	st, err := openStore(ctx, &cfg, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := directory.Resources{Store: st}.Create(ctx, nr)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(env.Stdout, resourceJSON{ID: r.ID, Indicator: r.Indicator, Name: r.Name, Scopes: nonNil(r.Scopes), AccessTokenTTL: int64(r.AccessTokenTTL.Seconds())})
	}
	fmt.Fprintf(env.Stdout, "Created API resource %s (id %s)\n", r.Indicator, r.ID)
	return nil
}

func resourcesList(ctx context.Context, env Env, args []string) error {
	return list(ctx, env, args, "resources list", store.Store.ListResources,
		func(r store.Resource) any {
			return resourceJSON{ID: r.ID, Indicator: r.Indicator, Name: r.Name, Scopes: nonNil(r.Scopes),
				AccessTokenTTL: int64(r.AccessTokenTTL.Seconds())}
		},
		"ID\tINDICATOR\tNAME\tSCOPES",
		func(r store.Resource) string {
			return fmt.Sprintf("%s\t%s\t%s\t%s", r.ID, r.Indicator, r.Name, strings.Join(r.Scopes, " "))
		})
}

func resourcesDelete(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs := newFlags(env, "resources delete", "resources delete ID")
	cfg.StoreFlags(fs)
	pos, err := parseArgs(fs, &cfg, args, 1, 1, "resources delete ID")
	if err != nil {
		return err
	}
	if dbMissing(&cfg) {
		return directory.ResourceIDNotFound(pos[0])
	}
	st, err := openStore(ctx, &cfg, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := (directory.Resources{Store: st}).Delete(ctx, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Deleted API resource %s; roles no longer grant its scopes\n", pos[0])
	return nil
}
