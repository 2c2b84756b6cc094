package app_test

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/store"
)

// m2mToken gets a client_credentials token for resource with scope "all"
// from the running server's token endpoint.
func m2mToken(t *testing.T, e *env, id, secret, resource string) (string, error) {
	t.Helper()
	cc := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: e.Issuer + "/token", Scopes: []string{admin.Scope},
		EndpointParams: url.Values{"resource": {resource}}}
	tok, err := cc.Token(context.Background())
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

func gate(e *env) *admin.Gate {
	return &admin.Gate{Tokens: oauth2.Tokens{Store: e.Store, Keys: e.Server.Keys(), Issuer: e.Issuer}, Store: e.Store, Endpoint: e.URL}
}

// TestGateM2M: the Gate against real tokens of a running server.
func TestGateM2M(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	g := gate(e)
	id, secret := e.app(t, store.AppM2M, nil, nil)
	if err := e.Store.AssignClientRole(ctx, id, admin.M2MRoleID); err != nil {
		t.Fatal(err)
	}
	for _, aud := range []string{admin.APIIndicator(e.URL), admin.LogtoAudience} {
		tok, err := m2mToken(t, e, id, secret, aud)
		if err != nil {
			t.Fatalf("token for %s: %v", aud, err)
		}
		p, err := g.Authorize(ctx, tok)
		if err != nil || p.ClientID != id || p.UserID != "" || p.Actor() != "app:"+id {
			t.Fatalf("Authorize(token for %s) = %+v, %v", aud, p, err)
		}
	}

	tok, err := m2mToken(t, e, id, secret, admin.APIIndicator(e.URL))
	if err != nil {
		t.Fatal(err)
	}
	// Expired: the same token an hour and a minute later.
	later := *g
	later.Now = func() time.Time { return time.Now().Add(time.Hour + time.Minute) }
	for name, c := range map[string]struct {
		g   *admin.Gate
		tok string
	}{"none": {g, ""}, "garbage": {g, "not-a-token"}, "truncated": {g, tok[:len(tok)-2]}, "expired": {&later, tok}} {
		if _, err := c.g.Authorize(ctx, c.tok); !errors.Is(err, admin.ErrUnauthorized) {
			t.Errorf("%s: Authorize = %v, want ErrUnauthorized", name, err)
		}
	}

	// A token for another resource is not for the API.
	e.resource(t, "https://other.example/api", admin.Scope)
	id2, secret2 := e.app(t, store.AppM2M, nil, nil)
	e.permit(t, id2, map[string][]string{"https://other.example/api": {admin.Scope}})
	wrong, err := m2mToken(t, e, id2, secret2, "https://other.example/api")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Authorize(ctx, wrong); !errors.Is(err, admin.ErrUnauthorized) {
		t.Errorf("wrong audience: Authorize = %v, want ErrUnauthorized", err)
	}
	// An app without the role cannot even get a token for the API.
	if _, err := m2mToken(t, e, id2, secret2, admin.APIIndicator(e.URL)); err == nil {
		t.Error("app without the Management API role got a token for it")
	}

	// Revoked at the revocation endpoint.
	rev, err := m2mToken(t, e, id, secret, admin.APIIndicator(e.URL))
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := e.postForm(t, "/oidc/token/revocation", url.Values{"token": {rev}}, id, secret); code != 200 {
		t.Fatalf("revocation: %d", code)
	}
	if _, err := g.Authorize(ctx, rev); !errors.Is(err, admin.ErrUnauthorized) {
		t.Errorf("revoked: Authorize = %v, want ErrUnauthorized", err)
	}

	// The role taken away after issuance: the next call is refused (the
	// store revokes the app's client_credentials tokens with the role, so
	// the token is no longer live).
	if _, err := g.Authorize(ctx, tok); err != nil {
		t.Fatalf("before unassign: %v", err)
	}
	if err := e.Store.UnassignClientRole(ctx, id, admin.M2MRoleID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Authorize(ctx, tok); !errors.Is(err, admin.ErrUnauthorized) && !errors.Is(err, admin.ErrForbidden) {
		t.Errorf("after unassign: Authorize = %v, want refused", err)
	}
}

// TestGateLivePermission: a live token whose holder no longer holds the
// permission is ErrForbidden (the Gate checks the roles now, not at
// issuance). The role change is made behind the store's revocation, as a
// replica of another version or a direct database edit could.
func TestGateLivePermission(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	g := gate(e)
	id, secret := e.app(t, store.AppM2M, nil, nil)
	if err := e.Store.AssignClientRole(ctx, id, admin.M2MRoleID); err != nil {
		t.Fatal(err)
	}
	tok, err := m2mToken(t, e, id, secret, admin.APIIndicator(e.URL))
	if err != nil {
		t.Fatal(err)
	}
	held := g.Store
	g.Store = noPermissions{held}
	if _, err := g.Authorize(ctx, tok); !errors.Is(err, admin.ErrForbidden) {
		t.Errorf("permission gone: Authorize = %v, want ErrForbidden", err)
	}
}

type noPermissions struct{ admin.GateStore }

func (noPermissions) ClientPermissions(context.Context, string) ([]store.Permission, error) {
	return nil, nil
}
