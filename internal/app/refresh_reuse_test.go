package app_test

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/store"
)

// TestRefreshReuseInterval: a browser app refreshing one token from several
// tabs at once. With a reuse interval every tab gets the same successor and
// the grant lives on; once the interval is over, presenting the rotated
// token again is a replay that revokes the grant. Without one (the default)
// exactly one tab wins and the replay revokes the grant, the winner's
// token included (docs/design.md, "Refresh tokens in several tabs").
func TestRefreshReuseInterval(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			clk := &clock{}
			opts := []envOption{func(_ *config.Config, o *app.Options) { o.Now = clk.now }}
			if db == "postgres" {
				opts = append(opts, onPostgres(t))
			}
			e := newEnv(t, opts...)
			e.user(t, "ada", "correct horse battery")
			redirect := "https://spa.example/cb"

			const tabs = 8
			refreshAll := func(clientID, token string) (ok []string, failed int) {
				var mu sync.Mutex
				var wg sync.WaitGroup
				for range tabs {
					wg.Go(func() {
						st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"},
							"refresh_token": {token}, "client_id": {clientID}}, "", "")
						mu.Lock()
						defer mu.Unlock()
						if rt, _ := body["refresh_token"].(string); st == 200 && rt != "" && body["access_token"] != nil {
							ok = append(ok, rt)
						} else if st == 400 && body["error"] == "invalid_grant" {
							failed++
						} else {
							t.Errorf("refresh: %d %v", st, body)
						}
					})
				}
				wg.Wait()
				return ok, failed
			}
			refresh := func(clientID, token string) (int, string) {
				st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"},
					"refresh_token": {token}, "client_id": {clientID}}, "", "")
				rt, _ := body["refresh_token"].(string)
				return st, rt
			}
			signIn := func(reuse time.Duration) (string, string) {
				id, _ := e.app(t, store.AppSPA, []string{redirect}, nil)
				if _, err := e.Store.UpdateClient(context.Background(), id, func(c store.Client) (store.Client, error) {
					c.RefreshReuseInterval = reuse
					return c, nil
				}); err != nil {
					t.Fatal(err)
				}
				b := e.browser(t)
				code, verifier, _ := e.flow(t, b, id, redirect, true, "ada", "correct horse battery", url.Values{"scope": {"openid offline_access"}})
				st, body := e.exchange(t, id, "", code, verifier, redirect)
				rt, _ := body["refresh_token"].(string)
				if st != 200 || rt == "" {
					t.Fatalf("code exchange: %d %v", st, body)
				}
				return id, rt
			}

			// With a 10-second interval: every tab gets the one successor.
			id, rt0 := signIn(10 * time.Second)
			ok, failed := refreshAll(id, rt0)
			if len(ok) != tabs || failed != 0 {
				t.Fatalf("%d tabs with a reuse interval: %d succeeded, %d failed; want all", tabs, len(ok), failed)
			}
			for _, rt := range ok {
				if rt != ok[0] || rt == rt0 {
					t.Fatalf("tabs got different successors (%q, %q) or the old token", ok[0], rt)
				}
			}
			clk.advance(5 * time.Second)
			if st, again := refresh(id, rt0); st != 200 || again != ok[0] {
				t.Fatalf("reuse 5 s after the rotation: %d, same successor %v", st, again == ok[0])
			}
			st, rt2 := refresh(id, ok[0])
			if st != 200 || rt2 == "" || rt2 == ok[0] {
				t.Fatalf("the successor after the reuses: %d", st)
			}
			// The successor has rotated on: the first token's reuse is over.
			if st, _ := refresh(id, rt0); st != 400 {
				t.Fatalf("reuse after the successor rotated: %d, want 400", st)
			}
			if st, _ := refresh(id, rt2); st != 400 {
				t.Fatalf("the grant outlived a replay: %d", st)
			}

			// After the interval, a reuse is a replay.
			id, rt0 = signIn(10 * time.Second)
			if st, rt1 := refresh(id, rt0); st != 200 || rt1 == "" {
				t.Fatalf("refresh: %d", st)
			} else {
				clk.advance(11 * time.Second)
				if st, _ := refresh(id, rt0); st != 400 {
					t.Fatalf("reuse after the interval: %d, want 400", st)
				}
				if st, _ := refresh(id, rt1); st != 400 {
					t.Fatalf("the grant outlived a replay after the interval: %d", st)
				}
			}

			// No interval (the default): one tab wins, the others replay and
			// revoke the grant.
			id, rt0 = signIn(0)
			ok, failed = refreshAll(id, rt0)
			if len(ok) != 1 || len(ok)+failed != tabs {
				t.Fatalf("%d tabs without a reuse interval: %d succeeded, %d failed", tabs, len(ok), failed)
			}
			if st, _ := refresh(id, ok[0]); st != 400 {
				t.Fatalf("the winner's token outlived the replay: %d", st)
			}
		})
	}
}
