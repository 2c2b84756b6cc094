package signinexp_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/secret"
	"github.com/sesameauth/sesame/internal/signinexp"
)

// TestConnectorSecretWriteOnly: a client secret is sealed on the way in,
// never stored or shown in clear, kept when a patch leaves it out, and
// replaced when a patch sets it (docs/security.md, MA-06).
func TestConnectorSecretWriteOnly(t *testing.T) {
	s, st := newService(t)
	s.Box = secret.NewBox([]byte("0123456789abcdef0123456789abcdef"), signinexp.ConnectorSecretsPurpose)
	ctx := t.Context()
	up := `{"socialConnectors":[{"id":"upstream","displayName":"Upstream","issuer":"https://id.example/oidc","clientId":"abc","clientSecret":"s3cret-value","enabled":true}]}`
	_, after, err := s.Update(ctx, []byte(up))
	if err != nil {
		t.Fatal(err)
	}
	c := after.SocialConnectors[0]
	if c.ClientSecret != "" || len(c.SealedSecret) == 0 || strings.Join(c.Scopes, " ") != "openid email profile" {
		t.Fatalf("stored connector = %+v", c)
	}
	row, _ := st.GetSignInExperience(ctx)
	if bytes.Contains(row.Doc, []byte("s3cret-value")) {
		t.Fatal("the secret is stored in clear")
	}
	pub, _ := json.Marshal(after.Public())
	if bytes.Contains(pub, []byte("sealedSecret")) || !bytes.Contains(pub, []byte(`"clientSecretSet":true`)) {
		t.Fatalf("public view: %s", pub)
	}
	if got, err := s.ConnectorSecret(c); err != nil || got != "s3cret-value" {
		t.Fatalf("ConnectorSecret = %q, %v", got, err)
	}
	// A patch without the secret keeps it (the console and the API send
	// the public view back).
	_, after, err = s.Update(ctx, []byte(`{"socialConnectors":[{"id":"upstream","displayName":"Renamed","issuer":"https://id.example/oidc","clientId":"abc","enabled":true}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ConnectorSecret(after.SocialConnectors[0]); got != "s3cret-value" || after.SocialConnectors[0].DisplayName != "Renamed" {
		t.Fatalf("after a patch without the secret: %q, %+v", got, after.SocialConnectors[0])
	}
	_, after, _ = s.Update(ctx, []byte(`{"socialConnectors":[{"id":"upstream","displayName":"Renamed","issuer":"https://id.example/oidc","clientId":"abc","clientSecret":"new-secret","enabled":true}]}`))
	if got, _ := s.ConnectorSecret(after.SocialConnectors[0]); got != "new-secret" {
		t.Fatalf("after a new secret: %q", got)
	}
	// Only the server seals.
	if _, _, err := s.Update(ctx, []byte(`{"socialConnectors":[{"id":"upstream","displayName":"X","issuer":"https://id.example","clientId":"abc","sealedSecret":"AAAA","enabled":true}]}`)); err == nil {
		t.Fatal("a patch carrying sealed bytes was accepted")
	}
	// Without a key, setting a secret is refused.
	s.Box = nil
	if _, _, err := s.Update(ctx, []byte(up)); err == nil {
		t.Fatal("a secret was accepted with no key to seal it")
	}
}

func TestConnectorValidation(t *testing.T) {
	s, _ := newService(t)
	for _, c := range []struct{ patch, field string }{
		{`{"socialConnectors":[{"id":"Up!","displayName":"U","issuer":"https://a.example","clientId":"c"}]}`, "socialConnectors[0].id"},
		{`{"socialConnectors":[{"id":"up","displayName":"","issuer":"https://a.example","clientId":"c"}]}`, "socialConnectors[0].displayName"},
		{`{"socialConnectors":[{"id":"up","displayName":"U","issuer":"http://a.example","clientId":"c"}]}`, "socialConnectors[0].issuer"},
		{`{"socialConnectors":[{"id":"up","displayName":"U","issuer":"javascript:alert(1)","clientId":"c"}]}`, "socialConnectors[0].issuer"},
		{`{"socialConnectors":[{"id":"up","displayName":"U","issuer":"https://a.example","clientId":""}]}`, "socialConnectors[0].clientId"},
		{`{"socialConnectors":[{"id":"up","displayName":"U","issuer":"https://a.example","clientId":"c","scopes":["a b"]}]}`, "socialConnectors[0].scopes"},
		{`{"socialConnectors":[{"id":"up","displayName":"U","issuer":"https://a.example","clientId":"c"},{"id":"up","displayName":"V","issuer":"https://b.example","clientId":"d"}]}`, "socialConnectors[1].id"},
	} {
		_, _, err := s.Update(t.Context(), []byte(c.patch))
		if err == nil || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: err = %v, want one naming %s", c.patch, err, c.field)
		}
	}
}
