//go:build e2e

// Package browser drives Sesame's core browser flows (sign-in, SSO, prompt
// handling, sign-out, registration, framing and keyboard access) with a real
// headless Chromium through chromedp. Sesame runs in-process on an
// httptest server; two small relying parties written with go-oidc and
// x/oauth2 run on their own httptest servers.
//
// Run from the repository root:
//
//	go test -tags e2e -v ./e2e/browser/
//
// Requirements: Chromium at /usr/bin/chromium (apt-get install -y chromium),
// or its path in SESAME_E2E_CHROMIUM.
package browser

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/experience"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/password"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
	"github.com/sesameauth/sesame/internal/testkit"
)

// fastHash keeps argon2id cheap: these tests are about the browser flows.
var fastHash = password.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// ---- Sesame ----

type sesame struct {
	URL    string // http://127.0.0.1:<port>
	Issuer string
	Store  *sqlstore.Store
	log    *testkit.LogBuffer
	master []byte // the master secret (the console's client secret derives from it)
	Server *app.Server
}

func startSesame(t testing.TB) *sesame { return startSesameWith(t, nil) }

// startSesameWith is startSesame with opts adjusting the options.
func startSesameWith(t testing.TB, opts func(*app.Options)) *sesame {
	t.Helper()
	return startSesameConfig(t, nil, opts)
}

// startSesameMail is startSesame sending its mails to srv (the emailed-code
// flows are on only with a mail sender).
func startSesameMail(t testing.TB, srv *testkit.SMTPServer) *sesame {
	t.Helper()
	return startSesameConfig(t, func(c *config.Config) {
		c.SMTPURL, c.MailFrom = srv.URL(), "Sesame <noreply@example.com>"
	}, func(o *app.Options) { o.MailTLS = srv.ClientTLS() })
}

// startSesameConfig is startSesameWith with cfgOpt adjusting the
// configuration before it is validated.
func startSesameConfig(t testing.TB, cfgOpt func(*config.Config), opts func(*app.Options)) *sesame {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlstore.Open(ctx, sqlstore.Options{DataDir: dir})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })

	ts := httptest.NewUnstartedServer(nil)
	addr := ts.Listener.Addr().String()
	cfg := config.Config{
		Addr: addr, Endpoint: "http://" + addr, DataDir: dir, SigningAlg: "ES384",
		LogFormat: "text", LogLevel: "info", AllowRegistration: true, KeyPublishDelay: time.Minute,
	}
	if cfgOpt != nil {
		cfgOpt(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	logs := &testkit.LogBuffer{}
	o := app.Options{PasswordParams: fastHash}
	if opts != nil {
		opts(&o)
	}
	srv, err := app.New(ctx, cfg, st, slog.New(slog.NewTextHandler(logs, nil)), o)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	t.Cleanup(func() { srv.Close(context.Background()) }) // after ts.Close, before st.Close
	ts.Config.Handler = srv.Handler()
	ts.Start()
	t.Cleanup(ts.Close) // runs before st.Close (LIFO)
	master, err := cfg.MasterSecret()
	if err != nil {
		t.Fatal(err)
	}
	s := &sesame{URL: cfg.Endpoint, Issuer: cfg.Issuer(), Store: st, log: logs, master: master, Server: srv}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("---- Sesame log ----\n%s---- end of Sesame log ----", logs.String())
		}
	})
	return s
}

// createUser stores a user the way `sesame users create` does and returns its id (the sub).
func (s *sesame) createUser(t testing.TB, username, email, pw string) string {
	t.Helper()
	ctx := context.Background()
	u, err := experience.NewUser(ctx, username, email, pw, fastHash, time.Now().UTC())
	if err != nil {
		t.Fatalf("NewUser: %v", err)
	}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	return u.ID
}

// registerRP stores rp as a traditional app, the way `sesame apps create`
// does, and connects it to Sesame.
func (s *sesame) registerRP(t testing.TB, rp *e2etest.RelyingParty, name string) {
	t.Helper()
	ctx := context.Background()
	secret := directory.NewSecret()
	c := store.Client{
		ID: directory.NewAppID(), Name: name, Type: store.AppTraditional,
		RedirectURIs: []string{rp.URL + "/callback"}, PostLogoutRedirectURIs: []string{rp.URL + "/"},
		Secrets: []store.ClientSecret{{Name: store.SecretDefault, Hash: provider.HashSecret(secret)}}, CreatedAt: time.Now().UTC(),
	}
	if err := s.Store.CreateClient(ctx, c); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := rp.Connect(cctx, s.Issuer, c.ID, secret); err != nil {
		t.Fatalf("connect %s: %v", name, err)
	}
}
