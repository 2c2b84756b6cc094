package keys_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/sesameauth/sesame/internal/oidc/keys"
	"github.com/sesameauth/sesame/internal/store/sqlstore/sqlitetest"
)

var master = []byte("test-master-secret-0123456789abcdef")

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func kids(t *testing.T, m *keys.Manager) []string {
	b, err := m.JWKS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	json.Unmarshal(b, &set)
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.KeyID)
	}
	return out
}

func signedKid(t *testing.T, m *keys.Manager) (string, string) {
	tok, err := m.Sign(context.Background(), "JWT", map[string]any{"iss": "x"})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.ES384, jose.ES256, jose.RS256})
	return tok, p.Signatures[0].Header.KeyID
}

func TestRotation(t *testing.T) {
	ctx := context.Background()
	st := sqlitetest.Open(t)
	clk := &clock{t: time.Now()}
	m := keys.New(st, master, keys.Options{PublishDelay: time.Minute, Retention: time.Hour, Refresh: time.Second, Now: clk.Now})
	if err := m.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	first := kids(t, m)
	if len(first) != 1 {
		t.Fatalf("first start publishes %d keys", len(first))
	}
	oldTok, kid := signedKid(t, m)
	if kid != first[0] {
		t.Fatal("signing kid is not the published one")
	}
	if _, err := m.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	// Published at once, not yet signing.
	if got := kids(t, m); len(got) != 2 {
		t.Fatalf("after rotation JWKS has %d keys, want 2", len(got))
	}
	if _, k := signedKid(t, m); k != first[0] {
		t.Fatal("new key signs before its publish delay")
	}
	// A second manager (another replica) agrees.
	other := keys.New(st, master, keys.Options{Refresh: time.Second, Now: clk.Now})
	if err := other.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Add(61 * time.Second)
	_, newKid := signedKid(t, m)
	_, otherKid := signedKid(t, other)
	if newKid == first[0] || otherKid != newKid {
		t.Fatalf("after the delay: signs with %s / %s, old %s", newKid, otherKid, first[0])
	}
	// Tokens of the old key still verify while it is retained.
	if _, err := other.Verify(ctx, oldTok); err != nil {
		t.Fatalf("old token no longer verifies: %v", err)
	}
	// After retention the old key leaves the JWKS and the store.
	clk.Add(time.Hour + time.Minute)
	if n, err := st.GarbageCollect(ctx, clk.Now()); err != nil || n == 0 {
		t.Fatalf("GC removed %d rows (%v)", n, err)
	}
	if got := kids(t, m); len(got) != 1 || got[0] != newKid {
		t.Fatalf("JWKS after retention %v, want only %s", got, newKid)
	}
	if _, err := m.Verify(ctx, oldTok); err == nil {
		t.Fatal("token of a removed key verifies")
	}
}

func TestAlgorithms(t *testing.T) {
	for alg, crv := range map[string]string{"ES384": "P-384", "ES256": "P-256", "RS256": ""} {
		t.Run(alg, func(t *testing.T) {
			m := keys.New(sqlitetest.Open(t), master, keys.Options{Alg: alg})
			if err := m.Ensure(context.Background()); err != nil {
				t.Fatal(err)
			}
			tok, _ := signedKid(t, m)
			p, _ := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
			if p == nil || p.Signatures[0].Header.Algorithm != alg {
				t.Fatalf("token not signed with %s", alg)
			}
			if _, err := m.Verify(context.Background(), tok); err != nil {
				t.Fatal(err)
			}
			b, _ := m.JWKS(context.Background())
			if crv != "" && !strings.Contains(string(b), crv) {
				t.Errorf("JWKS %s lacks %s", b, crv)
			}
		})
	}
}

func TestVerifyRejectsForgeries(t *testing.T) {
	ctx := context.Background()
	m := keys.New(sqlitetest.Open(t), master, keys.Options{})
	m.Ensure(ctx)
	good, kid := signedKid(t, m)
	parts := strings.Split(good, ".")
	// alg=none with our kid.
	hdr, _ := json.Marshal(map[string]string{"alg": "none", "kid": kid})
	none := base64.RawURLEncoding.EncodeToString(hdr) + "." + parts[1] + "."
	// Signed by a foreign key that claims our kid.
	foreignKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES384, Key: jose.JSONWebKey{Key: foreignKey, KeyID: kid}}, nil)
	foreign, _ := jwt.Signed(s).Claims(map[string]any{"iss": "x"}).Serialize()
	// HS256 keyed with garbage.
	hs, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte("0123456789abcdef0123456789abcdef")}, (&jose.SignerOptions{}).WithHeader("kid", kid))
	hmac, _ := jwt.Signed(hs).Claims(map[string]any{"iss": "x"}).Serialize()
	for name, tok := range map[string]string{
		"tampered payload": parts[0] + "." + parts[1] + "x." + parts[2],
		"alg none":         none,
		"foreign key":      foreign,
		"hs256":            hmac,
		"garbage":          "a.b.c",
		"unknown kid path": strings.Replace(good, parts[0], "eyJhbGciOiJFUzM4NCIsImtpZCI6Ii4uLy4uL2V0Yy9wYXNzd2QifQ", 1),
	} {
		if _, err := m.Verify(ctx, tok); !errors.Is(err, keys.ErrInvalid) {
			t.Errorf("%s: Verify = %v, want ErrInvalid", name, err)
		}
	}
}

func TestWrongSecretFailsLoudly(t *testing.T) {
	st := sqlitetest.Open(t)
	keys.New(st, master, keys.Options{}).Ensure(context.Background())
	err := keys.New(st, []byte("another-master-secret-0123456789abc"), keys.Options{}).Ensure(context.Background())
	if err == nil || !strings.Contains(err.Error(), "SESAME_SECRET") {
		t.Fatalf("opening keys with the wrong secret: %v", err)
	}
}

func TestHalfHash(t *testing.T) {
	// OIDC Core example for RS256/ES256 style: left half of SHA-256.
	if got := keys.HalfHash("ES256", "jHkWEdUXMU1BwAsC4vtUsZwnNmu0xpHE1-LISVhL7gM"); len(got) != 22 {
		t.Errorf("ES256 at_hash length %d", len(got))
	}
	if got := keys.HalfHash("ES384", "x"); len(got) != 32 {
		t.Errorf("ES384 at_hash length %d", len(got))
	}
}

// TestReplicasBootstrapOneKey: managers starting together on an empty
// store end up with one key, and every one of them signs with it.
func TestReplicasBootstrapOneKey(t *testing.T) {
	st := sqlitetest.Open(t)
	ms := make([]*keys.Manager, 4)
	var wg sync.WaitGroup
	for i := range ms {
		ms[i] = keys.New(st, master, keys.Options{})
		wg.Go(func() {
			if err := ms[i].Ensure(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	_, want := signedKid(t, ms[0])
	for i, m := range ms {
		if got := kids(t, m); len(got) != 1 || got[0] != want {
			t.Fatalf("replica %d publishes %v, want only %s", i, got, want)
		}
	}
}

// TestNoSigningBeforeEveryReplicaReloaded: even a rotation with no publish
// delay (keys rotate --key-publish-delay 0) does not sign with the new key
// until it has been stored for one refresh interval, the longest any
// replica can go without loading it.
func TestNoSigningBeforeEveryReplicaReloaded(t *testing.T) {
	ctx := context.Background()
	st := sqlitetest.Open(t)
	clk := &clock{t: time.Now()}
	m := keys.New(st, master, keys.Options{PublishDelay: time.Nanosecond, Refresh: 10 * time.Second, Now: clk.Now})
	m.Ensure(ctx)
	_, old := signedKid(t, m)
	m.Rotate(ctx)
	clk.Add(5 * time.Second)
	if _, k := signedKid(t, m); k != old {
		t.Fatal("signed with a key younger than the refresh interval")
	}
	clk.Add(6 * time.Second)
	if _, k := signedKid(t, m); k == old {
		t.Fatal("new key never took over")
	}
}
