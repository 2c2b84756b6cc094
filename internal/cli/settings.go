package cli

// sesame settings: the sign-in experience settings (package signinexp),
// read and changed exactly as GET and PATCH /api/sign-in-exp do, for
// automation and before the console is set up.

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"

	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/signinexp"
)

// maxSettings bounds what `settings set` reads: the document is small.
const maxSettings = 1 << 20

func settingsCmd(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, "settings", args, map[string]func(context.Context, Env, []string) error{
		"get": settingsGet, "set": settingsSet,
	})
}

func settingsGet(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs := newFlags(env, "settings get", "settings get")
	cfg.StoreFlags(fs)
	cfg.RegistrationFlag(fs)
	if _, err := parseArgs(fs, &cfg, args, 0, 0, "settings get"); err != nil {
		return err
	}
	if dbMissing(&cfg) {
		// Nothing stored yet: what the server would show (no database
		// is created just to read).
		return printSettings(env.Stdout, signinexp.Defaults(cfg.AllowRegistration))
	}
	st, err := openStore(ctx, &cfg, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := (&signinexp.Service{Store: st, AllowRegistration: cfg.AllowRegistration}).Get(ctx)
	if err != nil {
		return err
	}
	return printSettings(env.Stdout, s)
}

func settingsSet(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	const line = "settings set [FILE|-]"
	fs := newFlags(env, "settings set", line+"   (a JSON patch: objects merge, arrays are replaced; FILE, or stdin)")
	cfg.StoreFlags(fs)
	cfg.RegistrationFlag(fs)
	cfg.SecretFlag(fs) // seals connectors' client secrets
	pos, err := parseArgs(fs, &cfg, args, 0, 1, line)
	if err != nil {
		return err
	}
	var r io.Reader = env.stdin()
	if len(pos) == 1 && pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return usagef("cannot read %s: %v", pos[0], unwrapPath(err))
		}
		defer f.Close()
		r = f
	}
	patch, err := io.ReadAll(io.LimitReader(r, maxSettings+1))
	if err != nil {
		return usagef("cannot read the settings: %v", err)
	}
	if len(patch) > maxSettings {
		return usagef("the settings are larger than %d bytes", maxSettings)
	}
	if strings.TrimSpace(string(patch)) == "" {
		return usagef("no settings given: pass a JSON object in FILE or on stdin")
	}
	st, err := openStore(ctx, &cfg, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	// signinexp.Service.Update is the API's PATCH: same merge, same
	// rules; bad input is a *directory.Error (exit 2) and nothing is
	// written.
	svc := &signinexp.Service{Store: st, AllowRegistration: cfg.AllowRegistration}
	if ring, err := cfg.MasterSecrets(); err == nil {
		svc.Box = ring.Box(signinexp.ConnectorSecretsPurpose)
	}
	_, after, err := svc.Update(ctx, patch)
	if err != nil {
		return err
	}
	return printSettings(env.Stdout, after)
}

// unwrapPath drops the *PathError's repetition of the path.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// printSettings writes s as the API's JSON, with every secret masked.
func printSettings(w io.Writer, s signinexp.Settings) error {
	raw, err := json.Marshal(s.Public())
	if err != nil {
		return err
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return err
	}
	return writeJSON(w, maskSecrets(doc))
}

// maskSecrets replaces the non-empty string value of every key that names
// a secret (clientSecret, secret, apiKey, password …) with "********", at
// any depth: settings may carry connector credentials, which a terminal,
// a shell history or a CI log must not show.
func maskSecrets(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok && s != "" && secretKey(k) {
				x[k] = "********"
				continue
			}
			x[k] = maskSecrets(val)
		}
	case []any:
		for i := range x {
			x[i] = maskSecrets(x[i])
		}
	}
	return v
}

func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range []string{"secret", "password", "apikey", "privatekey", "token"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}
