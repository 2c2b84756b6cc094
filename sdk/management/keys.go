package management

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// KeyType names a kind of OIDC key.
type KeyType string

// Key types. Sesame has signing keys only.
const (
	PrivateKeys KeyType = "private-keys" // the token signing keys
	CookieKeys  KeyType = "cookie-keys"  // Logto only
)

// OIDCKey is a key's public metadata; private material is never sent.
type OIDCKey struct {
	ID                  string    `json:"id"`
	SigningKeyAlgorithm string    `json:"signingKeyAlgorithm"` // Sesame: the JWS alg ("ES384"); Logto: "EC" or "RSA"
	CreatedAt           time.Time `json:"createdAt"`
}

func (k *OIDCKey) UnmarshalJSON(b []byte) error {
	type plain OIDCKey
	return json.Unmarshal(b, &struct {
		*plain
		CreatedAt epochMS `json:"createdAt"`
	}{(*plain)(k), epochMS{&k.CreatedAt}})
}

func (k OIDCKey) MarshalJSON() ([]byte, error) {
	type plain OIDCKey
	return json.Marshal(struct {
		plain
		CreatedAt epochMS `json:"createdAt"`
	}{plain(k), epochMS{&k.CreatedAt}})
}

// OIDCKeysService is /api/configs/oidc.
type OIDCKeysService struct{ c *Client }

// List returns the keys of type t, newest first.
func (s *OIDCKeysService) List(ctx context.Context, t KeyType) ([]OIDCKey, error) {
	out, err := get[[]OIDCKey](ctx, s.c, "/configs/oidc/%s", string(t))
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// Rotate adds a key of type t and returns the keys, newest first. alg may
// be "" for the server's default (Sesame: a JWS alg such as "ES256";
// Logto: "EC" or "RSA"). On Sesame the new key is published at once and
// signs after the publish delay.
func (s *OIDCKeysService) Rotate(ctx context.Context, t KeyType, alg string) ([]OIDCKey, error) {
	var body any = struct{}{}
	if alg != "" {
		body = map[string]string{"signingKeyAlgorithm": alg}
	}
	out, err := send[[]OIDCKey](ctx, s.c, http.MethodPost, body, "/configs/oidc/%s/rotate", string(t))
	if err != nil {
		return nil, err
	}
	return *out, nil
}
