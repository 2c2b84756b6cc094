package app_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/secret"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
)

const (
	oldMaster = "old-master-secret-of-at-least-32-bytes"
	newMaster = "new-master-secret-of-at-least-32-bytes"
)

func withSecret(s string) envOption {
	return func(c *config.Config, _ *app.Options) { c.Secret = s }
}

// sameDB starts another server on e's database and endpoint (a replica,
// or a restart with other settings).
func (e *env) sameDB(t *testing.T, opts ...envOption) *env {
	t.Helper()
	if e.DBURL != "" {
		return e.replica(t, opts...)
	}
	return newEnvAt(t, e.DataDir, slog.New(slog.NewTextHandler(io.Discard, nil)), nil,
		append([]envOption{func(c *config.Config, _ *app.Options) { c.Endpoint = e.URL }}, opts...)...)
}

// verifyIDToken checks raw's signature against e's published keys.
func verifyIDToken(t *testing.T, e *env, raw string) {
	t.Helper()
	ks := oidc.NewRemoteKeySet(context.Background(), e.Issuer+"/jwks")
	if _, err := ks.VerifySignature(context.Background(), raw); err != nil {
		t.Fatalf("ID token does not verify against %s's keys: %v", e.URL, err)
	}
}

// TestMasterSecretRotation: the documented change-over (docs/production.md,
// "Rotating the master secret"). A server on [new, old] keeps serving while
// `sesame secret rotate` re-encrypts; afterwards a server on [new] alone
// opens everything sealed before, and one on [old] alone refuses to start.
func TestMasterSecretRotation(t *testing.T) {
	for _, db := range []struct {
		name string
		opts []envOption
	}{{"SQLite", nil}, {"PostgreSQL", []envOption{onPostgres(t)}}} {
		t.Run(db.name, func(t *testing.T) {
			ctx := context.Background()
			var offset atomic.Int64
			now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
			tick := func() { offset.Add(int64(30 * time.Second)) }
			code := func(s string) string {
				c, err := totp.GenerateCodeCustom(s, now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
				if err != nil {
					t.Fatal(err)
				}
				return c
			}
			clock := func(_ *config.Config, o *app.Options) { o.Now = now }

			// Before: everything sealed under the old secret.
			eOld := newEnv(t, append(append([]envOption{}, db.opts...), withSecret(oldMaster), clock)...)
			redirect := "http://localhost:3000/callback"
			id, clientSecret := eOld.app(t, store.AppTraditional, []string{redirect}, nil)
			before := eOld.signIn(t, id, clientSecret, redirect, "openid offline_access")
			idToken, _ := before["id_token"].(string)
			refresh, _ := before["refresh_token"].(string)
			if idToken == "" || refresh == "" {
				t.Fatalf("sign-in gave no ID or refresh token: %v", before)
			}
			u := eOld.user(t, "totp-user", "correct horse battery")
			svcOld := app.MFA(eOld.Store, []byte(oldMaster), eOld.URL, now)
			enr, err := svcOld.BeginTOTP(u)
			if err != nil {
				t.Fatal(err)
			}
			if err := svcOld.ConfirmTOTP(ctx, u.ID, enr.Secret, code(enr.Secret)); err != nil {
				t.Fatal(err)
			}
			tick()
			settingsOld := &signinexp.Service{Store: eOld.Store, AllowRegistration: true, Box: secret.NewBox([]byte(oldMaster), signinexp.ConnectorSecretsPurpose)}
			if _, _, err := settingsOld.Update(ctx, []byte(`{"socialConnectors":[{"id":"upstream","displayName":"Upstream","issuer":"https://id.example/oidc","clientId":"abc","clientSecret":"connector-s3cret","enabled":true}]}`)); err != nil {
				t.Fatal(err)
			}
			connectorOpens := func(box *secret.Box) error {
				x, err := (&signinexp.Service{Store: eOld.Store, AllowRegistration: true, Box: box}).Get(ctx)
				if err != nil {
					return err
				}
				s, err := (&signinexp.Service{Store: eOld.Store, Box: box}).ConnectorSecret(x.SocialConnectors[0])
				if err == nil && s != "connector-s3cret" {
					t.Fatalf("connector secret = %q", s)
				}
				return err
			}

			// The change-over: a replica on [new, old] serves what the old one made.
			both := newMaster + "," + oldMaster
			eBoth := eOld.sameDB(t, withSecret(both), clock)
			verifyIDToken(t, eBoth, idToken)
			if st := userinfo(t, eBoth, before["access_token"].(string)); st != http.StatusOK {
				t.Fatalf("userinfo on [new, old] with a token from [old]: %d", st)
			}

			// A list without the old secret cannot rotate, and changes nothing.
			// (sesame secret rotate runs ResealSecrets: internal/cli tests.)
			if _, err := app.ResealSecrets(ctx, eOld.Store, secret.Keyring{[]byte(newMaster)}); !errors.Is(err, app.ErrUnsealable) {
				t.Fatalf("reseal without the old secret: %v, want ErrUnsealable", err)
			}
			verifyIDToken(t, eOld, idToken)
			ring := secret.Keyring{[]byte(newMaster), []byte(oldMaster)}
			n, err := app.ResealSecrets(ctx, eOld.Store, ring)
			if err != nil {
				t.Fatal(err)
			}
			if n.SigningKeys == 0 || n.TOTPSecrets != 1 || n.ConnectorSecrets != 1 {
				t.Fatalf("resealed %+v", n)
			}
			// Restartable: a second run finds nothing left to do.
			if n, err := app.ResealSecrets(ctx, eOld.Store, ring); err != nil || n != (app.Resealed{}) {
				t.Fatalf("second reseal: %+v, %v", n, err)
			}
			ks, err := eOld.Store.ListKeys(ctx)
			if err != nil || len(ks) == 0 {
				t.Fatalf("ListKeys: %v", err)
			}
			for _, k := range ks {
				if _, err := secret.NewBox([]byte(oldMaster), "signing-keys").Open(k.PrivateKey); err == nil {
					t.Fatalf("key %s still opens under the old secret after rotate", k.ID)
				}
			}

			// The running [new, old] replica keeps serving after the rotation.
			verifyIDToken(t, eBoth, idToken)
			if err := app.MFA(eBoth.Store, []byte(newMaster), eBoth.URL, now, []byte(oldMaster)).VerifyTOTP(ctx, u.ID, code(enr.Secret)); err != nil {
				t.Fatalf("TOTP on [new, old] after rotate: %v", err)
			}
			tick()
			if err := connectorOpens(secret.Keyring{[]byte(newMaster), []byte(oldMaster)}.Box(signinexp.ConnectorSecretsPurpose)); err != nil {
				t.Fatalf("connector secret on [new, old]: %v", err)
			}
			eBoth.user(t, "during", "correct horse battery")
			cd, v, _ := eBoth.flow(t, eBoth.browser(t), id, redirect, true, "during", "correct horse battery", url.Values{"scope": {"openid"}})
			if st, body := eBoth.exchange(t, id, clientSecret, cd, v, redirect); st != http.StatusOK {
				t.Fatalf("sign-in on [new, old] after rotate: %d %v", st, body)
			}

			// The old secret dropped: [new] alone serves everything.
			eNew := eOld.sameDB(t, withSecret(newMaster), clock)
			verifyIDToken(t, eNew, idToken)
			st, body := eNew.refresh(t, id, clientSecret, refresh)
			if st != http.StatusOK {
				t.Fatalf("refresh on [new] of a token from [old]: %d %v", st, body)
			}
			verifyIDToken(t, eNew, body["id_token"].(string))
			if err := app.MFA(eNew.Store, []byte(newMaster), eNew.URL, now).VerifyTOTP(ctx, u.ID, code(enr.Secret)); err != nil {
				t.Fatalf("TOTP on [new]: %v", err)
			}
			if err := connectorOpens(secret.NewBox([]byte(newMaster), signinexp.ConnectorSecretsPurpose)); err != nil {
				t.Fatalf("connector secret on [new]: %v", err)
			}
			eNew.user(t, "after", "correct horse battery")
			cd, v, _ = eNew.flow(t, eNew.browser(t), id, redirect, true, "after", "correct horse battery", url.Values{"scope": {"openid"}})
			st, body = eNew.exchange(t, id, clientSecret, cd, v, redirect)
			if st != http.StatusOK {
				t.Fatalf("sign-in on [new]: %d %v", st, body)
			}
			verifyIDToken(t, eNew, body["id_token"].(string))

			// [old] alone cannot open the keys: a clear error at start.
			cfg := config.Config{Addr: "127.0.0.1:0", Endpoint: eOld.URL, DataDir: t.TempDir(), DatabaseURL: eOld.DBURL, LogFormat: "text", LogLevel: "info",
				SigningAlg: "ES384", KeyPublishDelay: time.Minute, Secret: oldMaster}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			st2, err := sqlstore.Open(ctx, sqlstore.Options{DataDir: eOld.DataDir, DatabaseURL: eOld.DBURL})
			if err != nil {
				t.Fatal(err)
			}
			defer st2.Close()
			if srv, err := app.New(ctx, cfg, st2, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{}); err == nil {
				srv.Close(ctx)
				t.Fatal("a server on the old secret alone started after the rotation")
			} else if !strings.Contains(err.Error(), "SESAME_SECRET") {
				t.Fatalf("start on [old]: %v, want a clear error naming SESAME_SECRET", err)
			}
		})
	}
}
