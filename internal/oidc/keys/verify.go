package keys

// Verifying what we signed, and the hashes ID tokens carry.

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"time"

	"github.com/go-jose/go-jose/v4"
)

type verifiedJWT struct {
	payload []byte
	kid     string
}

// verifiedCacheSize bounds the verified-JWT cache (at most twice this many
// entries, each about the size of the token's payload).
const verifiedCacheSize = 2048

var algs = []jose.SignatureAlgorithm{jose.ES384, jose.ES256, jose.RS256}

// ErrInvalid means the token is not a JWS we signed.
var ErrInvalid = errors.New("keys: invalid token signature")

// Verify checks that token is a JWS signed by one of our published keys
// and returns its payload. Claims (exp, aud…) are the caller's to check. No
// header can make us fetch anything: jku, x5u and embedded jwk are ignored,
// only our own kids are looked up. Only the compact serialization is
// accepted: a JWT is never JSON-serialized, and refusing it leaves one way
// to read a token.
func (m *Manager) Verify(ctx context.Context, token string) ([]byte, error) {
	sum := sha256.Sum256([]byte(token))
	if v, ok := m.verified.Get(sum); ok {
		r, err := m.current(ctx)
		if err != nil {
			return nil, err
		}
		if r.byID[v.kid] != nil {
			return v.payload, nil
		}
		m.verified.Delete(sum)
	}
	jws, err := jose.ParseSignedCompact(token, algs)
	if err != nil || len(jws.Signatures) != 1 {
		return nil, ErrInvalid
	}
	h := jws.Signatures[0].Header
	r, err := m.current(ctx)
	if err != nil {
		return nil, err
	}
	k := r.byID[h.KeyID]
	if k == nil && m.opts.Now().Sub(time.Unix(0, m.lastReload.Load())) > time.Second {
		// A key another replica just created: reload at most once a second.
		if r, err = m.reload(ctx); err == nil {
			k = r.byID[h.KeyID]
		}
	}
	if k == nil || h.Algorithm != k.meta.Alg {
		return nil, ErrInvalid
	}
	payload, err := jws.Verify(k.public)
	if err != nil {
		return nil, ErrInvalid
	}
	m.verified.Put(sum, verifiedJWT{payload: payload, kid: h.KeyID})
	return payload, nil
}

// HalfHash computes at_hash / c_hash: the left half of the hash of value
// under the hash function of alg (OIDC Core §3.1.3.6): SHA-384 for ES384,
// SHA-256 for ES256 and RS256. alg must be the signing key's algorithm.
func HalfHash(alg, value string) string {
	var sum []byte
	switch alg {
	case "ES384":
		s := sha512.Sum384([]byte(value))
		sum = s[:]
	default: // ES256, RS256
		s := sha256.Sum256([]byte(value))
		sum = s[:]
	}
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}
