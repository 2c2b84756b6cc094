package mfa_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/sesameauth/sesame/internal/mfa"
	"github.com/sesameauth/sesame/internal/secret"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore/sqlitetest"
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

func newService(t testing.TB) (*mfa.Service, store.Store, *clock) {
	t.Helper()
	st := sqlitetest.Open(t)
	c := &clock{t: time.Unix(1_800_000_000, 0)} // the start of a step
	return &mfa.Service{Store: st, Box: secret.NewBox([]byte("master-secret-for-tests-0123456789"), mfa.BoxPurpose),
		Issuer: "Sesame test", Now: c.Now}, st, c
}

func newUser(t testing.TB, st store.Store, name string) store.User {
	t.Helper()
	n := time.Now()
	u := store.User{ID: "id-" + name, Username: name, CreatedAt: n, UpdatedAt: n}
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func code(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrol runs BeginTOTP and ConfirmTOTP with a code of the clock's step and
// returns the secret.
func enrol(t testing.TB, s *mfa.Service, u store.User, c *clock) string {
	t.Helper()
	e, err := s.BeginTOTP(u)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ConfirmTOTP(context.Background(), u.ID, e.Secret, code(t, e.Secret, c.Now())); err != nil {
		t.Fatalf("ConfirmTOTP: %v", err)
	}
	return e.Secret
}

func TestBeginTOTP(t *testing.T) {
	s, st, _ := newService(t)
	u := newUser(t, st, "alice")
	e, err := s.BeginTOTP(u)
	if err != nil {
		t.Fatal(err)
	}
	key, err := otp.NewKeyFromURL(e.URL)
	if err != nil {
		t.Fatal(err)
	}
	if key.Secret() != e.Secret || key.Issuer() != "Sesame test" || key.AccountName() != "alice" ||
		key.Period() != 30 || key.Digits() != otp.DigitsSix || key.Algorithm() != otp.AlgorithmSHA1 || len(e.Secret) != 32 {
		t.Fatalf("enrolment %+v, key %v", e, key)
	}
	if !strings.HasPrefix(string(e.QR), "\x89PNG") || !strings.HasPrefix(e.QRDataURL(), "data:image/png;base64,") {
		t.Fatal("QR is not a PNG data URL")
	}
	e2, _ := s.BeginTOTP(u)
	if e2.Secret == e.Secret {
		t.Fatal("two enrolments drew the same secret")
	}
	// Nothing is stored before ConfirmTOTP.
	if fs, _ := s.Factors(t.Context(), u.ID); len(fs) != 0 {
		t.Fatalf("factors before confirmation: %v", fs)
	}
}

func TestConfirmTOTP(t *testing.T) {
	s, st, c := newService(t)
	ctx := t.Context()
	u := newUser(t, st, "alice")
	e, _ := s.BeginTOTP(u)
	if err := s.ConfirmTOTP(ctx, u.ID, e.Secret, code(t, e.Secret, c.Now().Add(time.Hour))); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Fatalf("wrong code: %v", err)
	}
	if err := s.ConfirmTOTP(ctx, u.ID, "JBSWY3DPEHPK3PXP", code(t, "JBSWY3DPEHPK3PXP", c.Now())); !errors.Is(err, mfa.ErrBadSecret) {
		t.Fatalf("short secret: %v", err)
	}
	// A pasted code with spaces is accepted.
	k := code(t, e.Secret, c.Now())
	if err := s.ConfirmTOTP(ctx, u.ID, e.Secret, k[:3]+" "+k[3:]); err != nil {
		t.Fatalf("ConfirmTOTP: %v", err)
	}
	if fs, _ := s.Factors(ctx, u.ID); !slices.Equal(fs, []mfa.Factor{mfa.TOTP}) {
		t.Fatalf("factors = %v", fs)
	}
	// The enrolment code is spent: it cannot sign in.
	if err := s.VerifyTOTP(ctx, u.ID, k); !errors.Is(err, mfa.ErrReplayed) {
		t.Fatalf("enrolment code at sign-in: %v, want ErrReplayed", err)
	}
	e2, _ := s.BeginTOTP(u)
	if err := s.ConfirmTOTP(ctx, u.ID, e2.Secret, code(t, e2.Secret, c.Now())); !errors.Is(err, mfa.ErrAlreadyEnrolled) {
		t.Fatalf("second enrolment: %v", err)
	}
}

// TestVerifyTOTPReplay: UI-10 (docs/security.md).
func TestVerifyTOTPReplay(t *testing.T) {
	s, st, c := newService(t)
	ctx := t.Context()
	u := newUser(t, st, "alice")
	sec := enrol(t, s, u, c)
	if err := s.VerifyTOTP(ctx, "id-nobody", "123456"); !errors.Is(err, mfa.ErrNotEnrolled) {
		t.Fatalf("no TOTP: %v", err)
	}
	c.Add(30 * time.Second)
	k := code(t, sec, c.Now())
	if err := s.VerifyTOTP(ctx, u.ID, k); err != nil {
		t.Fatalf("VerifyTOTP: %v", err)
	}
	if err := s.VerifyTOTP(ctx, u.ID, k); !errors.Is(err, mfa.ErrReplayed) {
		t.Fatalf("same code again: %v, want ErrReplayed", err)
	}
	// The previous step's code is within the skew but older than the
	// accepted one: refused.
	if err := s.VerifyTOTP(ctx, u.ID, code(t, sec, c.Now().Add(-30*time.Second))); !errors.Is(err, mfa.ErrReplayed) {
		t.Fatalf("earlier step: %v", err)
	}
	// Skew: the next step's code (a fast phone clock) is accepted once.
	next := code(t, sec, c.Now().Add(30*time.Second))
	if err := s.VerifyTOTP(ctx, u.ID, next); err != nil {
		t.Fatalf("next step: %v", err)
	}
	// Two steps away is outside the skew.
	c.Add(5 * time.Minute)
	if err := s.VerifyTOTP(ctx, u.ID, code(t, sec, c.Now().Add(-2*30*time.Second))); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Fatalf("two steps old: %v", err)
	}
	if err := s.VerifyTOTP(ctx, u.ID, "12345"); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Fatalf("short code: %v", err)
	}
}

// TestVerifyTOTPConcurrent: N requests with one valid code at once (UI-10):
// exactly one is accepted.
func TestVerifyTOTPConcurrent(t *testing.T) {
	s, st, c := newService(t)
	u := newUser(t, st, "alice")
	sec := enrol(t, s, u, c)
	c.Add(30 * time.Second)
	k := code(t, sec, c.Now())
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() { <-start; errs[i] = s.VerifyTOTP(context.Background(), u.ID, k) })
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else if !errors.Is(err, mfa.ErrReplayed) {
			t.Fatalf("VerifyTOTP: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d concurrent uses won, want 1", won, n)
	}
}

func TestSealedSecretBoundToUser(t *testing.T) {
	s, st, c := newService(t)
	ctx := t.Context()
	a, b := newUser(t, st, "alice"), newUser(t, st, "bob")
	sec := enrol(t, s, a, c)
	ta, _ := st.GetTOTP(ctx, a.ID)
	if strings.Contains(string(ta.Secret), sec) {
		t.Fatal("secret stored in clear")
	}
	// Bob's row holding Alice's sealed secret does not open.
	if err := st.CreateTOTP(ctx, store.TOTP{UserID: b.ID, Secret: ta.Secret, CreatedAt: c.Now()}); err != nil {
		t.Fatal(err)
	}
	c.Add(30 * time.Second)
	if err := s.VerifyTOTP(ctx, b.ID, code(t, sec, c.Now())); err == nil {
		t.Fatal("another user's sealed secret verified")
	}
}

func TestBackupCodes(t *testing.T) {
	s, st, c := newService(t)
	ctx := t.Context()
	u := newUser(t, st, "alice")
	enrol(t, s, u, c)
	codes, err := s.GenerateBackupCodes(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != mfa.BackupCodeCount || len(slices.Compact(slices.Sorted(slices.Values(codes)))) != mfa.BackupCodeCount {
		t.Fatalf("codes = %v", codes)
	}
	for _, k := range codes {
		if len(k) != 14 || strings.Count(k, "-") != 2 {
			t.Fatalf("code %q not xxxx-xxxx-xxxx", k)
		}
	}
	// Typed in upper case without dashes: accepted once.
	if err := s.UseBackupCode(ctx, u.ID, strings.ToUpper(strings.ReplaceAll(codes[0], "-", " "))); err != nil {
		t.Fatalf("UseBackupCode: %v", err)
	}
	if err := s.UseBackupCode(ctx, u.ID, codes[0]); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Fatalf("used code: %v", err)
	}
	if err := s.UseBackupCode(ctx, u.ID, "abcd-efgh-jkmn"); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Fatalf("wrong code: %v", err)
	}
	if n, _ := s.BackupCodesLeft(ctx, u.ID); n != 9 {
		t.Fatalf("left = %d", n)
	}
	if fs, _ := s.Factors(ctx, u.ID); !slices.Equal(fs, []mfa.Factor{mfa.TOTP, mfa.BackupCode}) {
		t.Fatalf("factors = %v", fs)
	}
	// Regenerating replaces all.
	fresh, _ := s.GenerateBackupCodes(ctx, u.ID)
	if err := s.UseBackupCode(ctx, u.ID, codes[1]); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Fatalf("old code after regeneration: %v", err)
	}
	if err := s.UseBackupCode(ctx, u.ID, fresh[1]); err != nil {
		t.Fatalf("fresh code: %v", err)
	}
}

func TestRemoveAndReset(t *testing.T) {
	s, st, c := newService(t)
	ctx := t.Context()
	u := newUser(t, st, "alice")
	if err := s.Remove(ctx, u.ID, mfa.TOTP); !errors.Is(err, mfa.ErrNotEnrolled) {
		t.Fatalf("Remove unenrolled: %v", err)
	}
	enrol(t, s, u, c)
	s.GenerateBackupCodes(ctx, u.ID)
	if err := s.Remove(ctx, u.ID, mfa.BackupCode); err != nil {
		t.Fatal(err)
	}
	if fs, _ := s.Factors(ctx, u.ID); !slices.Equal(fs, []mfa.Factor{mfa.TOTP}) {
		t.Fatalf("factors = %v", fs)
	}
	s.GenerateBackupCodes(ctx, u.ID)
	// Removing the last real factor takes the backup codes with it.
	if err := s.Remove(ctx, u.ID, mfa.TOTP); err != nil {
		t.Fatal(err)
	}
	if fs, _ := s.Factors(ctx, u.ID); len(fs) != 0 {
		t.Fatalf("factors after removing TOTP = %v", fs)
	}
	enrol(t, s, u, c)
	s.GenerateBackupCodes(ctx, u.ID)
	if err := s.ResetAll(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if fs, _ := s.Factors(ctx, u.ID); len(fs) != 0 {
		t.Fatalf("factors after ResetAll = %v", fs)
	}
	if err := s.ResetAll(ctx, u.ID); err != nil {
		t.Fatalf("ResetAll without factors: %v", err)
	}
}

func TestNext(t *testing.T) {
	s, st, c := newService(t)
	ctx := t.Context()
	plain, enrolled := newUser(t, st, "plain"), newUser(t, st, "enrolled")
	enrol(t, s, enrolled, c)
	off := mfa.Policy{Factors: []mfa.Factor{}, Policy: mfa.UserControlled}
	mandatory := mfa.Policy{Factors: []mfa.Factor{mfa.TOTP, mfa.BackupCode}, Policy: mfa.Mandatory}
	for _, tc := range []struct {
		name string
		user string
		p    mfa.Policy
		acr  []string
		want mfa.Step
	}{
		{"default, none enrolled", plain.ID, mfa.DefaultPolicy(), nil, mfa.Done},
		{"default, enrolled", enrolled.ID, mfa.DefaultPolicy(), nil, mfa.Challenge},
		{"off, enrolled still asked", enrolled.ID, off, nil, mfa.Challenge},
		{"off, none enrolled, loa2", plain.ID, off, []string{mfa.LoA2}, mfa.Done},
		{"default, none enrolled, loa2", plain.ID, mfa.DefaultPolicy(), []string{"urn:other", mfa.LoA2}, mfa.Enrol},
		{"mandatory, none enrolled", plain.ID, mandatory, nil, mfa.Enrol},
		{"mandatory, enrolled", enrolled.ID, mandatory, nil, mfa.Challenge},
	} {
		got, err := s.Next(ctx, tc.user, tc.p, tc.acr)
		if err != nil || got != tc.want {
			t.Errorf("%s: Next = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	// SS-12: a session without a second factor cannot be reused for an
	// enrolled user or a LoA2 request; one with "mfa" can.
	for _, tc := range []struct {
		name string
		user string
		amr  []string
		acr  []string
		want bool
	}{
		{"enrolled, pwd only", enrolled.ID, []string{"pwd"}, nil, true},
		{"enrolled, pwd+otp+mfa", enrolled.ID, []string{"pwd", "otp", "mfa"}, nil, false},
		{"plain, pwd", plain.ID, []string{"pwd"}, nil, false},
		{"plain, pwd, loa2", plain.ID, []string{"pwd"}, []string{mfa.LoA2}, true},
		{"plain, pwd+hwk, loa2", plain.ID, []string{"pwd", "hwk"}, []string{mfa.LoA2}, false},
		{"enrolled, otp twice", enrolled.ID, []string{"otp", "otp"}, nil, true},
	} {
		got, err := s.StepUpNeeded(ctx, store.User{ID: tc.user}, tc.amr, mfa.DefaultPolicy(), tc.acr)
		if err != nil || got != tc.want {
			t.Errorf("%s: StepUpNeeded = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}

// BenchmarkVerifyTOTP measures one code check with its conditional write
// on SQLite; the check itself (open the sealed secret, three HMACs) is
// BenchmarkCheckTOTP.
func BenchmarkVerifyTOTP(b *testing.B) {
	s, st, c := newService(b)
	u := newUser(b, st, "alice")
	sec := enrol(b, s, u, c)
	for b.Loop() {
		c.Add(30 * time.Second)
		if err := s.VerifyTOTP(context.Background(), u.ID, code(b, sec, c.Now())); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckTOTP: a wrong code, which tries all three steps of the
// skew and writes nothing: the cost of a check (well under 1 ms).
func BenchmarkCheckTOTP(b *testing.B) {
	s, st, c := newService(b)
	u := newUser(b, st, "alice")
	sec := enrol(b, s, u, c)
	wrong := code(b, sec, c.Now().Add(time.Hour))
	for b.Loop() {
		if err := s.VerifyTOTP(context.Background(), u.ID, wrong); !errors.Is(err, mfa.ErrInvalidCode) {
			b.Fatal(err)
		}
	}
}

// passkeys is a FactorSource kept in memory, standing in for the passkey
// part's store of credentials.
type passkeys struct{ users map[string]bool }

func (p *passkeys) Factor() mfa.Factor { return mfa.WebAuthn }
func (p *passkeys) Enrolled(_ context.Context, userID string) (bool, error) {
	return p.users[userID], nil
}
func (p *passkeys) RemoveAll(_ context.Context, userID string) error {
	delete(p.users, userID)
	return nil
}

// TestOtherFactors: a factor of another package (passkeys) counts as a
// second factor, is listed, removed alone (taking the backup codes when it
// was the last) and by ResetAll.
func TestOtherFactors(t *testing.T) {
	s, st, c := newService(t)
	ctx := t.Context()
	u := newUser(t, st, "alice")
	pk := &passkeys{users: map[string]bool{u.ID: true}}
	s.Others = []mfa.FactorSource{pk}
	if step, err := s.Next(ctx, u.ID, mfa.DefaultPolicy(), nil); err != nil || step != mfa.Challenge {
		t.Fatalf("Next with a passkey = %v, %v", step, err)
	}
	s.GenerateBackupCodes(ctx, u.ID)
	if fs, _ := s.Factors(ctx, u.ID); !slices.Equal(fs, []mfa.Factor{mfa.BackupCode, mfa.WebAuthn}) {
		t.Fatalf("factors = %v", fs)
	}
	if err := s.Remove(ctx, u.ID, mfa.WebAuthn); err != nil {
		t.Fatal(err)
	}
	if fs, _ := s.Factors(ctx, u.ID); len(fs) != 0 {
		t.Fatalf("factors after removing the last passkey = %v", fs)
	}
	pk.users[u.ID] = true
	enrol(t, s, u, c)
	if err := s.ResetAll(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if has, _ := s.HasSecondFactor(ctx, u.ID); has || pk.users[u.ID] {
		t.Fatal("ResetAll left a factor")
	}
}

// totpReads is the store with its TOTP reads counted.
type totpReads struct {
	store.MFA
	n int
}

func (r *totpReads) GetTOTP(ctx context.Context, userID string) (store.TOTP, error) {
	r.n++
	return r.MFA.GetTOTP(ctx, userID)
}

// knownPasskeys is passkeys that also reads a user's enrolment from
// store.SecondFactors, as internal/passkey does; lookups counts Enrolled.
type knownPasskeys struct {
	passkeys
	lookups int
}

func (p *knownPasskeys) Enrolled(ctx context.Context, userID string) (bool, error) {
	p.lookups++
	return p.passkeys.Enrolled(ctx, userID)
}
func (p *knownPasskeys) EnrolledIn(f store.SecondFactors) bool { return f.Passkey }

// TestStepUpFromTheSessionRead: a user whose read carried its second
// factors (GetSessionUser's) is judged on them, with no TOTP or passkey
// read of its own; a user read without them is looked up as before; a
// factor source that cannot read them is still asked.
func TestStepUpFromTheSessionRead(t *testing.T) {
	s, st, c := newService(t)
	ctx := t.Context()
	enrolled := newUser(t, st, "enrolled")
	enrol(t, s, enrolled, c)
	reads := &totpReads{MFA: st}
	s.Store = reads
	pk := &knownPasskeys{passkeys: passkeys{users: map[string]bool{}}}
	s.Others = []mfa.FactorSource{pk}
	pwd := []string{"pwd"}
	for _, tc := range []struct {
		name    string
		factors *store.SecondFactors
		want    bool
	}{
		{"TOTP", &store.SecondFactors{TOTP: true}, true},
		{"passkey", &store.SecondFactors{Passkey: true}, true},
		{"none", &store.SecondFactors{}, false},
	} {
		reads.n, pk.lookups = 0, 0
		got, err := s.StepUpNeeded(ctx, store.User{ID: "id-nobody", SecondFactors: tc.factors}, pwd, mfa.DefaultPolicy(), nil)
		if err != nil || got != tc.want || reads.n != 0 || pk.lookups != 0 {
			t.Errorf("%s: StepUpNeeded = %v, %v (TOTP reads %d, passkey lookups %d); want %v and no reads",
				tc.name, got, err, reads.n, pk.lookups, tc.want)
		}
	}
	reads.n = 0
	if got, err := s.StepUpNeeded(ctx, store.User{ID: enrolled.ID}, pwd, mfa.DefaultPolicy(), nil); err != nil || !got || reads.n != 1 {
		t.Errorf("user read without factors: StepUpNeeded = %v, %v after %d TOTP reads; want true after 1", got, err, reads.n)
	}
	plain := &passkeys{users: map[string]bool{"id-nobody": true}}
	s.Others = []mfa.FactorSource{plain}
	if got, err := s.StepUpNeeded(ctx, store.User{ID: "id-nobody", SecondFactors: &store.SecondFactors{}}, pwd, mfa.DefaultPolicy(), nil); err != nil || !got {
		t.Errorf("a source without EnrolledIn: StepUpNeeded = %v, %v; want true", got, err)
	}
}

func TestMultiFactor(t *testing.T) {
	for _, tc := range []struct {
		amr  []string
		want bool
	}{
		{nil, false}, {[]string{"pwd"}, false}, {[]string{"otp", "otp"}, false}, {[]string{"pwd", ""}, false},
		{[]string{"pwd", "otp"}, true}, {[]string{"hwk", "user"}, true}, {[]string{"otp", "mfa"}, true},
	} {
		if got := mfa.MultiFactor(tc.amr); got != tc.want {
			t.Errorf("MultiFactor(%q) = %v", tc.amr, got)
		}
	}
}
