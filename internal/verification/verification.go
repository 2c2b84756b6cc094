package verification

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/store"
)

// Purposes: a code serves one.
const (
	Register    = "register"
	Reset       = "reset"
	SignIn      = "sign_in"
	EmailChange = "email_change"
	Link        = "link" // proving an account before an upstream identity is linked to it
)

// Defaults: the issue's "10 minutes, 5 attempts".
const (
	DefaultTTL         = 10 * time.Minute
	DefaultMaxAttempts = 5
	// CodeLength is the number of digits; forms accept them with spaces.
	CodeLength = 6
)

// Errors of Redeem. The pages show both as "this code is not right" or
// "this code is no longer valid; ask for a new one".
var (
	// ErrWrongCode: the code does not match; the record lives on (with
	// one attempt fewer) unless that was the last one.
	ErrWrongCode = errors.New("verification: wrong code")
	// ErrExpired: no live code: unknown, used, expired, out of attempts,
	// or issued for another purpose or flow.
	ErrExpired = errors.New("verification: code expired or already used")
)

// Service issues and redeems codes.
type Service struct {
	Store       store.Verifications
	Key         []byte           // HMAC key: secret.Derive(master, "verification codes")
	Now         func() time.Time // default time.Now
	TTL         time.Duration    // default DefaultTTL
	MaxAttempts int              // default DefaultMaxAttempts
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Issued is a new code: ID goes into the flow's next form, Code into the
// mail (and nowhere else).
type Issued struct {
	ID        string
	Code      string
	ExpiresAt time.Time
}

// Issue creates a code for purpose, sent to target (a canonical address),
// bound to binding, carrying payload for the flow's last step. It replaces
// the flow's unredeemed code for the same address.
func (s *Service) Issue(ctx context.Context, purpose, target, binding string, payload []byte) (Issued, error) {
	code, err := newCode()
	if err != nil {
		return Issued{}, err
	}
	now := s.now()
	ttl := s.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	v := store.Verification{ID: opaque.NewID(), Purpose: purpose, Target: target, Binding: binding,
		CodeHash: s.hash(purpose, target, code), Payload: payload, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.Store.CreateVerification(ctx, v); err != nil {
		return Issued{}, err
	}
	return Issued{ID: v.ID, Code: code, ExpiresAt: v.ExpiresAt}, nil
}

// Redeem consumes code for record id, which must have been issued for
// purpose and binding. It returns the record (Target, Payload). Of
// concurrent redemptions of one code exactly one succeeds.
func (s *Service) Redeem(ctx context.Context, id, purpose, binding, code string) (store.Verification, error) {
	code = Normalize(code)
	if id == "" || len(id) > 64 || len(code) != CodeLength {
		return store.Verification{}, ErrWrongCode
	}
	v, err := s.Store.GetVerification(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Verification{}, ErrExpired
	}
	if err != nil {
		return store.Verification{}, err
	}
	// The purpose and binding are checked before anything is counted: a
	// code of another flow is not this flow's to burn.
	if v.Purpose != purpose || !hmac.Equal([]byte(v.Binding), []byte(binding)) {
		return store.Verification{}, ErrExpired
	}
	max := s.MaxAttempts
	if max <= 0 {
		max = DefaultMaxAttempts
	}
	v, err = s.Store.ConsumeVerification(ctx, id, s.hash(purpose, v.Target, code), max, s.now())
	switch {
	case errors.Is(err, store.ErrWrongCode):
		return store.Verification{}, ErrWrongCode
	case errors.Is(err, store.ErrNotFound):
		return store.Verification{}, ErrExpired
	case err != nil:
		return store.Verification{}, err
	}
	return v, nil
}

// Normalize strips what people paste around a code: spaces, dashes and
// other separators. Anything else is kept, so a letter makes the code
// wrong rather than silently different.
func Normalize(code string) string {
	if len(code) > 64 {
		return code
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '-', '\u00a0', '\u2009', '\u202f', '\u3000':
			return -1
		}
		return r
	}, code)
}

// hash is the stored form: an HMAC over purpose, target and code, so a
// database reader cannot test the million codes offline and a code's hash
// means nothing for another purpose or address.
func (s *Service) hash(purpose, target, code string) []byte {
	m := hmac.New(sha256.New, s.Key)
	fmt.Fprintf(m, "%s\x00%s\x00%s", purpose, target, code)
	return m.Sum(nil)
}

var million = big.NewInt(1_000_000)

// newCode is a uniformly random six-digit code.
func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, million)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}
