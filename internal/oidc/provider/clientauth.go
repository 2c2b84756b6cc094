package provider

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/sesameauth/sesame/internal/oidc/oauth2err"
	"github.com/sesameauth/sesame/internal/store"
)

// HashSecret is how client secrets are stored. Secrets are 256-bit random
// values, so a fast hash is enough; the comparison is constant-time.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

var errAuth = oauth2err.New(oauth2err.InvalidClient, "client authentication failed")

// AuthenticateClient identifies the calling client from the Basic header
// (client_secret_basic) or the form (client_secret_post, or none for public
// clients). As Logto's SDKs require, a Basic header may come with client_id
// also in the body, provided both name the same client; a secret in both
// places is refused (one method per request). Once the client is
// authenticated, a cross-origin request from one of its origins may read
// the response (AllowCORS).
func (p *Provider) AuthenticateClient(ctx context.Context, r *http.Request, form url.Values) (store.Client, error) {
	id, secret, basic := r.BasicAuth()
	if basic {
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil || id == "" {
			return store.Client{}, errAuth
		}
		if b := form.Get("client_id"); b != "" && b != id {
			return store.Client{}, oauth2err.New(oauth2err.InvalidClient, "client_id in the body does not match the Authorization header")
		}
		if form.Has("client_secret") {
			return store.Client{}, oauth2err.New(oauth2err.InvalidClient, "use only one client authentication method")
		}
	} else if r.Header.Get("Authorization") != "" {
		return store.Client{}, oauth2err.New(oauth2err.InvalidClient, "unsupported Authorization scheme")
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
		if id == "" {
			return store.Client{}, oauth2err.New(oauth2err.InvalidClient, "client authentication is required")
		}
	}
	if len(id) > 128 || len(secret) > 512 {
		return store.Client{}, errAuth
	}
	c, err := p.Clients.GetClient(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		// Spend the same comparison as a known client.
		subtle.ConstantTimeCompare(HashSecret(secret), HashSecret("x"))
		return store.Client{}, errAuth
	}
	if err != nil {
		return store.Client{}, err
	}
	if !c.Type.Confidential() {
		if secret != "" || basic {
			return store.Client{}, oauth2err.New(oauth2err.InvalidClient, "the authentication method does not match the client's registered method (none)")
		}
		AllowCORS(ctx, c)
		return c, nil
	}
	if secret == "" {
		return store.Client{}, errAuth
	}
	if !SecretMatches(c, secret, p.Time()) {
		return store.Client{}, errAuth
	}
	AllowCORS(ctx, c)
	return c, nil
}

// SecretMatches reports whether secret is one of c's live secrets. Every
// candidate is compared, live or not, with no early exit, so timing tells
// nothing about which secret (if any) matched (docs/security.md, TL-20).
func SecretMatches(c store.Client, secret string, now time.Time) bool {
	h := HashSecret(secret)
	ok := 0
	for _, s := range c.Secrets {
		match := subtle.ConstantTimeCompare(h, s.Hash)
		live := 0
		if s.Live(now) {
			live = 1
		}
		ok |= match & live
	}
	return ok == 1
}
