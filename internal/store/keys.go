package store

import (
	"context"
	"time"
)

// SigningKey is one key of the provider's key set. A key is published in the
// JWKS from CreatedAt, used for signing from ActivatesAt until a newer key
// activates, and kept published until ExpiresAt (retired keys only).
type SigningKey struct {
	ID          string // the JWS kid
	Alg         string // ES384, ES256 or RS256
	PrivateKey  []byte // encrypted at rest by the caller (keys package)
	CreatedAt   time.Time
	ActivatesAt time.Time
	RetiredAt   time.Time // zero while active or pending
	ExpiresAt   time.Time // zero = never; after it the key is deleted
	// Purpose is "" for the keys that sign by default (the newest active
	// one signs), or KeyForAlg for a key that signs only the ID tokens of
	// apps registered with its algorithm.
	Purpose string
}

// KeyForAlg is the Purpose of a key that signs only for apps registered
// with its algorithm.
const KeyForAlg = "alg"

type Keys interface {
	CreateKey(ctx context.Context, k SigningKey) error
	// CreateFirstKey stores k only if no key exists at all, atomically
	// across replicas, and reports whether it did. Replicas starting on an
	// empty database at the same instant thus agree on one first key.
	CreateFirstKey(ctx context.Context, k SigningKey) (bool, error)
	// ListKeys returns every stored key, oldest first.
	ListKeys(ctx context.Context) ([]SigningKey, error)
	// CreateKeyIfNone stores k only if no unretired key has its Alg and
	// Purpose, atomically across replicas, and reports whether it did.
	CreateKeyIfNone(ctx context.Context, k SigningKey) (bool, error)
	// RetireKeys sets RetiredAt=now and ExpiresAt=expires on every key that
	// is not retired and whose ID is not in keep.
	RetireKeys(ctx context.Context, keep []string, now, expires time.Time) error
}
