package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/oidc/redirecturi"
	"github.com/sesameauth/sesame/internal/store"
)

const corsOriginUsage = "an origin (scheme://host[:port]) from which the app's browser code may call the token, userinfo and " +
	"revocation endpoints, besides the origins of its redirect URIs (repeatable)"

// parseCORSOrigins validates --cors-origin values and returns them in the
// form browsers send (lower-case, no default port), without duplicates.
func parseCORSOrigins(t store.AppType, in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	if t == store.AppM2M {
		return nil, usagef("m2m apps do not run in browsers and have no CORS origins")
	}
	if len(in) > 100 {
		return nil, usagef("at most 100 CORS origins")
	}
	var out []string
	for _, o := range in {
		n, err := redirecturi.ValidateOrigin(o)
		if err != nil {
			return nil, usagef("--cors-origin %q: %v", o, err)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// appsSetCORS replaces the origins an app allows besides its redirect
// URIs' (none: only those).
func appsSetCORS(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	var corsOrigins multiFlag
	var asJSON bool
	fs := newFlags(env, "apps set-cors", "apps set-cors ID [--cors-origin ORIGIN]... [--json]   (no --cors-origin: only the redirect URIs' origins)")
	cfg.StoreFlags(fs)
	fs.Var(&corsOrigins, "cors-origin", corsOriginUsage+"; replaces the app's list")
	fs.BoolVar(&asJSON, "json", false, "print the app as one JSON object")
	id, rest := splitID(args)
	if err := parse(fs, rest); err != nil {
		return err
	}
	if id == "" {
		return usagef("usage: sesame apps set-cors ID [--cors-origin ORIGIN]...")
	}
	// Validated before the database is opened; the m2m check needs the app.
	if _, err := parseCORSOrigins(store.AppSPA, corsOrigins); err != nil {
		return err
	}
	if err := cfg.ValidateStore(); err != nil {
		return usageError{err.Error()}
	}
	st, c, err := openApp(ctx, &cfg, id)
	if err != nil {
		return err
	}
	defer st.Close()
	origins, err := parseCORSOrigins(c.Type, corsOrigins)
	if err != nil {
		return err
	}
	if err := st.SetClientCORSOrigins(ctx, id, origins); err != nil {
		return err
	}
	c.CORSOrigins = origins
	if asJSON {
		v, err := loadAppView(ctx, st, c)
		if err != nil {
			return err
		}
		return writeJSON(env.Stdout, toAppJSON(v, ""))
	}
	if len(origins) == 0 {
		fmt.Fprintf(env.Stdout, "App %s now answers CORS only for its redirect URIs' origins\n", id)
	} else {
		fmt.Fprintf(env.Stdout, "App %s now answers CORS for its redirect URIs' origins and %s\n", id, strings.Join(origins, ", "))
	}
	return nil
}
