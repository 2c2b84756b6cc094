package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func testAuthRequests(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	a := store.AuthRequest{ID: "ar1", ClientID: "c1", RedirectURI: "https://app.example/cb",
		Scopes: []string{"openid", "profile"}, Resources: []string{"https://api.example"}, State: "xyz",
		Nonce: "n1", CodeChallenge: "abc", CodeChallengeMethod: "S256", ResponseMode: "query",
		Prompt: []string{"login", "consent"}, MaxAge: -1, LoginHint: "alice", UILocales: "fr-CA fr",
		ForceLogin: true, FirstScreen: "identifier:register", Identifiers: []string{"email", "phone"},
		DirectSignIn: "social:google", ACRValues: []string{"urn:sesame:loa:2", "urn:sesame:loa:1"},
		CreatedAt: n, ExpiresAt: n.Add(10 * time.Minute)}

	_, err := s.GetAuthRequest(ctx, "ar1")
	wantErr(t, "GetAuthRequest before create", err, store.ErrNotFound)
	noErr(t, "CreateAuthRequest", s.CreateAuthRequest(ctx, a))
	wantErr(t, "CreateAuthRequest duplicate", s.CreateAuthRequest(ctx, a), store.ErrAlreadyExists)
	got, err := s.GetAuthRequest(ctx, "ar1")
	noErr(t, "GetAuthRequest", err)
	diff(t, "auth request", a, got)

	got, err = s.UpdateAuthRequest(ctx, "ar1", func(old store.AuthRequest) (store.AuthRequest, error) {
		diff(t, "UpdateAuthRequest fn input", a, old)
		old.ForceLogin = false
		old.Prompt = nil
		old.MaxAge = 300
		old.ConsentDenied = true
		old.PendingUserID, old.PendingAMR = "u1", []string{"pwd"}
		old.Identifiers, old.DirectSignIn = nil, ""
		return old, nil
	})
	noErr(t, "UpdateAuthRequest", err)
	want := a
	want.ForceLogin, want.Prompt, want.MaxAge, want.ConsentDenied = false, nil, 300, true
	want.PendingUserID, want.PendingAMR = "u1", []string{"pwd"}
	want.Identifiers, want.DirectSignIn = nil, ""
	diff(t, "UpdateAuthRequest result", want, got)
	got, err = s.GetAuthRequest(ctx, "ar1")
	noErr(t, "GetAuthRequest", err)
	diff(t, "auth request after update", want, got)

	boom := errors.New("boom")
	_, err = s.UpdateAuthRequest(ctx, "ar1", func(old store.AuthRequest) (store.AuthRequest, error) {
		old.State = "changed"
		return old, boom
	})
	wantErr(t, "UpdateAuthRequest fn error", err, boom)
	got, err = s.GetAuthRequest(ctx, "ar1")
	noErr(t, "GetAuthRequest", err)
	diff(t, "auth request after failed update", want, got)

	// A request that ended less than store.ClockSkew ago may come from a
	// replica whose clock is behind: still visible. Older ones are not.
	recent := a
	recent.ID, recent.ExpiresAt = "ar3", n.Add(-time.Second)
	noErr(t, "CreateAuthRequest just ended", s.CreateAuthRequest(ctx, recent))
	_, err = s.GetAuthRequest(ctx, "ar3")
	noErr(t, "GetAuthRequest within the clock skew", err)
	old := a
	old.ID, old.ExpiresAt = "ar2", n.Add(-store.ClockSkew-time.Second)
	noErr(t, "CreateAuthRequest expired", s.CreateAuthRequest(ctx, old))
	_, err = s.GetAuthRequest(ctx, "ar2")
	wantErr(t, "GetAuthRequest expired", err, store.ErrNotFound)
	_, err = s.UpdateAuthRequest(ctx, "ar2", func(a store.AuthRequest) (store.AuthRequest, error) {
		t.Error("fn called for an expired request")
		return a, nil
	})
	wantErr(t, "UpdateAuthRequest expired", err, store.ErrNotFound)

	noErr(t, "DeleteAuthRequest", s.DeleteAuthRequest(ctx, "ar1"))
	_, err = s.GetAuthRequest(ctx, "ar1")
	wantErr(t, "GetAuthRequest after delete", err, store.ErrNotFound)
	noErr(t, "DeleteAuthRequest twice (idempotent)", s.DeleteAuthRequest(ctx, "ar1"))
}
