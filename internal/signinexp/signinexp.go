// Package signinexp holds the sign-in experience settings: branding,
// which identifiers sign in, whether registration is open and the password
// policy. The hosted pages read them on each render; the Management API
// and the console change them through Update. Shape: Logto's
// /api/sign-in-exp (docs/logto-compat.md).
package signinexp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/identity"
	"github.com/sesameauth/sesame/internal/mfa"
	"github.com/sesameauth/sesame/internal/oidc/redirecturi"
	"github.com/sesameauth/sesame/internal/secret"
	"github.com/sesameauth/sesame/internal/store"
)

// Sign-in modes.
const (
	ModeSignIn            = "SignIn"
	ModeRegister          = "Register"
	ModeSignInAndRegister = "SignInAndRegister"
)

// Identifiers.
const (
	Username = "username"
	Email    = "email"
)

// Settings is the whole document.
type Settings struct {
	Color            Color                   `json:"color"`
	Branding         Branding                `json:"branding"`
	DisplayName      string                  `json:"displayName"` // Sesame's: the name on the pages
	SignInMode       string                  `json:"signInMode"`
	SignIn           SignIn                  `json:"signIn"`
	SignUp           SignUp                  `json:"signUp"`
	PasswordPolicy   identity.PasswordPolicy `json:"passwordPolicy"`
	TermsOfUseURL    string                  `json:"termsOfUseUrl"`
	PrivacyPolicyURL string                  `json:"privacyPolicyUrl"`
	MFA              mfa.Policy              `json:"mfa"` // second factors (signinexp/mfa.go)
	// SocialConnectors are the upstream OpenID providers people may sign
	// in with (signinexp/connectors.go); Sesame's name, Logto keeps them
	// in /api/connectors.
	SocialConnectors []Connector `json:"socialConnectors"`
	// PasskeySignIn is the "Sign in with a passkey" button (signinexp/passkey.go).
	PasskeySignIn PasskeySignIn `json:"passkeySignIn"`

	// Version and UpdatedAt are the stored row's (0 and zero: defaults).
	Version   int64     `json:"-"`
	UpdatedAt time.Time `json:"-"`
}

// Color is the brand colour, #rrggbb.
type Color struct {
	PrimaryColor      string `json:"primaryColor"`
	IsDarkModeEnabled bool   `json:"isDarkModeEnabled"`
	DarkPrimaryColor  string `json:"darkPrimaryColor"`
}

// Branding is the logos and favicon, https URLs or "".
type Branding struct {
	LogoURL     string `json:"logoUrl"`
	DarkLogoURL string `json:"darkLogoUrl"`
	Favicon     string `json:"favicon"`
}

// SignIn lists the identifiers the sign-in form accepts.
type SignIn struct {
	Methods []Method `json:"methods"`
}

// Method is one sign-in identifier. A password always signs in;
// VerificationCode (email only) adds sign-in with an emailed code.
type Method struct {
	Identifier        string `json:"identifier"`
	Password          bool   `json:"password"`
	VerificationCode  bool   `json:"verificationCode"`
	IsPasswordPrimary bool   `json:"isPasswordPrimary"`
}

// SignUp is what registration asks for.
type SignUp struct {
	Identifiers []string `json:"identifiers"`
	Password    bool     `json:"password"`
	Verify      bool     `json:"verify"`
}

// Defaults are the settings before the first Update. allowRegistration
// is the --allow-registration flag: its only role now is this initial
// value (docs/production.md).
func Defaults(allowRegistration bool) Settings {
	mode := ModeSignIn
	if allowRegistration {
		mode = ModeSignInAndRegister
	}
	return Settings{
		Color:      Color{PrimaryColor: "#4f46e5", DarkPrimaryColor: "#6058ee", IsDarkModeEnabled: true}, // web/static/sesame.css
		SignInMode: mode,
		SignIn: SignIn{Methods: []Method{
			{Identifier: Username, Password: true, IsPasswordPrimary: true},
			{Identifier: Email, Password: true, IsPasswordPrimary: true},
		}},
		SignUp:         SignUp{Identifiers: []string{Username}, Password: true},
		PasswordPolicy: identity.DefaultPasswordPolicy(),
		MFA:            mfa.DefaultPolicy(),
		PasskeySignIn:  PasskeySignIn{Enabled: true},
	}
}

// RegistrationOpen reports whether the register page creates accounts.
func (s Settings) RegistrationOpen() bool { return s.SignInMode != ModeSignIn }

// SignUpFields says how signUp.identifiers shape the register form: a
// username field (asked and required) when "username" is listed, and an
// email field always, required when "email" is listed. No identifier
// listed reads as username only: a password account needs one.
func (s Settings) SignUpFields() (username, emailRequired bool) {
	for _, id := range s.SignUp.Identifiers {
		switch id {
		case Username:
			username = true
		case Email:
			emailRequired = true
		}
	}
	return username || !emailRequired, emailRequired
}

// Accepts reports whether the sign-in form takes identifier kind id.
func (s Settings) Accepts(id string) bool {
	for _, m := range s.SignIn.Methods {
		if m.Identifier == id {
			return true
		}
	}
	return false
}

// Service reads and changes the settings.
type Service struct {
	Store             store.SignInExperiences
	AllowRegistration bool             // the defaults' registration (see Defaults)
	Now               func() time.Time // default time.Now
	// Box seals the connectors' client secrets (secret.NewBox(master,
	// "connector-secrets")); nil: an Update that sets one is refused.
	Box *secret.Box
}

// Get returns the stored settings, or the defaults when none are stored.
func (s *Service) Get(ctx context.Context) (Settings, error) {
	row, err := s.Store.GetSignInExperience(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return Defaults(s.AllowRegistration), nil
	}
	if err != nil {
		return Settings{}, err
	}
	// Decode over the defaults, so fields added later read as theirs.
	x := Defaults(s.AllowRegistration)
	if err := json.Unmarshal(row.Doc, &x); err != nil {
		return Settings{}, fmt.Errorf("signinexp: stored document: %w", err)
	}
	x.Version, x.UpdatedAt = row.Version, row.UpdatedAt
	return x, nil
}

// PasswordPolicy returns the current password policy.
func (s *Service) PasswordPolicy(ctx context.Context) (identity.PasswordPolicy, error) {
	x, err := s.Get(ctx)
	return x.PasswordPolicy, err
}

// RegistrationOpen reports whether the stored settings let users register.
func (s *Service) RegistrationOpen(ctx context.Context) (bool, error) {
	x, err := s.Get(ctx)
	return x.RegistrationOpen(), err
}

// ErrConflict is a concurrent change that kept winning: try again.
var ErrConflict = &directory.Error{Code: "sign_in_exp.conflict", Message: "the settings changed meanwhile; try again"}

// Update applies patch, a JSON object in the document's shape whose
// fields replace the current ones (objects merge, arrays are replaced), as
// Logto's PATCH /api/sign-in-exp does. Bad input is a *directory.Error
// whose Code names the field ("sign_in_exp.color.primaryColor"). It
// returns the settings before and after, for the audit log.
func (s *Service) Update(ctx context.Context, patch []byte) (before, after Settings, err error) {
	for range 5 {
		before, err = s.Get(ctx)
		if err != nil {
			return Settings{}, Settings{}, err
		}
		after = before
		after.SignIn.Methods = append([]Method(nil), before.SignIn.Methods...)
		after.SignUp.Identifiers = append([]string(nil), before.SignUp.Identifiers...)
		after.PasswordPolicy.Rejects.Words = append([]string(nil), before.PasswordPolicy.Rejects.Words...)
		after.MFA.Factors = append([]mfa.Factor(nil), before.MFA.Factors...)
		after.SocialConnectors = append([]Connector(nil), before.SocialConnectors...)
		dec := json.NewDecoder(bytes.NewReader(patch))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&after); err != nil {
			return Settings{}, Settings{}, &directory.Error{Code: "guard.invalid_input", Message: "the settings are not valid JSON of the expected shape: " + err.Error()}
		}
		if dec.More() {
			return Settings{}, Settings{}, &directory.Error{Code: "guard.invalid_input", Message: "one JSON object expected"}
		}
		if err := sealConnectors(patch, &before, &after, s.Box); err != nil {
			return Settings{}, Settings{}, err
		}
		if err := Validate(&after); err != nil {
			return Settings{}, Settings{}, err
		}
		doc, err := json.Marshal(after)
		if err != nil {
			return Settings{}, Settings{}, err
		}
		now := time.Now()
		if s.Now != nil {
			now = s.Now()
		}
		v, err := s.Store.PutSignInExperience(ctx, doc, before.Version, now)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return Settings{}, Settings{}, err
		}
		after.Version, after.UpdatedAt = v, now
		return before, after, nil
	}
	return Settings{}, Settings{}, ErrConflict
}

func bad(field, format string, a ...any) error {
	return &directory.Error{Code: "sign_in_exp." + field, Message: field + ": " + fmt.Sprintf(format, a...)}
}

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// Validate checks x field by field and normalises it (colours lower case,
// empty lists not nil).
func Validate(x *Settings) error {
	for _, c := range []struct {
		field string
		v     *string
	}{{"color.primaryColor", &x.Color.PrimaryColor}, {"color.darkPrimaryColor", &x.Color.DarkPrimaryColor}} {
		if !hexColor.MatchString(*c.v) {
			return bad(c.field, "a colour is #rrggbb")
		}
		*c.v = strings.ToLower(*c.v)
	}
	for _, u := range []struct{ field, v string }{
		{"branding.logoUrl", x.Branding.LogoURL}, {"branding.darkLogoUrl", x.Branding.DarkLogoURL},
		{"branding.favicon", x.Branding.Favicon}, {"termsOfUseUrl", x.TermsOfUseURL}, {"privacyPolicyUrl", x.PrivacyPolicyURL},
	} {
		if err := checkURL(u.v); err != nil {
			return bad(u.field, "%s", err.Error())
		}
	}
	if utf8.RuneCountInString(x.DisplayName) > 64 || !printable(x.DisplayName) {
		return bad("displayName", "at most 64 characters, none of them control characters")
	}
	x.DisplayName = strings.TrimSpace(x.DisplayName)
	switch x.SignInMode {
	case ModeSignIn, ModeSignInAndRegister:
	case ModeRegister:
		// Sign-in stays possible in Sesame; Register only opens the register page.
	default:
		return bad("signInMode", "one of SignIn, Register, SignInAndRegister")
	}
	if len(x.SignIn.Methods) == 0 {
		return bad("signIn.methods", "at least one sign-in identifier is needed")
	}
	seen := map[string]bool{}
	for i, m := range x.SignIn.Methods {
		if m.Identifier != Username && m.Identifier != Email {
			return bad(fmt.Sprintf("signIn.methods[%d].identifier", i), "username or email")
		}
		if seen[m.Identifier] {
			return bad(fmt.Sprintf("signIn.methods[%d].identifier", i), "listed twice")
		}
		seen[m.Identifier] = true
		// Passwords always work; an emailed code is an extra way in for
		// addresses (it needs a mail sender to show).
		if !m.Password || (m.VerificationCode && m.Identifier != Email) {
			return bad(fmt.Sprintf("signIn.methods[%d]", i), "password must be true; verificationCode only for email")
		}
	}
	if x.SignUp.Identifiers == nil {
		x.SignUp.Identifiers = []string{}
	}
	for i, id := range x.SignUp.Identifiers {
		if id != Username && id != Email {
			return bad(fmt.Sprintf("signUp.identifiers[%d]", i), "username or email")
		}
	}
	// signUp.verify is accepted for Logto's sake: with a mail sender
	// configured Sesame verifies every registration's address anyway.
	if err := validateMFA(&x.MFA); err != nil {
		return err
	}
	if err := validateConnectors(x); err != nil {
		return err
	}
	return validatePolicy(&x.PasswordPolicy)
}

func validatePolicy(p *identity.PasswordPolicy) error {
	if p.Length.Min < identity.MinPassword || p.Length.Min > identity.MaxPassword {
		return bad("passwordPolicy.length.min", "between %d and %d", identity.MinPassword, identity.MaxPassword)
	}
	if p.Length.Max < p.Length.Min || p.Length.Max > identity.MaxPassword {
		return bad("passwordPolicy.length.max", "between length.min and %d", identity.MaxPassword)
	}
	if p.CharacterTypes.Min < 0 || p.CharacterTypes.Min > 4 {
		return bad("passwordPolicy.characterTypes.min", "between 0 and 4")
	}
	if p.Rejects.Pwned {
		return bad("passwordPolicy.rejects.pwned", "Sesame does not look passwords up in breach lists; must be false")
	}
	if len(p.Rejects.Words) > 100 {
		return bad("passwordPolicy.rejects.words", "at most 100 words")
	}
	if p.Rejects.Words == nil {
		p.Rejects.Words = []string{}
	}
	for i, w := range p.Rejects.Words {
		if w == "" || utf8.RuneCountInString(w) > 64 || !printable(w) {
			return bad(fmt.Sprintf("passwordPolicy.rejects.words[%d]", i), "1 to 64 characters, none of them control characters")
		}
	}
	return nil
}

func printable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsGraphic(r) })
}

// checkURL allows "" (unset), https URLs, and http on a loopback host for
// development. No other scheme: a javascript: or data: URL in an <img> or
// a link would run or leak on the hosted pages (docs/security.md).
func checkURL(s string) error {
	if s == "" {
		return nil
	}
	if len(s) > 2048 || !printable(s) || strings.ContainsAny(s, " \"'<>\\") {
		return errors.New("not a valid URL")
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil {
		return errors.New("an absolute https URL without credentials")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if redirecturi.IsLoopbackHost(u.Hostname()) {
			return nil
		}
	}
	return errors.New("https only (http only on localhost)")
}
