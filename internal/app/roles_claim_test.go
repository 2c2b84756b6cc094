package app_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/sesameauth/sesame/internal/store"
)

// TestRolesClaim (docs/design.md, Roles in tokens): with the roles scope the
// ID token and userinfo carry the names of the user's user roles, read
// when each is built, so a role assigned after sign-in shows at the next
// refresh; without it neither carries the claim.
func TestRolesClaim(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	redirect := "http://localhost:3000/callback"
	id, secret := e.app(t, store.AppTraditional, []string{redirect}, nil)
	u := e.user(t, "alice", "correct horse battery")
	editor := e.role(t, "editor", store.RoleUser, nil)
	if err := e.Store.AssignUserRole(ctx, u.ID, editor.ID); err != nil {
		t.Fatal(err)
	}
	// An m2m role wrongly assigned to the user (the store allows it) is
	// not a user role: it never shows.
	job := e.role(t, "job", store.RoleM2M, nil)
	if err := e.Store.AssignUserRole(ctx, u.ID, job.ID); err != nil {
		t.Fatal(err)
	}

	prov, err := oidc.NewProvider(ctx, e.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	var disc struct {
		Scopes []string `json:"scopes_supported"`
		Claims []string `json:"claims_supported"`
	}
	if err := prov.Claims(&disc); err != nil || !slices.Contains(disc.Scopes, "roles") || !slices.Contains(disc.Claims, "roles") {
		t.Fatalf("discovery scopes %v claims %v (%v)", disc.Scopes, disc.Claims, err)
	}
	verifier := prov.Verifier(&oidc.Config{ClientID: id})

	signIn := func(t *testing.T, scopes ...string) (*oauth2.Config, *oauth2.Token) {
		conf := &oauth2.Config{ClientID: id, ClientSecret: secret, RedirectURL: redirect, Endpoint: prov.Endpoint(), Scopes: scopes}
		v := oauth2.GenerateVerifier()
		b := e.browser(t)
		cb := callback(t, b.login(t, b.get(t, conf.AuthCodeURL("st", oauth2.S256ChallengeOption(v))), "alice", "correct horse battery"), redirect)
		tok, err := conf.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(v))
		if err != nil {
			t.Fatal(err)
		}
		return conf, tok
	}
	// roles returns the roles claim of the token's ID token and of
	// userinfo, and whether each was present.
	roles := func(t *testing.T, tok *oauth2.Token) (idRoles, uiRoles []string, idHas, uiHas bool) {
		t.Helper()
		raw, _ := tok.Extra("id_token").(string)
		idt, err := verifier.Verify(ctx, raw)
		if err != nil {
			t.Fatalf("verify id_token: %v", err)
		}
		var c map[string]json.RawMessage
		if err := idt.Claims(&c); err != nil {
			t.Fatal(err)
		}
		if r, ok := c["roles"]; ok {
			idHas = true
			if err := json.Unmarshal(r, &idRoles); err != nil || idRoles == nil {
				t.Fatalf("ID token roles = %s (%v)", r, err)
			}
		}
		ui, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatalf("userinfo: %v", err)
		}
		var uc map[string]json.RawMessage
		if err := ui.Claims(&uc); err != nil {
			t.Fatal(err)
		}
		if r, ok := uc["roles"]; ok {
			uiHas = true
			if err := json.Unmarshal(r, &uiRoles); err != nil || uiRoles == nil {
				t.Fatalf("userinfo roles = %s (%v)", r, err)
			}
		}
		return
	}

	t.Run("with roles scope", func(t *testing.T) {
		conf, tok := signIn(t, oidc.ScopeOpenID, oidc.ScopeOfflineAccess, "roles")
		idr, uir, _, _ := roles(t, tok)
		if !slices.Equal(idr, []string{"editor"}) || !slices.Equal(uir, []string{"editor"}) {
			t.Fatalf("roles: ID token %v, userinfo %v", idr, uir)
		}
		viewer := e.role(t, "viewer", store.RoleUser, nil)
		if err := e.Store.AssignUserRole(ctx, u.ID, viewer.ID); err != nil {
			t.Fatal(err)
		}
		tok.Expiry = tok.Expiry.Add(-24 * 3600e9) // force the refresh
		next, err := conf.TokenSource(ctx, tok).Token()
		if err != nil || next.AccessToken == tok.AccessToken {
			t.Fatalf("refresh: %v", err)
		}
		idr, uir, _, _ = roles(t, next)
		if !slices.Equal(idr, []string{"editor", "viewer"}) || !slices.Equal(uir, []string{"editor", "viewer"}) {
			t.Fatalf("roles after refresh: ID token %v, userinfo %v", idr, uir)
		}
		// No role left: an empty array, not a missing claim.
		for _, r := range []store.Role{editor, viewer} {
			if err := e.Store.UnassignUserRole(ctx, u.ID, r.ID); err != nil {
				t.Fatal(err)
			}
		}
		next.Expiry = next.Expiry.Add(-24 * 3600e9)
		last, err := conf.TokenSource(ctx, next).Token()
		if err != nil {
			t.Fatal(err)
		}
		idr, uir, idHas, uiHas := roles(t, last)
		if !idHas || !uiHas || len(idr) != 0 || len(uir) != 0 {
			t.Fatalf("roles without any: ID token %v (%v), userinfo %v (%v)", idr, idHas, uir, uiHas)
		}
	})
	t.Run("without roles scope", func(t *testing.T) {
		_, tok := signIn(t, oidc.ScopeOpenID, "profile")
		if _, _, idHas, uiHas := roles(t, tok); idHas || uiHas {
			t.Fatalf("roles claim without the roles scope: ID token %v, userinfo %v", idHas, uiHas)
		}
	})
}
