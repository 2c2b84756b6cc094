package provider

import (
	"crypto/sha512"
	"encoding/base64"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/sesameauth/sesame/internal/oidc/keys"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore/sqlitetest"
)

// TestAtHashFollowsSigningKey: on an RS256-configured server whose signing
// key is an ES384 one (a rotation brought it in), the ID token's at_hash is
// the left half of the access token's SHA-384, the hash of the algorithm
// that signs it, not SHA-256 of the configured one.
func TestAtHashFollowsSigningKey(t *testing.T) {
	ctx := t.Context()
	st := sqlitetest.Open(t)
	master := []byte("test-master-secret-0123456789abcdef")
	if err := keys.New(st, master, keys.Options{Alg: "ES384"}).Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	km := keys.New(st, master, keys.Options{Alg: "RS256"})
	if err := km.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	p := &Provider{Issuer: "https://id.example/oidc", Clients: st, Keys: km}
	const at = "opaque-access-token-value"
	raw, err := p.IDToken(ctx, IDTokenParams{User: store.User{ID: "u1"}, ClientID: "c1", Scopes: []string{"openid"}, AccessToken: at})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES384, jose.ES256, jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	if alg := tok.Headers[0].Algorithm; alg != "ES384" {
		t.Fatalf("signed with %s, want the ES384 key", alg)
	}
	var c map[string]any
	if err := tok.UnsafeClaimsWithoutVerification(&c); err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum384([]byte(at))
	if want := base64.RawURLEncoding.EncodeToString(sum[:24]); c["at_hash"] != want {
		t.Errorf("at_hash = %v, want the SHA-384 half %s", c["at_hash"], want)
	}
}
