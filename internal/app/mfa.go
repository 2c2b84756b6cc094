package app

import (
	"net/url"
	"time"

	"github.com/sesameauth/sesame/internal/mfa"
	"github.com/sesameauth/sesame/internal/secret"
	"github.com/sesameauth/sesame/internal/store"
)

// MFA builds the second-factor service: TOTP secrets sealed under the
// master secret's "mfa-totp" key, labelled in authenticator apps with the
// endpoint's host. The server and the CLI (reset-mfa) build it the same
// way. previous are older master secrets that still open TOTP secrets
// during a change-over of the master secret.
func MFA(st store.MFA, master []byte, endpoint string, now func() time.Time, previous ...[]byte) *mfa.Service {
	issuer := "Sesame"
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
		issuer = u.Host
	}
	return &mfa.Service{Store: st, Box: secret.NewBox(master, mfa.BoxPurpose, previous...), Issuer: issuer, Now: now}
}
