package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// busySignIn serves a sign-in form whose posts are answered 503 with
// Retry-After for the first busy posts, then redirected to the callback.
func busySignIn(t *testing.T, busy int) (*server, *atomic.Int64) {
	t.Helper()
	var posts atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oidc/auth", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<form method="post" action="/signin"><input name="csrf_token" value="c"></form>`)
	})
	mux.HandleFunc("POST /signin", func(w http.ResponseWriter, r *http.Request) {
		if posts.Add(1) <= int64(busy) {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		http.Redirect(w, r, redirectURI+"?code=x&state=s", http.StatusSeeOther)
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return &server{base: ts.URL, authorize: ts.URL + "/oidc/auth", app: creds{ID: "app"}}, &posts
}

// TestSoakSignInRetriesWhenShed: a sign-in answered 503 with Retry-After
// is tried again and counted as shed, not as an error; one refused on
// every try is an error.
func TestSoakSignInRetriesWhenShed(t *testing.T) {
	s, posts := busySignIn(t, 1)
	var shed atomic.Int64
	w := &soakWorker{s: s, bases: []string{s.base}, c: newClient(1), user: "u", shed: &shed}
	if err := w.do("signin"); err != nil {
		t.Fatalf("a sign-in shed once: %v", err)
	}
	if shed.Load() != 1 || posts.Load() != 2 || !w.signedIn {
		t.Errorf("shed %d, posts %d, signed in %v; want 1, 2, true", shed.Load(), posts.Load(), w.signedIn)
	}

	s, posts = busySignIn(t, signInAttempts)
	shed.Store(0)
	w = &soakWorker{s: s, bases: []string{s.base}, c: newClient(1), user: "u", shed: &shed}
	if err := w.do("signin"); err == nil {
		t.Fatal("a sign-in refused on every try succeeded")
	}
	if posts.Load() != signInAttempts || shed.Load() != signInAttempts-1 {
		t.Errorf("posts %d, shed %d; want %d, %d", posts.Load(), shed.Load(), signInAttempts, signInAttempts-1)
	}
}
