package signinexp

// Social and enterprise sign-in: the upstream OpenID providers users may
// sign in with (package connector runs the protocol). A connector's
// client secret is write-only: Update seals it with the master secret's
// "connector-secrets" key, the stored document holds only the sealed
// bytes, and Public blanks them for every reader outside the server.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sesameauth/sesame/internal/secret"
	"github.com/sesameauth/sesame/internal/store"
)

// Connector is one upstream OpenID provider.
type Connector struct {
	ID          string   `json:"id"` // a slug, also in URLs: [a-z0-9-]
	DisplayName string   `json:"displayName"`
	Issuer      string   `json:"issuer"` // https (http on loopback for development)
	ClientID    string   `json:"clientId"`
	Scopes      []string `json:"scopes"`
	Enabled     bool     `json:"enabled"`
	// ClientSecret is write-only: set it in a PATCH to change the
	// secret; leave it out to keep the stored one; "" with
	// ClientSecretSet false in a read. Never stored in clear.
	ClientSecret string `json:"clientSecret,omitempty"`
	// ClientSecretSet reports, in a read, that a secret is stored.
	ClientSecretSet bool `json:"clientSecretSet"`
	// SealedSecret is the stored form; Public removes it.
	SealedSecret []byte `json:"sealedSecret,omitempty"`
}

// ConnectorSecretsPurpose derives the key that seals connector secrets.
const ConnectorSecretsPurpose = "connector-secrets"

// MaxConnectors bounds the list (each is a button on the sign-in page).
const MaxConnectors = 20

var connectorID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// Connector returns the enabled connector id.
func (s Settings) Connector(id string) (Connector, bool) {
	for _, c := range s.SocialConnectors {
		if c.ID == id && c.Enabled {
			return c, true
		}
	}
	return Connector{}, false
}

// Public is s as the API, the CLI and the console show it: no sealed
// secret, only whether one is set.
func (s Settings) Public() Settings {
	cs := make([]Connector, len(s.SocialConnectors))
	for i, c := range s.SocialConnectors {
		c.ClientSecretSet = len(c.SealedSecret) > 0
		c.SealedSecret, c.ClientSecret = nil, ""
		c.Scopes = append([]string(nil), c.Scopes...)
		cs[i] = c
	}
	s.SocialConnectors = cs
	return s
}

// ErrSealedSecretInput refuses a patch that carries sealed bytes: only
// the server seals.
var errSealedInput = bad("socialConnectors", "sealedSecret cannot be set; send clientSecret")

// sealConnectors, in Update, seals each new clientSecret and carries over
// the stored secret of a connector whose patch left it out.
func sealConnectors(patch []byte, before, after *Settings, box *secret.Box) error {
	if bytes.Contains(patch, []byte(`"sealedSecret"`)) {
		return errSealedInput
	}
	old := map[string][]byte{}
	for _, c := range before.SocialConnectors {
		old[c.ID] = c.SealedSecret
	}
	for i := range after.SocialConnectors {
		c := &after.SocialConnectors[i]
		c.ClientSecretSet = false
		switch {
		case c.ClientSecret != "":
			if box == nil {
				return bad(fmt.Sprintf("socialConnectors[%d].clientSecret", i), "this command has no master secret to seal it with (pass --secret)")
			}
			if len(c.ClientSecret) > 1024 || !printable(c.ClientSecret) {
				return bad(fmt.Sprintf("socialConnectors[%d].clientSecret", i), "at most 1024 printable characters")
			}
			c.SealedSecret, c.ClientSecret = box.Seal([]byte(c.ClientSecret)), ""
		default:
			c.SealedSecret = old[c.ID]
		}
	}
	return nil
}

// ConnectorSecret opens c's client secret ("" when none is set).
func (s *Service) ConnectorSecret(c Connector) (string, error) {
	if len(c.SealedSecret) == 0 {
		return "", nil
	}
	if s.Box == nil {
		return "", errors.New("signinexp: no key to open connector secrets")
	}
	b, err := s.Box.Open(c.SealedSecret)
	return string(b), err
}

func validateConnectors(x *Settings) error {
	if x.SocialConnectors == nil {
		x.SocialConnectors = []Connector{}
	}
	if len(x.SocialConnectors) > MaxConnectors {
		return bad("socialConnectors", "at most %d connectors", MaxConnectors)
	}
	seen := map[string]bool{}
	for i := range x.SocialConnectors {
		c := &x.SocialConnectors[i]
		f := func(name string) string { return fmt.Sprintf("socialConnectors[%d].%s", i, name) }
		if !connectorID.MatchString(c.ID) {
			return bad(f("id"), "1 to 32 of a–z, 0–9 and '-', starting with a letter or digit")
		}
		if seen[c.ID] {
			return bad(f("id"), "listed twice")
		}
		seen[c.ID] = true
		c.DisplayName = strings.TrimSpace(c.DisplayName)
		if c.DisplayName == "" || utf8.RuneCountInString(c.DisplayName) > 64 || !printable(c.DisplayName) {
			return bad(f("displayName"), "1 to 64 characters, none of them control characters")
		}
		if c.Issuer == "" {
			return bad(f("issuer"), "required")
		}
		if err := checkURL(c.Issuer); err != nil {
			return bad(f("issuer"), "%s", err.Error())
		}
		c.Issuer = strings.TrimRight(c.Issuer, "/")
		if c.ClientID == "" || len(c.ClientID) > 256 || !printable(c.ClientID) || strings.ContainsAny(c.ClientID, " ") {
			return bad(f("clientId"), "1 to 256 printable characters, no spaces")
		}
		scopes := []string{"openid"}
		for _, sc := range c.Scopes {
			if sc == "" || len(sc) > 128 || !printable(sc) || strings.ContainsAny(sc, " \"\\") {
				return bad(f("scopes"), "each scope is 1 to 128 printable characters without spaces")
			}
			if sc != "openid" {
				scopes = append(scopes, sc)
			}
		}
		if len(c.Scopes) == 0 {
			scopes = append(scopes, "email", "profile")
		}
		if len(scopes) > 20 {
			return bad(f("scopes"), "at most 20 scopes")
		}
		c.Scopes = scopes
	}
	return nil
}

// ResealConnectorSecrets re-encrypts the connectors' client secrets under
// box's current key (sesame secret rotate) with one compare-and-swap write
// of the settings, and reports how many changed. A secret box cannot open
// is secret.ErrOpen and nothing is written.
func (s *Service) ResealConnectorSecrets(ctx context.Context, box *secret.Box) (int, error) {
	for range 5 {
		x, err := s.Get(ctx)
		if err != nil {
			return 0, err
		}
		if x.Version == 0 {
			return 0, nil // nothing stored
		}
		n := 0
		x.SocialConnectors = append([]Connector(nil), x.SocialConnectors...)
		for i := range x.SocialConnectors {
			c := &x.SocialConnectors[i]
			if len(c.SealedSecret) == 0 {
				continue
			}
			next, changed, err := box.Reseal(c.SealedSecret)
			if err != nil {
				return 0, fmt.Errorf("connector %s: %w", c.ID, err)
			}
			if changed {
				c.SealedSecret = next
				n++
			}
		}
		if n == 0 {
			return 0, nil
		}
		doc, err := json.Marshal(x)
		if err != nil {
			return 0, err
		}
		now := time.Now()
		if s.Now != nil {
			now = s.Now()
		}
		if _, err := s.Store.PutSignInExperience(ctx, doc, x.Version, now); errors.Is(err, store.ErrConflict) {
			continue
		} else if err != nil {
			return 0, err
		}
		return n, nil
	}
	return 0, ErrConflict
}
