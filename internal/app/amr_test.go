package app_test

import (
	"context"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/store"
)

// TestAMRInIDTokens (docs/security.md, SS-12): the factors a sign-in used
// reach the session, the code and the grant, so the ID token from the code
// and every refreshed one carry the same amr and acr; an SSO session with
// two factors gives amr + "mfa" and the two-factor acr; a sign-in that
// replaces the session (prompt=login) replaces its amr.
func TestAMRInIDTokens(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	redirect := "http://localhost:3000/callback"
	id, secret := e.app(t, store.AppTraditional, []string{redirect}, nil)
	e.user(t, "alice", "correct horse battery")

	prov, err := oidc.NewProvider(ctx, e.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	var disc struct {
		ACR    []string `json:"acr_values_supported"`
		Claims []string `json:"claims_supported"`
	}
	if err := prov.Claims(&disc); err != nil || !slices.Equal(disc.ACR, []string{"urn:sesame:loa:1", "urn:sesame:loa:2"}) ||
		!slices.Contains(disc.Claims, "amr") || !slices.Contains(disc.Claims, "acr") {
		t.Fatalf("discovery acr_values_supported %v claims %v (%v)", disc.ACR, disc.Claims, err)
	}
	verifier := prov.Verifier(&oidc.Config{ClientID: id})
	conf := &oauth2.Config{ClientID: id, ClientSecret: secret, RedirectURL: redirect, Endpoint: prov.Endpoint(),
		Scopes: []string{oidc.ScopeOpenID, oidc.ScopeOfflineAccess}}
	b := e.browser(t)
	// authorize runs one authorization request (signing in with the
	// password when the page asks) and exchanges the code.
	authorize := func(t *testing.T, login bool, opts ...oauth2.AuthCodeOption) *oauth2.Token {
		t.Helper()
		v := oauth2.GenerateVerifier()
		resp := b.get(t, conf.AuthCodeURL("st", append(opts, oauth2.S256ChallengeOption(v))...))
		if login {
			resp = b.login(t, resp, "alice", "correct horse battery")
		}
		tok, err := conf.Exchange(ctx, callback(t, resp, redirect).Query().Get("code"), oauth2.VerifierOption(v))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	claims := func(t *testing.T, tok *oauth2.Token) (amr []string, acr string) {
		t.Helper()
		raw, _ := tok.Extra("id_token").(string)
		idt, err := verifier.Verify(ctx, raw)
		if err != nil {
			t.Fatalf("verify id_token: %v", err)
		}
		var c struct {
			AMR []string `json:"amr"`
			ACR string   `json:"acr"`
		}
		if err := idt.Claims(&c); err != nil {
			t.Fatal(err)
		}
		return c.AMR, c.ACR
	}
	want := func(t *testing.T, what string, tok *oauth2.Token, amr []string, acr string) {
		t.Helper()
		if gotAMR, gotACR := claims(t, tok); !slices.Equal(gotAMR, amr) || gotACR != acr {
			t.Errorf("%s: amr %q acr %q, want %q %q", what, gotAMR, gotACR, amr, acr)
		}
	}

	tok := authorize(t, true)
	want(t, "password sign-in", tok, []string{"pwd"}, "urn:sesame:loa:1")
	tok.Expiry = time.Now().Add(-time.Hour) // force the refresh
	next, err := conf.TokenSource(ctx, tok).Token()
	if err != nil || next.AccessToken == tok.AccessToken {
		t.Fatalf("refresh: %v", err)
	}
	want(t, "refreshed", next, []string{"pwd"}, "urn:sesame:loa:1")

	// The session records the factors: rewrite it as a two-factor one
	// (what the MFA step records) and sign in from it without a form.
	u, _ := url.Parse(e.URL)
	var cookie string
	for _, c := range b.Client.Jar.Cookies(u) {
		if c.Name == "sesame_session" {
			cookie = c.Value
		}
	}
	sess, err := e.Store.GetSession(ctx, opaque.Hash(cookie))
	if err != nil || !slices.Equal(sess.AMR, []string{"pwd"}) {
		t.Fatalf("session after password sign-in: %+v, %v", sess, err)
	}
	sess.AMR = []string{"pwd", "otp"}
	if err := e.Store.DeleteSession(ctx, sess.IDHash); err != nil {
		t.Fatal(err)
	}
	if err := e.Store.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	mfa := authorize(t, false)
	want(t, "two-factor session", mfa, []string{"pwd", "otp", "mfa"}, "urn:sesame:loa:2")
	mfa.Expiry = time.Now().Add(-time.Hour)
	if next, err = conf.TokenSource(ctx, mfa).Token(); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	want(t, "two-factor session, refreshed", next, []string{"pwd", "otp", "mfa"}, "urn:sesame:loa:2")

	// prompt=login: the new sign-in's session and tokens have its factors only.
	again := authorize(t, true, oauth2.SetAuthURLParam("prompt", "login"))
	want(t, "after prompt=login", again, []string{"pwd"}, "urn:sesame:loa:1")
	if _, err := e.Store.GetSession(ctx, sess.IDHash); err == nil {
		t.Error("the two-factor session outlived the sign-in that replaced it")
	}
}
