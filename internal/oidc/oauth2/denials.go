package oauth2

import (
	"context"
	"crypto/sha256"
	"time"

	"github.com/sesameauth/sesame/internal/lru"
)

// DenyStore keeps the deny list of revoked JWT access tokens.
type DenyStore interface {
	DenyAccessToken(ctx context.Context, hash []byte, expiresAt time.Time) error
	AccessTokenDenied(ctx context.Context, hash []byte) (bool, error)
}

// DenialTTL bounds how long a replica trusts that a JWT access token is not
// revoked: a token revoked on one replica is refused by every other within
// this delay, and at once by the replica that revoked it (docs/design.md,
// "Access tokens").
const DenialTTL = time.Second

// denialCacheSize bounds the answers held (at most twice this many, 48
// bytes each).
const denialCacheSize = 16384

// Denials answers "is this JWT access token on the deny list?" for the
// token lookups, from memory when it can: a "denied" answer is final (a
// revocation is never undone), a "not denied" one is kept for TTL. So a
// resource server introspecting the same token over and over costs one
// read per TTL, not one per request.
type Denials struct {
	st  DenyStore
	ttl time.Duration
	now func() time.Time
	m   *lru.Map[[sha256.Size]byte, denial]
}

type denial struct {
	denied  bool
	checked time.Time
}

// NewDenials returns a cache over st; ttl 0 is DenialTTL, now nil is
// time.Now.
func NewDenials(st DenyStore, ttl time.Duration, now func() time.Time) *Denials {
	if ttl <= 0 {
		ttl = DenialTTL
	}
	if now == nil {
		now = time.Now
	}
	return &Denials{st: st, ttl: ttl, now: now, m: lru.New[[sha256.Size]byte, denial](denialCacheSize)}
}

// Denied reports whether hash is on the deny list.
func (d *Denials) Denied(ctx context.Context, hash []byte) (bool, error) {
	k := [sha256.Size]byte(hash)
	now := d.now()
	if e, ok := d.m.Get(k); ok && (e.denied || now.Sub(e.checked) < d.ttl) {
		return e.denied, nil
	}
	denied, err := d.st.AccessTokenDenied(ctx, hash)
	if err != nil {
		return false, err
	}
	d.m.Put(k, denial{denied: denied, checked: now})
	return denied, nil
}

// Deny puts hash on the deny list until expiresAt; this replica refuses
// the token from now on.
func (d *Denials) Deny(ctx context.Context, hash []byte, expiresAt time.Time) error {
	if err := d.st.DenyAccessToken(ctx, hash, expiresAt); err != nil {
		return err
	}
	d.m.Put([sha256.Size]byte(hash), denial{denied: true, checked: d.now()})
	return nil
}
