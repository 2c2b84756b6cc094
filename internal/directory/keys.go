package directory

import (
	"context"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/oidc/keys"
	"github.com/sesameauth/sesame/internal/store"
)

// Keys manages the provider's signing keys.
type Keys struct {
	Store        store.Keys
	Master       []byte        // the secret that encrypts private keys at rest
	Previous     [][]byte      // older master secrets that still open them (a change-over)
	PublishDelay time.Duration // how long a new key is published before it signs
}

// Rotate adds a signing key with alg, published now and signing after the
// publish delay, and rotates the keys kept for apps' algorithms with it
// (keys.Manager.Rotate). An empty alg takes the newest default key's, else ES384 (the
// server may have been started with another algorithm than the one
// configured where this runs).
func (d Keys) Rotate(ctx context.Context, alg string) (store.SigningKey, error) {
	if alg != "" && !keys.SupportedAlg(alg) {
		return store.SigningKey{}, errf(ErrKeyAlg.Code, "the signing algorithm must be one of %s", strings.Join(keys.Supported, ", "))
	}
	if alg == "" {
		ks, err := d.Store.ListKeys(ctx)
		if err != nil {
			return store.SigningKey{}, err
		}
		alg = "ES384"
		var latest time.Time
		for _, k := range ks {
			if k.Purpose == "" && keys.SupportedAlg(k.Alg) && !k.CreatedAt.Before(latest) {
				alg, latest = k.Alg, k.CreatedAt
			}
		}
	}
	km := keys.New(d.Store, d.Master, keys.Options{Alg: alg, PublishDelay: d.PublishDelay, Previous: d.Previous})
	if err := km.Ensure(ctx); err != nil {
		return store.SigningKey{}, err
	}
	return km.Rotate(ctx)
}

// List returns every stored key, oldest first.
func (d Keys) List(ctx context.Context) ([]store.SigningKey, error) { return d.Store.ListKeys(ctx) }
