package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/sesameauth/sesame/internal/lru"
	"github.com/sesameauth/sesame/internal/secret"
	"github.com/sesameauth/sesame/internal/store"
)

// Supported signing algorithms. ES384 is Logto's default.
var Supported = []string{"ES384", "ES256", "RS256"}

// SupportedAlg reports whether alg can be configured.
func SupportedAlg(alg string) bool {
	for _, a := range Supported {
		if a == alg {
			return true
		}
	}
	return false
}

// Options configure a Manager. Zero values take the defaults.
type Options struct {
	Alg          string        // default ES384
	PublishDelay time.Duration // default 2m
	Retention    time.Duration // default 25h (longer than any token TTL)
	Refresh      time.Duration // default 30s
	Now          func() time.Time
	// Previous are master secrets that still open private keys during a
	// change-over of the master secret (sesame secret rotate); new keys
	// are sealed under master only.
	Previous [][]byte
}

// Purpose is the secret.Box purpose that seals private keys at rest.
const Purpose = "signing-keys"

// Manager is safe for concurrent use.
type Manager struct {
	st   store.Keys
	box  *secret.Box
	opts Options

	ring       atomic.Pointer[keyring]
	mu         sync.Mutex // serialises reloads
	lastReload atomic.Int64

	// verified remembers JWTs whose signature checked out, by the SHA-256
	// of the whole token, with the key that signed: a resource server or
	// the console presents the same access token many times, and one
	// signature check (60–600 µs) costs as much as the rest of the request.
	// An entry counts only while its key is still in the set.
	verified *lru.Map[[sha256.Size]byte, verifiedJWT]
}

type key struct {
	meta    store.SigningKey
	public  jose.JSONWebKey
	private crypto.Signer
	signers map[string]jose.Signer // by JWT typ
}

type keyring struct {
	loaded time.Time
	keys   []*key // oldest activation first
	byID   map[string]*key
	jwks   []byte
}

// New returns a Manager over st; private keys are sealed under master.
func New(st store.Keys, master []byte, opts Options) *Manager {
	if opts.Alg == "" {
		opts.Alg = "ES384"
	}
	if opts.PublishDelay == 0 {
		opts.PublishDelay = 2 * time.Minute
	}
	if opts.Retention == 0 {
		opts.Retention = 25 * time.Hour
	}
	if opts.Refresh == 0 {
		opts.Refresh = 30 * time.Second
		// Every replica must load a rotated-in key well before it signs.
		if q := opts.PublishDelay / 4; q < opts.Refresh {
			opts.Refresh = max(q, 500*time.Millisecond)
		}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Manager{st: st, box: secret.NewBox(master, Purpose, opts.Previous...), opts: opts,
		verified: lru.New[[sha256.Size]byte, verifiedJWT](verifiedCacheSize)}
}

// Ensure makes sure an active key exists, creating the first one on a new
// database (it signs at once: nothing can have cached an older set).
func (m *Manager) Ensure(ctx context.Context) error {
	r, err := m.reload(ctx)
	if err != nil {
		return err
	}
	if r.active(m.opts.Now(), m.opts.Refresh) != nil {
		return nil
	}
	if len(r.keys) == 0 {
		// A new database: the first key signs at once (nothing can have
		// cached an older set), and only one replica may create it.
		k, err := m.newKey(m.opts.Alg, "", m.opts.Now())
		if err != nil {
			return err
		}
		if _, err := m.st.CreateFirstKey(ctx, k); err != nil {
			return err
		}
	} else if _, err := m.create(ctx, m.opts.Alg, "", m.opts.Now()); err != nil {
		// Keys exist but none signs yet (all pending): make one that does.
		return err
	}
	_, err = m.reload(ctx)
	return err
}

// Rotate rotates every algorithm: it adds a key of the configured
// algorithm that signs by default, and a new key for every algorithm that
// apps may register (an unretired key with Purpose store.KeyForAlg) other
// than that one, each published now and signing after PublishDelay, and
// schedules every older key for removal Retention after that. It returns
// the new default key.
func (m *Manager) Rotate(ctx context.Context) (store.SigningKey, error) {
	now := m.opts.Now()
	activates := now.Add(m.opts.PublishDelay)
	k, err := m.create(ctx, m.opts.Alg, "", activates)
	if err != nil {
		return store.SigningKey{}, err
	}
	keep := []string{k.ID}
	rows, err := m.st.ListKeys(ctx)
	if err != nil {
		return store.SigningKey{}, err
	}
	done := map[string]bool{m.opts.Alg: true}
	for _, row := range rows {
		if row.Purpose != store.KeyForAlg || !row.RetiredAt.IsZero() || done[row.Alg] {
			continue
		}
		done[row.Alg] = true
		ak, err := m.create(ctx, row.Alg, store.KeyForAlg, activates)
		if err != nil {
			return store.SigningKey{}, err
		}
		keep = append(keep, ak.ID)
	}
	if err := m.st.RetireKeys(ctx, keep, now, activates.Add(m.opts.Retention)); err != nil {
		return store.SigningKey{}, err
	}
	_, err = m.reload(ctx)
	return k, err
}

// EnsureAlg makes sure apps registered with alg can get ID tokens signed
// with it: unless the default key has that algorithm, a key of purpose
// store.KeyForAlg is created, atomically across replicas, that signs at
// once (the first of its algorithm: no relying party can have cached a
// set with an older one). Every server keeps one for RS256, which OpenID
// Connect Discovery requires.
func (m *Manager) EnsureAlg(ctx context.Context, alg string) error {
	if !SupportedAlg(alg) {
		return fmt.Errorf("keys: unsupported algorithm %q", alg)
	}
	r, err := m.current(ctx)
	if err != nil {
		return err
	}
	if r.forAlg(alg, m.opts.Now(), m.opts.Refresh) != nil {
		return nil
	}
	k, err := m.newKey(alg, store.KeyForAlg, m.opts.Now())
	if err != nil {
		return err
	}
	if _, err := m.st.CreateKeyIfNone(ctx, k); err != nil {
		return err
	}
	_, err = m.reload(ctx)
	return err
}

func (m *Manager) create(ctx context.Context, alg, purpose string, activates time.Time) (store.SigningKey, error) {
	k, err := m.newKey(alg, purpose, activates)
	if err != nil {
		return store.SigningKey{}, err
	}
	return k, m.st.CreateKey(ctx, k)
}

// newKey generates a key of alg that signs from activates, sealed for
// storage.
func (m *Manager) newKey(alg, purpose string, activates time.Time) (store.SigningKey, error) {
	priv, err := generate(alg)
	if err != nil {
		return store.SigningKey{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return store.SigningKey{}, err
	}
	pub := jose.JSONWebKey{Key: priv.Public(), Algorithm: alg, Use: "sig"}
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return store.SigningKey{}, err
	}
	k := store.SigningKey{
		ID:          base64.RawURLEncoding.EncodeToString(tp),
		Alg:         alg,
		PrivateKey:  m.box.Seal(der),
		CreatedAt:   m.opts.Now(),
		ActivatesAt: activates,
		Purpose:     purpose,
	}
	return k, nil
}

func generate(alg string) (crypto.Signer, error) {
	switch alg {
	case "ES384":
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "ES256":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "RS256":
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	return nil, fmt.Errorf("keys: unsupported algorithm %q", alg)
}

// reload reads the key set from the store and swaps it in.
func (m *Manager) reload(ctx context.Context) (*keyring, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rows, err := m.st.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	now := m.opts.Now()
	r := &keyring{loaded: now, byID: map[string]*key{}}
	old := m.ring.Load()
	for _, row := range rows {
		if !row.ExpiresAt.IsZero() && !now.Before(row.ExpiresAt) {
			continue
		}
		if old != nil && old.byID[row.ID] != nil {
			k := *old.byID[row.ID]
			k.meta = row
			r.keys = append(r.keys, &k)
			continue
		}
		k, err := m.open(row)
		if err != nil {
			return nil, fmt.Errorf("keys: key %s: %w", row.ID, err)
		}
		r.keys = append(r.keys, k)
	}
	sort.SliceStable(r.keys, func(i, j int) bool { return r.keys[i].meta.ActivatesAt.Before(r.keys[j].meta.ActivatesAt) })
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	for _, k := range r.keys {
		r.byID[k.meta.ID] = k
		set.Keys = append(set.Keys, k.public)
	}
	if r.jwks, err = json.Marshal(set); err != nil {
		return nil, err
	}
	m.ring.Store(r)
	m.lastReload.Store(now.UnixNano())
	return r, nil
}

func (m *Manager) open(row store.SigningKey) (*key, error) {
	der, err := m.box.Open(row.PrivateKey)
	if err != nil {
		return nil, errors.New("cannot decrypt private key: is SESAME_SECRET the one it was created with?")
	}
	p, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	signer, ok := p.(crypto.Signer)
	if !ok {
		return nil, errors.New("not a signing key")
	}
	k := &key{meta: row, private: signer, signers: map[string]jose.Signer{},
		public: jose.JSONWebKey{Key: signer.Public(), KeyID: row.ID, Algorithm: row.Alg, Use: "sig"}}
	for _, typ := range []string{"JWT", "at+jwt", "logout+jwt"} {
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(row.Alg),
			Key: jose.JSONWebKey{Key: signer, KeyID: row.ID}},
			(&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
		if err != nil {
			return nil, err
		}
		k.signers[typ] = s
	}
	return k, nil
}

// active returns the key that signs by default at now: the newest
// default-purpose key already activated that has also been stored for at
// least one refresh interval, so every replica (each reloads at least that
// often) publishes it before anyone signs with it, whatever publish delay
// the rotation asked for. A key set's first key is exempt: no replica can
// have published an older set.
func (r *keyring) active(now time.Time, refresh time.Duration) *key {
	return r.newest(now, refresh, func(k *key) bool { return k.meta.Purpose == "" })
}

// forAlg returns the key that signs ID tokens with alg at now: the default
// key when it has that algorithm, else the newest usable key of purpose
// store.KeyForAlg and that algorithm (the first of them exempt from the
// wait, as the set's first key is).
func (r *keyring) forAlg(alg string, now time.Time, refresh time.Duration) *key {
	if a := r.active(now, refresh); a != nil && a.meta.Alg == alg {
		return a
	}
	return r.newest(now, refresh, func(k *key) bool { return k.meta.Purpose == store.KeyForAlg && k.meta.Alg == alg })
}

func (r *keyring) newest(now time.Time, refresh time.Duration, in func(*key) bool) *key {
	var a *key
	first := true
	for _, k := range r.keys {
		if !in(k) {
			continue
		}
		// The first key signs whatever its activation time says: no
		// relying party can have cached an older set, and a replica whose
		// clock is behind the one that created it must not find "no
		// active key" and make another (docs/design.md, "Signing keys
		// per algorithm").
		if first || (!k.meta.ActivatesAt.After(now) && now.Sub(k.meta.CreatedAt) >= refresh) {
			a = k
		}
		first = false
	}
	return a
}

// current returns the key set, reloading it when older than Refresh.
func (m *Manager) current(ctx context.Context) (*keyring, error) {
	r := m.ring.Load()
	if r != nil && m.opts.Now().Sub(r.loaded) < m.opts.Refresh {
		return r, nil
	}
	nr, err := m.reload(ctx)
	if err != nil {
		if r != nil {
			// Keep serving the last good set while the database is away;
			// it is at most one refresh stale.
			return r, nil
		}
		return nil, err
	}
	return nr, nil
}

// Alg is the configured signing algorithm.
func (m *Manager) Alg() string { return m.opts.Alg }

// Algs lists every algorithm a published key may sign with: the configured
// one first, then the others Sesame can sign with. A rotation may bring in
// a key of another algorithm (keys rotate --signing-alg), and relying
// parties that read the discovery document once (go-oidc) must still
// accept its tokens.
func (m *Manager) Algs() []string {
	out := []string{m.opts.Alg}
	for _, a := range Supported {
		if a != m.opts.Alg {
			out = append(out, a)
		}
	}
	return out
}

// Sign serialises claims as a compact JWS with the active key. typ is the
// JOSE header typ: "JWT" for ID tokens, "at+jwt" for access tokens.
func (m *Manager) Sign(ctx context.Context, typ string, claims any) (string, error) {
	return m.SignFor(ctx, typ, func(string) any { return claims })
}

// SignFor is Sign for claims that depend on the algorithm of the key that
// signs (at_hash, c_hash): build gets that key's algorithm, which after a
// rotation need not be the configured one.
func (m *Manager) SignFor(ctx context.Context, typ string, build func(alg string) any) (string, error) {
	return m.SignWith(ctx, "", typ, build)
}

// SignWith is SignFor with the key for alg (an app's registered
// id_token_signed_response_alg); "" is the default key. A missing key of
// a supported algorithm is created first (EnsureAlg).
func (m *Manager) SignWith(ctx context.Context, alg, typ string, build func(alg string) any) (string, error) {
	r, err := m.current(ctx)
	if err != nil {
		return "", err
	}
	var k *key
	if alg == "" {
		k = r.active(m.opts.Now(), m.opts.Refresh)
	} else if k = r.forAlg(alg, m.opts.Now(), m.opts.Refresh); k == nil {
		if err := m.EnsureAlg(ctx, alg); err != nil {
			return "", err
		}
		if r, err = m.current(ctx); err != nil {
			return "", err
		}
		k = r.forAlg(alg, m.opts.Now(), m.opts.Refresh)
	}
	if k == nil {
		return "", errors.New("keys: no active signing key")
	}
	s := k.signers[typ]
	if s == nil {
		return "", fmt.Errorf("keys: unsupported typ %q", typ)
	}
	// The claims are encoded once and signed as they are: go-jose's JWT
	// builder would encode, decode into a map and encode them again.
	payload, err := json.Marshal(build(k.meta.Alg))
	if err != nil {
		return "", err
	}
	obj, err := s.Sign(payload)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

// JWKS returns the public key set as JSON.
func (m *Manager) JWKS(ctx context.Context) ([]byte, error) {
	r, err := m.current(ctx)
	if err != nil {
		return nil, err
	}
	return r.jwks, nil
}
