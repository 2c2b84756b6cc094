package signinexp_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore/sqlitetest"
)

func newService(t *testing.T) (*signinexp.Service, store.Store) {
	t.Helper()
	st := sqlitetest.Open(t)
	return &signinexp.Service{Store: st, AllowRegistration: true, Now: func() time.Time { return time.Unix(1_800_000_000, 0) }}, st
}

// TestDefaults: no row reads as the defaults, which follow the
// --allow-registration flag and pass their own validation.
func TestDefaults(t *testing.T) {
	s, _ := newService(t)
	x, err := s.Get(t.Context())
	if err != nil || x.Version != 0 || x.SignInMode != signinexp.ModeSignInAndRegister || !x.RegistrationOpen() ||
		!x.Accepts(signinexp.Username) || !x.Accepts(signinexp.Email) || x.PasswordPolicy.Length.Min != 8 {
		t.Fatalf("defaults = %+v, %v", x, err)
	}
	if closed := signinexp.Defaults(false); closed.RegistrationOpen() {
		t.Fatal("--allow-registration=false defaults to open registration")
	}
	d := signinexp.Defaults(true)
	if err := signinexp.Validate(&d); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
}

// TestValidation: each rule refuses with a code that names the field, and
// nothing is stored.
func TestValidation(t *testing.T) {
	long := strings.Repeat("x", 65)
	words := `["` + strings.Repeat(`w","`, 100) + `w"]`
	for _, tc := range []struct{ patch, code string }{
		{`{"color":{"primaryColor":"red"}}`, "sign_in_exp.color.primaryColor"},
		{`{"color":{"primaryColor":"#12345"}}`, "sign_in_exp.color.primaryColor"},
		{`{"color":{"darkPrimaryColor":"#1234567"}}`, "sign_in_exp.color.darkPrimaryColor"},
		{`{"color":{"primaryColor":"#123456;}body{"}}`, "sign_in_exp.color.primaryColor"},
		{`{"branding":{"logoUrl":"javascript:alert(1)"}}`, "sign_in_exp.branding.logoUrl"},
		{`{"branding":{"logoUrl":"http://cdn.example/logo.png"}}`, "sign_in_exp.branding.logoUrl"},
		{`{"branding":{"darkLogoUrl":"data:image/svg+xml,<svg>"}}`, "sign_in_exp.branding.darkLogoUrl"},
		{`{"branding":{"favicon":"//cdn.example/f.ico"}}`, "sign_in_exp.branding.favicon"},
		{`{"branding":{"logoUrl":"https://user:pw@cdn.example/l.png"}}`, "sign_in_exp.branding.logoUrl"},
		{`{"termsOfUseUrl":"ftp://example.com/t"}`, "sign_in_exp.termsOfUseUrl"},
		{`{"privacyPolicyUrl":"https://example.com/\"><script>"}`, "sign_in_exp.privacyPolicyUrl"},
		{`{"displayName":"` + long + `"}`, "sign_in_exp.displayName"},
		{`{"displayName":"a\u0007b"}`, "sign_in_exp.displayName"},
		{`{"signInMode":"Open"}`, "sign_in_exp.signInMode"},
		{`{"signIn":{"methods":[]}}`, "sign_in_exp.signIn.methods"},
		{`{"signIn":{"methods":[{"identifier":"phone","password":true}]}}`, "sign_in_exp.signIn.methods[0].identifier"},
		{`{"signIn":{"methods":[{"identifier":"email","password":false,"verificationCode":true}]}}`, "sign_in_exp.signIn.methods[0]"},
		{`{"signIn":{"methods":[{"identifier":"username","password":true,"verificationCode":true}]}}`, "sign_in_exp.signIn.methods[0]"},
		{`{"signUp":{"identifiers":["phone"]}}`, "sign_in_exp.signUp.identifiers[0]"},
		{`{"passwordPolicy":{"length":{"min":7,"max":256}}}`, "sign_in_exp.passwordPolicy.length.min"},
		{`{"passwordPolicy":{"length":{"min":257,"max":256}}}`, "sign_in_exp.passwordPolicy.length.min"},
		{`{"passwordPolicy":{"length":{"min":12,"max":10}}}`, "sign_in_exp.passwordPolicy.length.max"},
		{`{"passwordPolicy":{"length":{"min":12,"max":257}}}`, "sign_in_exp.passwordPolicy.length.max"},
		{`{"passwordPolicy":{"characterTypes":{"min":5}}}`, "sign_in_exp.passwordPolicy.characterTypes.min"},
		{`{"passwordPolicy":{"characterTypes":{"min":-1}}}`, "sign_in_exp.passwordPolicy.characterTypes.min"},
		{`{"passwordPolicy":{"rejects":{"pwned":true}}}`, "sign_in_exp.passwordPolicy.rejects.pwned"},
		{`{"passwordPolicy":{"rejects":{"words":` + words + `}}}`, "sign_in_exp.passwordPolicy.rejects.words"},
		{`{"passwordPolicy":{"rejects":{"words":["` + long + `"]}}}`, "sign_in_exp.passwordPolicy.rejects.words[0]"},
		{`{"passwordPolicy":{"rejects":{"words":[""]}}}`, "sign_in_exp.passwordPolicy.rejects.words[0]"},
		{`{"unknown":1}`, "guard.invalid_input"},
		{`{"color":"#123456"}`, "guard.invalid_input"},
		{`not json`, "guard.invalid_input"},
		{`{} {}`, "guard.invalid_input"},
	} {
		t.Run(tc.patch, func(t *testing.T) {
			s, st := newService(t)
			_, _, err := s.Update(t.Context(), []byte(tc.patch))
			var e *directory.Error
			if !errors.As(err, &e) || e.Code != tc.code || e.Message == "" {
				t.Fatalf("Update(%s) = %#v, want code %s", tc.patch, err, tc.code)
			}
			if _, err := st.GetSignInExperience(t.Context()); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("a refused update stored something: %v", err)
			}
		})
	}
}

// TestUpdate: a patch merges into the current settings, returns before
// and after, and bumps the version; loopback http is allowed for
// development.
func TestUpdate(t *testing.T) {
	ctx := t.Context()
	s, _ := newService(t)
	before, after, err := s.Update(ctx, []byte(`{"displayName":"Acme","color":{"primaryColor":"#AA0000"},
		"branding":{"logoUrl":"https://cdn.example/logo.png","favicon":"http://localhost:8080/f.ico"},"signInMode":"SignIn"}`))
	if err != nil {
		t.Fatal(err)
	}
	if before.Version != 0 || before.DisplayName != "" || after.Version != 1 || after.DisplayName != "Acme" ||
		after.Color.PrimaryColor != "#aa0000" || after.Color.DarkPrimaryColor != before.Color.DarkPrimaryColor || after.RegistrationOpen() {
		t.Fatalf("before %+v\nafter %+v", before, after)
	}
	before, after, err = s.Update(ctx, []byte(`{"signIn":{"methods":[{"identifier":"email","password":true,"isPasswordPrimary":true}]},
		"passwordPolicy":{"length":{"min":12,"max":128},"rejects":{"words":["acme"]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if before.Version != 1 || before.DisplayName != "Acme" || after.Version != 2 || after.DisplayName != "Acme" ||
		after.Accepts(signinexp.Username) || !after.Accepts(signinexp.Email) || after.PasswordPolicy.Length.Min != 12 ||
		after.PasswordPolicy.CharacterTypes.Min != 1 || len(after.PasswordPolicy.Rejects.Words) != 1 {
		t.Fatalf("before %+v\nafter %+v", before, after)
	}
	got, err := s.Get(ctx)
	if err != nil || got.Version != 2 || got.Branding.Favicon != "http://localhost:8080/f.ico" || got.PasswordPolicy.Length.Max != 128 {
		t.Fatalf("Get = %+v, %v", got, err)
	}
}

// racingStore makes the first n writes lose, as if another replica wrote
// in between.
type racingStore struct {
	store.SignInExperiences
	lose int
}

func (r *racingStore) PutSignInExperience(ctx context.Context, doc []byte, version int64, now time.Time) (int64, error) {
	if r.lose > 0 {
		r.lose--
		return 0, store.ErrConflict
	}
	return r.SignInExperiences.PutSignInExperience(ctx, doc, version, now)
}

// TestUpdateConflict: a lost compare-and-swap is retried on fresh data;
// one that keeps losing is a clear error.
func TestUpdateConflict(t *testing.T) {
	s, st := newService(t)
	s.Store = &racingStore{SignInExperiences: st, lose: 2}
	if _, after, err := s.Update(t.Context(), []byte(`{"displayName":"A"}`)); err != nil || after.DisplayName != "A" {
		t.Fatalf("Update after two lost writes = %+v, %v", after, err)
	}
	s.Store = &racingStore{SignInExperiences: st, lose: 100}
	if _, _, err := s.Update(t.Context(), []byte(`{"displayName":"B"}`)); !errors.Is(err, signinexp.ErrConflict) {
		t.Fatalf("Update that always loses = %v", err)
	}
}

// TestCSS: the stylesheet carries the validated colours; dark mode off
// uses the light colour in both schemes.
func TestCSS(t *testing.T) {
	x := signinexp.Defaults(true)
	x.Color = signinexp.Color{PrimaryColor: "#aa0000", DarkPrimaryColor: "#00bb00", IsDarkModeEnabled: true}
	css := x.CSS()
	if !strings.Contains(css, "--primary: #aa0000;") || !strings.Contains(css, "--primary: #00bb00;") {
		t.Fatalf("css:\n%s", css)
	}
	x.Color.IsDarkModeEnabled = false
	if css := x.CSS(); strings.Contains(css, "#00bb00") || strings.Contains(css, "prefers-color-scheme") || !strings.Contains(css, "color-scheme: light;") {
		t.Fatalf("dark mode off: want the light scheme only:\n%s", css)
	}
	x.Color.PrimaryColor = "red;}*{display:none" // never stored; still never emitted
	if css := x.CSS(); strings.Contains(css, "display") {
		t.Fatalf("unvalidated colour emitted:\n%s", css)
	}
}
