package authz

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/sesameauth/sesame/internal/store"
)

func p(res, scope string) store.Permission { return store.Permission{Resource: res, Scope: scope} }

func TestRequestedPairsScopesWithTheResourcesThatDefineThem(t *testing.T) {
	a := store.Resource{Indicator: "https://a", Scopes: []string{"read", "admin"}}
	b := store.Resource{Indicator: "https://b", Scopes: []string{"read"}}
	isOIDC := func(s string) bool { return s == "openid" }
	got := Requested([]string{"openid", "admin", "read", "unknown", "read"}, []store.Resource{a, b}, isOIDC)
	want := []store.Permission{p("https://a", "admin"), p("https://a", "read"), p("https://b", "read")}
	if !slices.Equal(got, want) {
		t.Fatalf("Requested = %v, want %v", got, want)
	}
	if got := Requested([]string{"admin"}, nil, isOIDC); got != nil {
		t.Fatalf("no resource: %v", got)
	}
}

func TestScopesOfKeepsOnlyTheResourcesOwnDefinedScopes(t *testing.T) {
	perms := []store.Permission{p("https://a", "read"), p("https://b", "admin"), p("https://a", "gone"), p("https://a", "read")}
	res := store.Resource{Indicator: "https://a", Scopes: []string{"read", "admin"}}
	if got := ScopesOf(perms, res); !slices.Equal(got, []string{"read"}) {
		t.Fatalf("ScopesOf = %v", got)
	}
}

func TestSetOperations(t *testing.T) {
	x := []store.Permission{p("a", "1"), p("a", "2"), p("b", "1")}
	y := []store.Permission{p("b", "1"), p("a", "2"), p("c", "9")}
	if got := Intersect(x, y); !slices.Equal(got, []store.Permission{p("a", "2"), p("b", "1")}) {
		t.Errorf("Intersect = %v", got)
	}
	if got := Union(x, y); !slices.Equal(got, []store.Permission{p("a", "1"), p("a", "2"), p("b", "1"), p("c", "9")}) {
		t.Errorf("Union = %v", got)
	}
	if Covers(x, y) || !Covers(x, x[1:]) || !Covers(nil, nil) {
		t.Error("Covers")
	}
	if !HasResource(x, "b") || HasResource(x, "c") {
		t.Error("HasResource")
	}
	g := Group(x)
	if len(g) != 2 || g[0].Resource != "a" || !slices.Equal(g[0].Scopes, []string{"1", "2"}) || g[1].Resource != "b" {
		t.Errorf("Group = %v", g)
	}
}

type fakeRoles struct {
	perms []store.Permission
	err   error
	calls int
}

func (f *fakeRoles) UserPermissions(context.Context, string) ([]store.Permission, error) {
	f.calls++
	return f.perms, f.err
}

func TestGrantable(t *testing.T) {
	ctx := context.Background()
	f := &fakeRoles{perms: []store.Permission{p("a", "read")}}
	got, err := Grantable(ctx, f, "u", []store.Permission{p("a", "read"), p("a", "admin")})
	if err != nil || !slices.Equal(got, []store.Permission{p("a", "read")}) {
		t.Fatalf("Grantable = %v, %v", got, err)
	}
	if _, err := Grantable(ctx, f, "u", nil); err != nil || f.calls != 1 {
		t.Fatalf("nothing wanted must cost no lookup: calls %d", f.calls)
	}
	f.err = errors.New("down")
	if _, err := Grantable(ctx, f, "u", []store.Permission{p("a", "read")}); err == nil {
		t.Fatal("a failed lookup must not grant")
	}
}
