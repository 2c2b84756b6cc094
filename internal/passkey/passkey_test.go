package passkey_test

import (
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/mfa"
	"github.com/sesameauth/sesame/internal/passkey"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore/sqlitetest"
	"github.com/sesameauth/sesame/internal/testkit"
)

const (
	endpoint = "https://id.example.test:8443"
	rpID     = "id.example.test"
	origin   = "https://id.example.test:8443"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	svc  *passkey.Service
	st   store.Store
	clk  *clock
	logs *testkit.LogBuffer
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	st := sqlitetest.Open(t)
	clk := &clock{t: time.Now()}
	logs := &testkit.LogBuffer{}
	svc, err := passkey.New(endpoint, st, slog.New(slog.NewTextHandler(logs, nil)), clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{svc, st, clk, logs}
}

func (f fixture) user(t *testing.T, name string) store.User {
	t.Helper()
	n := time.Now()
	u := store.User{ID: "id-" + name, Username: name, CreatedAt: n, UpdatedAt: n}
	if err := f.st.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// register enrols a software authenticator for u through the service.
func (f fixture) register(t *testing.T, u store.User) *testkit.SoftAuthenticator {
	t.Helper()
	a := testkit.NewSoftAuthenticator(rpID, origin)
	a.UserHandle = []byte(u.ID)
	cc, ticket, err := f.svc.BeginRegistration(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	if cc.Response.RelyingParty.ID != rpID {
		t.Fatalf("rp.id = %q, want %q", cc.Response.RelyingParty.ID, rpID)
	}
	if _, err := f.svc.FinishRegistration(t.Context(), u, ticket, a.Create(cc.Response.Challenge), "Laptop"); err != nil {
		t.Fatalf("FinishRegistration: %v", err)
	}
	return a
}

func TestRegisterAndSignIn(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	u := f.user(t, "alice")
	a := f.register(t, u)

	ps, err := f.svc.List(ctx, u.ID)
	if err != nil || len(ps) != 1 || ps[0].Name != "Laptop" || !ps[0].UserVerified || ps[0].Transports[0] != "internal" {
		t.Fatalf("List = %+v, %v", ps, err)
	}
	if fs, _ := (&mfa.Service{Store: f.st, Others: []mfa.FactorSource{f.svc}}).Factors(ctx, u.ID); len(fs) != 1 || fs[0] != mfa.WebAuthn {
		t.Fatalf("mfa factors = %v, want [WebAuthn]", fs)
	}
	// The session's read of the user says the same (the SSO step-up asks
	// it there, docs/security.md SS-12).
	sess := store.Session{IDHash: []byte("passkey-session-hash-0123456789ab"), SID: "sid-pk", UserID: u.ID,
		AuthTime: time.Now(), CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	if err := f.st.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	if _, su, err := f.st.GetSessionUser(ctx, sess.IDHash); err != nil || su.SecondFactors == nil || !f.svc.EnrolledIn(*su.SecondFactors) {
		t.Fatalf("EnrolledIn the session's read = %+v, %v; want enrolled", su.SecondFactors, err)
	}

	// Passkey sign-in: no identifier, the passkey names the user.
	ca, ticket, err := f.svc.BeginDiscoverableLogin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ca.Response.AllowedCredentials) != 0 || ca.Response.UserVerification != "required" {
		t.Fatalf("discoverable options: %+v", ca.Response)
	}
	r, err := f.svc.FinishDiscoverableLogin(ctx, ticket, a.Get(ca.Response.Challenge))
	if err != nil {
		t.Fatalf("FinishDiscoverableLogin: %v", err)
	}
	if r.User.ID != u.ID || !r.UserVerified || strings.Join(r.AMR, " ") != "hwk user" || r.Passkey.SignCount != 1 {
		t.Fatalf("result = %+v", r)
	}

	// Second factor for the known user, without UV: "hwk" only.
	a.UV = false
	ca, ticket, err = f.svc.BeginLogin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if len(ca.Response.AllowedCredentials) != 1 {
		t.Fatalf("allowCredentials = %v", ca.Response.AllowedCredentials)
	}
	r, err = f.svc.FinishLogin(ctx, u.ID, ticket, a.Get(ca.Response.Challenge))
	if err != nil {
		t.Fatalf("FinishLogin: %v", err)
	}
	if r.User.ID != u.ID || r.UserVerified || strings.Join(r.AMR, " ") != "hwk" || r.Passkey.SignCount != 2 {
		t.Fatalf("result = %+v", r)
	}
	got, _ := f.st.GetPasskey(ctx, a.CredID)
	if got.SignCount != 2 || got.LastUsedAt.IsZero() {
		t.Fatalf("stored after use: %+v", got)
	}

	if err := f.svc.Rename(ctx, u.ID, a.CredID, "  Phone "); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Rename(ctx, u.ID, a.CredID, strings.Repeat("x", 65)); !errors.Is(err, passkey.ErrNameInvalid) {
		t.Fatalf("long name: %v", err)
	}
	if err := f.svc.Delete(ctx, "id-other", a.CredID); !errors.Is(err, passkey.ErrUnknownCredential) {
		t.Fatalf("Delete by another user: %v", err)
	}
	if err := f.svc.RemoveAll(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if has, _ := f.svc.Has(ctx, u.ID); has {
		t.Fatal("passkey left after RemoveAll")
	}
	if _, _, err := f.svc.BeginLogin(ctx, u); !errors.Is(err, passkey.ErrUnknownCredential) {
		t.Fatalf("BeginLogin without passkeys: %v", err)
	}
}

// UI-17 (docs/security.md): each forged or replayed response is refused.
func TestRefusedAssertions(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	u := f.user(t, "alice")
	a := f.register(t, u)

	try := func(name string, want error, edit func(a *testkit.SoftAuthenticator), discoverable bool) {
		t.Helper()
		b := *a
		edit(&b)
		var (
			ticket string
			chal   []byte
		)
		if discoverable {
			ca, tk, err := f.svc.BeginDiscoverableLogin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ticket, chal = tk, ca.Response.Challenge
		} else {
			ca, tk, err := f.svc.BeginLogin(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			ticket, chal = tk, ca.Response.Challenge
		}
		var err error
		if discoverable {
			_, err = f.svc.FinishDiscoverableLogin(ctx, ticket, b.Get(chal))
		} else {
			_, err = f.svc.FinishLogin(ctx, u.ID, ticket, b.Get(chal))
		}
		if !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", name, err, want)
		}
	}
	try("wrong origin", passkey.ErrInvalid, func(b *testkit.SoftAuthenticator) { b.Origin = "https://evil.example" }, false)
	try("origin of another port", passkey.ErrInvalid, func(b *testkit.SoftAuthenticator) { b.Origin = "https://id.example.test" }, false)
	try("wrong rpId", passkey.ErrInvalid, func(b *testkit.SoftAuthenticator) { b.RPID = "evil.example" }, false)
	try("UV missing when required", passkey.ErrInvalid, func(b *testkit.SoftAuthenticator) { b.UV = false }, true)
	try("another key", passkey.ErrInvalid, func(b *testkit.SoftAuthenticator) {
		b.Key = testkit.NewSoftAuthenticator(rpID, origin).Key
	}, false)
	try("unknown credential", passkey.ErrUnknownCredential, func(b *testkit.SoftAuthenticator) { b.CredID = []byte("nope") }, true)
	try("user handle of another user", passkey.ErrUnknownCredential, func(b *testkit.SoftAuthenticator) { b.UserHandle = []byte("id-bob") }, true)

	// Sign-count regression: a clone replays an older counter.
	a.SignCount = 10
	ca, ticket, _ := f.svc.BeginLogin(ctx, u)
	if _, err := f.svc.FinishLogin(ctx, u.ID, ticket, a.Get(ca.Response.Challenge)); err != nil {
		t.Fatalf("count 10: %v", err)
	}
	a.SignCount = 10
	try("same sign count", passkey.ErrCloned, func(*testkit.SoftAuthenticator) {}, false)
	a.SignCount = 4
	try("lower sign count", passkey.ErrCloned, func(*testkit.SoftAuthenticator) {}, false)
	if !strings.Contains(f.logs.String(), "sign count regression") {
		t.Errorf("no clone warning logged:\n%s", f.logs.String())
	}
	if p, _ := f.st.GetPasskey(ctx, a.CredID); p.SignCount != 10 {
		t.Errorf("stored count moved to %d on a refused assertion", p.SignCount)
	}
	a.SignCount = 11

	// Replayed challenge: the ticket is consumed by the first attempt,
	// whatever its outcome.
	ca, ticket, _ = f.svc.BeginLogin(ctx, u)
	resp := a.Get(ca.Response.Challenge)
	if _, err := f.svc.FinishLogin(ctx, u.ID, ticket, resp); err != nil {
		t.Fatalf("first use: %v", err)
	}
	if _, err := f.svc.FinishLogin(ctx, u.ID, ticket, resp); !errors.Is(err, passkey.ErrCeremony) {
		t.Errorf("replayed ticket: %v, want ErrCeremony", err)
	}
	// The same signed response under a fresh ceremony: challenge mismatch.
	_, ticket2, _ := f.svc.BeginLogin(ctx, u)
	if _, err := f.svc.FinishLogin(ctx, u.ID, ticket2, resp); !errors.Is(err, passkey.ErrInvalid) {
		t.Errorf("replayed response with a new challenge: %v, want ErrInvalid", err)
	}

	// A ceremony is bound to its purpose, its user and five minutes.
	ca, ticket, _ = f.svc.BeginLogin(ctx, u)
	if _, err := f.svc.FinishDiscoverableLogin(ctx, ticket, a.Get(ca.Response.Challenge)); !errors.Is(err, passkey.ErrCeremony) {
		t.Errorf("login ticket used for discoverable sign-in: %v", err)
	}
	ca, ticket, _ = f.svc.BeginLogin(ctx, u)
	if _, err := f.svc.FinishLogin(ctx, "id-bob", ticket, a.Get(ca.Response.Challenge)); !errors.Is(err, passkey.ErrCeremony) {
		t.Errorf("ticket of alice finished for bob: %v", err)
	}
	ca, ticket, _ = f.svc.BeginDiscoverableLogin(ctx)
	f.clk.Add(passkey.CeremonyTTL + time.Second)
	if _, err := f.svc.FinishDiscoverableLogin(ctx, ticket, a.Get(ca.Response.Challenge)); !errors.Is(err, passkey.ErrCeremony) {
		t.Errorf("expired ceremony: %v", err)
	}
	if _, err := f.svc.FinishDiscoverableLogin(ctx, "", []byte("{}")); !errors.Is(err, passkey.ErrCeremony) {
		t.Errorf("no ticket: %v", err)
	}
	_, ticket, _ = f.svc.BeginDiscoverableLogin(ctx)
	if _, err := f.svc.FinishDiscoverableLogin(ctx, ticket, []byte("not json")); !errors.Is(err, passkey.ErrInvalid) {
		t.Errorf("garbage response: %v", err)
	}
}

// A second-factor ceremony of alice accepts only alice's passkeys.
func TestSecondFactorOtherUsersPasskey(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	alice, bob := f.user(t, "alice"), f.user(t, "bob")
	f.register(t, alice)
	b := f.register(t, bob)
	ca, ticket, _ := f.svc.BeginLogin(ctx, alice)
	if _, err := f.svc.FinishLogin(ctx, alice.ID, ticket, b.Get(ca.Response.Challenge)); !errors.Is(err, passkey.ErrUnknownCredential) {
		t.Fatalf("bob's passkey for alice: %v", err)
	}
}

// UI-17/UI-13 (docs/security.md): registration checks origin, RP ID and
// challenge too, and a credential is registered once.
func TestRefusedRegistrations(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	u := f.user(t, "alice")
	for name, edit := range map[string]func(*testkit.SoftAuthenticator){
		"wrong origin": func(a *testkit.SoftAuthenticator) { a.Origin = "https://evil.example" },
		"wrong rpId":   func(a *testkit.SoftAuthenticator) { a.RPID = "evil.example" },
	} {
		a := testkit.NewSoftAuthenticator(rpID, origin)
		edit(a)
		cc, ticket, _ := f.svc.BeginRegistration(ctx, u)
		if _, err := f.svc.FinishRegistration(ctx, u, ticket, a.Create(cc.Response.Challenge), ""); !errors.Is(err, passkey.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	a := testkit.NewSoftAuthenticator(rpID, origin)
	cc, ticket, _ := f.svc.BeginRegistration(ctx, u)
	resp := a.Create(cc.Response.Challenge)
	if _, err := f.svc.FinishRegistration(ctx, u, "other-ticket", resp, ""); !errors.Is(err, passkey.ErrCeremony) {
		t.Errorf("unknown ticket: %v", err)
	}
	bob := f.user(t, "bob")
	if _, err := f.svc.FinishRegistration(ctx, bob, ticket, resp, ""); !errors.Is(err, passkey.ErrCeremony) {
		t.Errorf("alice's ticket for bob: %v", err)
	}
	cc, ticket, _ = f.svc.BeginRegistration(ctx, u)
	p, err := f.svc.FinishRegistration(ctx, u, ticket, a.Create(cc.Response.Challenge), "")
	if err != nil || p.Name != "Passkey" {
		t.Fatalf("FinishRegistration = %+v, %v", p, err)
	}
	// The existing passkey is excluded, and storing it twice is refused.
	cc, ticket, _ = f.svc.BeginRegistration(ctx, u)
	if len(cc.Response.CredentialExcludeList) != 1 {
		t.Errorf("excludeCredentials = %v", cc.Response.CredentialExcludeList)
	}
	if _, err := f.svc.FinishRegistration(ctx, u, ticket, a.Create(cc.Response.Challenge), ""); !errors.Is(err, passkey.ErrAlreadyRegistered) {
		t.Errorf("same credential again: %v", err)
	}
}

func TestNewRefusesBadEndpoint(t *testing.T) {
	if _, err := passkey.New("http://127.0.0.1:3001", nil, nil, nil); !errors.Is(err, passkey.ErrIPEndpoint) {
		t.Errorf("IP endpoint: %v, want ErrIPEndpoint", err)
	}
	for _, e := range []string{"", "id.example.test", "ftp://id.example.test", "https://"} {
		if _, err := passkey.New(e, nil, nil, nil); err == nil {
			t.Errorf("New(%q) accepted", e)
		}
	}
}
