package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// testHostileValues (catalogue IR-05): SQL and LIKE metacharacters, quotes,
// NUL-free control characters and non-ASCII text are data: every value
// comes back byte for byte, and a wildcard matches nothing.
func testHostileValues(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	hostile := []string{`' OR 1=1--`, `"; DROP TABLE users; --`, `%`, `_`, `\`, `$1`, `a'b"c`, "tab\tnew\nline", "ünïcödé ✓", `\x00`}
	for i, v := range hostile {
		c := store.Client{ID: fmt.Sprintf("c%d", i), Name: v, Type: store.AppSPA, RedirectURIs: []string{"https://a.example/cb?v=" + v},
			CreatedAt: n}
		noErr(t, "CreateClient "+v, s.CreateClient(ctx, c))
		got, err := s.GetClient(ctx, c.ID)
		noErr(t, "GetClient "+v, err)
		diff(t, "client with "+v, c, got)

		u := store.User{ID: fmt.Sprintf("u%d", i), Username: fmt.Sprintf("user%d", i), Email: v + "@example.com", Name: v, CreatedAt: n, UpdatedAt: n}
		noErr(t, "CreateUser "+v, s.CreateUser(ctx, u))
		gotU, err := s.GetUserByLogin(ctx, v+"@example.com")
		noErr(t, "GetUserByLogin "+v, err)
		diff(t, "user with "+v, u, gotU)

		a := store.AuthRequest{ID: fmt.Sprintf("ar%d", i), ClientID: c.ID, RedirectURI: "https://a.example/cb", Scopes: []string{v},
			State: v, Nonce: v, LoginHint: v, UILocales: v, FirstScreen: v, Identifiers: []string{v}, DirectSignIn: v,
			ACRValues: []string{v}, PendingUserID: v, PendingAMR: []string{v}, CreatedAt: n, ExpiresAt: n.Add(time.Minute)}
		noErr(t, "CreateAuthRequest "+v, s.CreateAuthRequest(ctx, a))
		gotA, err := s.GetAuthRequest(ctx, a.ID)
		noErr(t, "GetAuthRequest "+v, err)
		diff(t, "auth request with "+v, a, gotA)
	}
	for _, wild := range []string{"%%", "%@%", "u%", "user_", "' OR '1'='1"} {
		if _, err := s.GetUserByLogin(ctx, wild); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetUserByLogin(%q) matched a user (%v)", wild, err)
		}
	}
	users, err := s.ListUsers(ctx)
	noErr(t, "ListUsers", err)
	if len(users) != len(hostile) {
		t.Fatalf("ListUsers: %d users, want %d (a value ran as SQL?)", len(users), len(hostile))
	}
}
