package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
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

// TestRotationOnRS256Server: an RS256-configured server whose key is
// rotated with `sesame keys rotate` keeps passing a go-oidc flow (ID token
// verified through the JWKS, at_hash checked), whether the rotation takes
// the configured algorithm (SESAME_SIGNING_ALG, or the newest key's when the
// variable is unset) or is told another one. The relying party reads
// discovery before the rotation, as a long-running one does; discovery
// lists the algorithm of every published key.
func TestRotationOnRS256Server(t *testing.T) {
	for _, tc := range []struct {
		name, env string
		flags     []string
		want      string
	}{
		{"default from SESAME_SIGNING_ALG", "RS256", nil, "RS256"},
		{"default from the newest key", "", nil, "RS256"},
		{"explicit ES384", "RS256", []string{"--signing-alg", "ES384"}, "ES384"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SESAME_SIGNING_ALG", tc.env)
			const master = "rotation-test-master-secret-0123456789"
			clock := &fakeClock{t: time.Now()}
			e := newEnv(t, func(c *config.Config, o *app.Options) {
				c.SigningAlg, c.Secret = "RS256", master
				o.Now = clock.Now
			})
			ctx := t.Context()
			redirect := "http://localhost:3000/callback"
			id, secret := e.app(t, store.AppTraditional, []string{redirect}, nil)
			e.user(t, "alice", "correct horse battery")
			prov, err := oidc.NewProvider(ctx, e.Issuer)
			if err != nil {
				t.Fatalf("discovery: %v", err)
			}

			// What `sesame keys rotate` does: the algorithm is --signing-alg,
			// else SESAME_SIGNING_ALG, else the newest key's (internal/cli
			// TestKeysRotateAlg covers how the command reads them).
			alg := os.Getenv("SESAME_SIGNING_ALG")
			if len(tc.flags) == 2 && tc.flags[0] == "--signing-alg" {
				alg = tc.flags[1]
			}
			if _, err := (directory.Keys{Store: e.Store, Master: []byte(master), PublishDelay: 90 * time.Second}).Rotate(ctx, alg); err != nil {
				t.Fatalf("keys rotate: %v", err)
			}
			ks, err := e.Store.ListKeys(ctx)
			if err != nil || len(ks) != 2 {
				t.Fatalf("keys after rotation: %v %v", ks, err)
			}
			newKey := ks[1]
			if newKey.Alg != tc.want {
				t.Fatalf("rotated-in key is %s, want %s", newKey.Alg, tc.want)
			}
			clock.Advance(3 * time.Minute) // past the publish delay and a key reload

			// Discovery advertises every published key's algorithm.
			var jwks jose.JSONWebKeySet
			getJSON(t, e.Issuer+"/jwks", &jwks)
			var meta struct {
				Algs []string `json:"id_token_signing_alg_values_supported"`
			}
			getJSON(t, e.Issuer+"/.well-known/openid-configuration", &meta)
			for _, k := range jwks.Keys {
				if !slices.Contains(meta.Algs, k.Algorithm) {
					t.Errorf("discovery lists %v, not the published key's %s", meta.Algs, k.Algorithm)
				}
			}

			conf := oauth2.Config{ClientID: id, ClientSecret: secret, RedirectURL: redirect, Endpoint: prov.Endpoint(),
				Scopes: []string{oidc.ScopeOpenID, "profile"}}
			verifier := oauth2.GenerateVerifier()
			b := e.browser(t)
			authURL := conf.AuthCodeURL("state-1", oidc.Nonce("nonce-1"), oauth2.S256ChallengeOption(verifier))
			cb := callback(t, b.login(t, b.get(t, authURL), "alice", "correct horse battery"), redirect)
			tok, err := conf.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			raw, _ := tok.Extra("id_token").(string)
			jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.ES384, jose.ES256, jose.RS256})
			if err != nil {
				t.Fatal(err)
			}
			if h := jws.Signatures[0].Header; h.KeyID != newKey.ID || h.Algorithm != tc.want {
				t.Fatalf("ID token signed by %s (%s), want the rotated-in key %s (%s)", h.KeyID, h.Algorithm, newKey.ID, tc.want)
			}
			idt, err := prov.Verifier(&oidc.Config{ClientID: id, Now: clock.Now}).Verify(ctx, raw)
			if err != nil {
				t.Fatalf("go-oidc rejects the ID token: %v", err)
			}
			if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
				t.Errorf("at_hash: %v", err)
			}
		})
	}
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}
