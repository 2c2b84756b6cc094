package connector

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/secret"
	"github.com/sesameauth/sesame/internal/signinexp"
)

func testService(now *time.Time) *Service {
	return &Service{Box: secret.NewBox([]byte("0123456789abcdef0123456789abcdef"), "social-flow"),
		Now: func() time.Time { return *now }}
}

// seal seals f as Begin does.
func seal(s *Service, f Flow) string {
	raw, _ := json.Marshal(f)
	return base64.RawURLEncoding.EncodeToString(s.Box.Seal(raw))
}

// TestOpenRefuses: the browser's sealed flow and link open only unaltered,
// unexpired, sealed by this key, and each only as what it is (a flow is
// not a link nor the other way round): docs/security.md UI-14.
func TestOpenRefuses(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := testService(&now)
	good := seal(s, Flow{Interaction: "ia", Connector: "up", State: "st", Expires: now.Add(FlowTTL).Unix()})
	if f, err := s.Open(good); err != nil || f.State != "st" || f.Interaction != "ia" {
		t.Fatalf("Open(genuine) = %+v, %v", f, err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	raw[len(raw)-1] ^= 1
	other := testService(&now)
	other.Box = secret.NewBox([]byte("another master secret, 32 bytes!"), "social-flow")
	link := s.SealLink(Link{Interaction: "ia", Connector: "up", Subject: "sub", Email: "a@example.com", UserID: "u"})
	for name, sealed := range map[string]string{
		"altered":     base64.RawURLEncoding.EncodeToString(raw),
		"not base64":  "%%%",
		"empty":       "",
		"another key": seal(other, Flow{Connector: "up", State: "st", Expires: now.Add(FlowTTL).Unix()}),
		"expired":     seal(s, Flow{Connector: "up", State: "st", Expires: now.Unix()}),
		"a link":      link,
	} {
		if _, err := s.Open(sealed); !errors.Is(err, ErrState) {
			t.Errorf("Open(%s) = %v, want ErrState", name, err)
		}
	}
	if l, err := s.OpenLink(link); err != nil || l.Subject != "sub" || l.UserID != "u" {
		t.Fatalf("OpenLink(genuine) = %+v, %v", l, err)
	}
	if _, err := s.OpenLink(good); !errors.Is(err, ErrState) {
		t.Errorf("OpenLink(a flow) = %v, want ErrState", err)
	}
	now = now.Add(FlowTTL)
	if _, err := s.OpenLink(link); !errors.Is(err, ErrState) {
		t.Errorf("OpenLink(expired) = %v, want ErrState", err)
	}
}

// TestCompleteChecksStateFirst: a callback whose state is not the flow's,
// or that names another connector, is refused before any request to the
// upstream (the Service has no settings or network here to use).
func TestCompleteChecksStateFirst(t *testing.T) {
	now := time.Now()
	s := testService(&now)
	f := Flow{Connector: "up", State: "the-state", Expires: now.Add(FlowTTL).Unix()}
	for name, tc := range map[string]struct {
		conn  string
		state string
	}{
		"other state":     {"up", "another-state"},
		"no state":        {"up", ""},
		"other connector": {"down", "the-state"},
	} {
		if _, err := s.Complete(context.Background(), signinexp.Connector{ID: tc.conn}, f, tc.state, "code"); !errors.Is(err, ErrState) {
			t.Errorf("%s: %v, want ErrState", name, err)
		}
	}
}
