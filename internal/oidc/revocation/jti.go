package revocation

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/sesameauth/sesame/internal/oidc/provider"
)

// JTI verifies tok as a JWT we signed and returns its jti: JWT access
// tokens are stored under the hash of their jti.
func JTI(ctx context.Context, p *provider.Provider, tok string) (string, bool) {
	if strings.Count(tok, ".") != 2 {
		return "", false
	}
	payload, err := p.Keys.Verify(ctx, tok)
	if err != nil {
		return "", false
	}
	var c struct {
		Iss string `json:"iss"`
		JTI string `json:"jti"`
	}
	if json.Unmarshal(payload, &c) != nil || c.Iss != p.Issuer || c.JTI == "" {
		return "", false
	}
	return c.JTI, true
}
