package app_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
)

// TestIDTokenAlgPerApp: an ES384 server publishes an RS256 key too; an app
// registered with id_token_signed_response_alg RS256 (or ES256, whose key
// is made on first use) gets ID tokens signed with it, which go-oidc
// verifies through discovery and the JWKS with at_hash; a default app
// keeps ES384; a rotation rotates every algorithm, and tokens of the
// retired keys still verify.
func TestIDTokenAlgPerApp(t *testing.T) {
	const master = "idtoken-alg-test-master-secret-0123456789"
	clock := &fakeClock{t: time.Now()}
	e := newEnv(t, func(c *config.Config, o *app.Options) { c.Secret = master; o.Now = clock.Now })
	ctx := t.Context()
	redirect := "http://localhost:3000/callback"
	e.user(t, "alice", "correct horse battery")
	prov, err := oidc.NewProvider(ctx, e.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Algs []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := prov.Claims(&meta); err != nil || !slices.Contains(meta.Algs, "RS256") || meta.Algs[0] != "ES384" {
		t.Fatalf("discovery id_token_signing_alg_values_supported = %v (%v)", meta.Algs, err)
	}

	apps := directory.Apps{Store: e.Store}
	newApp := func(alg string) (string, string) {
		id, secret := e.app(t, store.AppTraditional, []string{redirect}, nil)
		if _, err := apps.Update(ctx, id, directory.AppUpdate{IDTokenAlg: &alg}); err != nil {
			t.Fatal(err)
		}
		return id, secret
	}
	b := e.browser(t)
	signedIn := false
	// idToken runs a flow for the app and returns the ID token's signing
	// algorithm and key, after go-oidc verified it and its at_hash.
	idToken := func(id, secret string) (alg, kid string) {
		t.Helper()
		conf := oauth2.Config{ClientID: id, ClientSecret: secret, RedirectURL: redirect, Endpoint: prov.Endpoint(), Scopes: []string{oidc.ScopeOpenID}}
		verifier := oauth2.GenerateVerifier()
		resp := b.get(t, conf.AuthCodeURL("state", oauth2.S256ChallengeOption(verifier)))
		if !signedIn {
			resp, signedIn = b.login(t, resp, "alice", "correct horse battery"), true
		}
		tok, err := conf.Exchange(ctx, callback(t, resp, redirect).Query().Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := prov.Verifier(&oidc.Config{ClientID: id, Now: clock.Now}).Verify(ctx, raw)
		if err != nil {
			t.Fatalf("go-oidc refuses the ID token: %v", err)
		}
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			t.Errorf("at_hash: %v", err)
		}
		jws, _ := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.ES384, jose.ES256, jose.RS256})
		h := jws.Signatures[0].Header
		return h.Algorithm, h.KeyID
	}

	rsID, rsSecret := newApp("RS256")
	defID, defSecret := newApp("")
	esID, esSecret := newApp("ES256")
	rsAlg, rsKid := idToken(rsID, rsSecret)
	if rsAlg != "RS256" {
		t.Fatalf("app registered with RS256 got %s", rsAlg)
	}
	if alg, _ := idToken(defID, defSecret); alg != "ES384" {
		t.Fatalf("default app got %s, want ES384", alg)
	}
	if alg, _ := idToken(esID, esSecret); alg != "ES256" {
		t.Fatalf("app registered with ES256 got %s", alg)
	}

	// Rotation: every algorithm gets a new key; after the publish delay the
	// new ones sign, and the retired ones still verify.
	if _, err := (directory.Keys{Store: e.Store, Master: []byte(master), PublishDelay: 90 * time.Second}).Rotate(ctx, ""); err != nil {
		t.Fatal(err)
	}
	ks, err := e.Store.ListKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fresh := map[string]int{}
	for _, k := range ks {
		if k.RetiredAt.IsZero() {
			fresh[k.Alg]++
		}
	}
	if fresh["ES384"] != 1 || fresh["RS256"] != 1 || fresh["ES256"] != 1 || len(ks) != 6 {
		t.Fatalf("after a rotation: %d keys, unretired by algorithm %v; want 6 and one of each", len(ks), fresh)
	}
	clock.Advance(3 * time.Minute)
	alg, kid := idToken(rsID, rsSecret)
	if alg != "RS256" || kid == rsKid {
		t.Fatalf("after rotation the RS256 app got %s from %s (old key %s)", alg, kid, rsKid)
	}
	if alg, _ := idToken(defID, defSecret); alg != "ES384" {
		t.Fatalf("after rotation the default app got %s", alg)
	}

	// Bad values are refused where they are set.
	bad := "HS256"
	if _, err := apps.Update(ctx, rsID, directory.AppUpdate{IDTokenAlg: &bad}); err == nil {
		t.Error("HS256 was accepted as an app's ID token algorithm")
	}
}
