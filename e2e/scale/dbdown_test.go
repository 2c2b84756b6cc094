//go:build e2e

package scale

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestDatabaseDown cuts one replica's PostgreSQL connectivity (a TCP proxy
// that drops open connections and blackholes new ones), checks that it
// fails fast — 503 with Retry-After, /readyz 503, /healthz 200 — while the
// other replica keeps serving, then restores the link and checks that the
// replica recovers by itself.
func TestDatabaseDown(t *testing.T) {
	ctx := context.Background()
	name, dsn := newDatabase(t)
	st := []string{"--database-url", dsn}
	sesameCLI(t, append([]string{"migrate"}, st...)...)
	m2m := createApp(t, st, "m2m")
	const api = "https://api.example/dbdown"
	createResource(t, st, api)
	permit(t, st, m2m.ID, api)

	proxy := newTCPProxy(t, pgHostPort())
	l := newLB(t, 0)
	a := newReplica(t, "replica-A", l.URL, []string{"--database-url", dsnFor(name, proxy.Addr)}, nil)
	b := newReplica(t, "replica-B", l.URL, st, nil)
	l.backends = []*replica{a, b}
	a.start()
	b.start()
	a.waitReady(t)
	b.waitReady(t)

	cc := url.Values{"grant_type": {"client_credentials"}, "resource": {api}}
	get := func(pin int, path string) (int, time.Duration) {
		req, _ := http.NewRequest(http.MethodGet, l.URL+path, nil)
		req.Header.Set(backendHeader, itoa(pin))
		start := time.Now()
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		resp.Body.Close()
		return resp.StatusCode, time.Since(start)
	}
	if tr, err := postToken(ctx, l.URL, 0, m2m.ID, m2m.Secret, cc); err != nil || tr.Status != 200 {
		t.Fatalf("before the cut: %v %+v", err, tr)
	}

	proxy.Cut()
	const budget = 5 * time.Second
	for i := 0; i < 3; i++ {
		start := time.Now()
		tr, err := postToken(ctx, l.URL, 0, m2m.ID, m2m.Secret, cc)
		took := time.Since(start)
		if err != nil {
			t.Fatalf("token request during the outage: %v", err)
		}
		t.Logf("token during outage: %d %s Retry-After=%q in %s", tr.Status, tr.Error, tr.RetryAfter, took.Round(time.Millisecond))
		if tr.Status != 503 || tr.RetryAfter == "" || took > budget {
			t.Errorf("token during outage: %d Retry-After=%q after %s; want 503 with Retry-After within %s", tr.Status, tr.RetryAfter, took, budget)
		}
	}
	if s, took := get(0, "/readyz"); s != 503 || took > budget {
		t.Errorf("/readyz during outage: %d after %s, want 503 within %s", s, took, budget)
	}
	if s, took := get(0, "/healthz"); s != 200 || took > time.Second {
		t.Errorf("/healthz during outage: %d after %s, want 200 at once", s, took)
	}
	// The other replica is unaffected.
	if tr, err := postToken(ctx, l.URL, 1, m2m.ID, m2m.Secret, cc); err != nil || tr.Status != 200 {
		t.Errorf("replica B during A's outage: %v %+v", err, tr)
	}

	proxy.Restore()
	restored := time.Now()
	deadline := restored.Add(10 * time.Second)
	for {
		tr, err := postToken(ctx, l.URL, 0, m2m.ID, m2m.Secret, cc)
		if err == nil && tr.Status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica A did not recover within 10s of the database coming back: %v %+v", err, tr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("recovered %s after the link was restored", time.Since(restored).Round(time.Millisecond))
	if s, _ := get(0, "/readyz"); s != 200 {
		t.Errorf("/readyz after recovery: %d", s)
	}
	if a.process().Exited() {
		t.Errorf("replica A exited")
	}
}

func itoa(i int) string { return url.Values{"x": {""}}.Get("y") + string(rune('0'+i)) }
