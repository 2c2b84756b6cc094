package management

import (
	"context"
	"net/http"
)

// SignInMode says whether the hosted pages sign in, register or both.
type SignInMode string

// Sign-in modes.
const (
	SignInOnly        SignInMode = "SignIn" // registration closed
	RegisterOnly      SignInMode = "Register"
	SignInAndRegister SignInMode = "SignInAndRegister"
)

// SignInExperience is the hosted pages' settings (the fields Sesame and
// Logto share, and Sesame's DisplayName).
type SignInExperience struct {
	Color            Color          `json:"color"`
	Branding         Branding       `json:"branding"`
	DisplayName      string         `json:"displayName,omitempty"` // Sesame only: the name on the pages
	SignInMode       SignInMode     `json:"signInMode"`
	SignIn           SignIn         `json:"signIn"`
	SignUp           SignUp         `json:"signUp"`
	PasswordPolicy   PasswordPolicy `json:"passwordPolicy"`
	TermsOfUseURL    string         `json:"termsOfUseUrl"`
	PrivacyPolicyURL string         `json:"privacyPolicyUrl"`
}

// Color is the brand colours.
type Color struct {
	PrimaryColor      string `json:"primaryColor"` // "#rrggbb"
	IsDarkModeEnabled bool   `json:"isDarkModeEnabled"`
	DarkPrimaryColor  string `json:"darkPrimaryColor"`
}

// Branding is the logos (https URLs).
type Branding struct {
	LogoURL     string `json:"logoUrl"`
	DarkLogoURL string `json:"darkLogoUrl"`
	Favicon     string `json:"favicon"`
}

// SignIn lists the ways to sign in.
type SignIn struct {
	Methods []SignInMethod `json:"methods"`
}

// SignInMethod is one identifier users sign in with.
type SignInMethod struct {
	Identifier        string `json:"identifier"` // "username", "email", "phone"
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

// PasswordPolicy is what a new password must be.
type PasswordPolicy struct {
	Length struct {
		Min int `json:"min"`
		Max int `json:"max"`
	} `json:"length"`
	CharacterTypes struct {
		Min int `json:"min"` // of lower case, upper case, digits, symbols
	} `json:"characterTypes"`
	Rejects struct {
		Pwned                 bool     `json:"pwned"` // Sesame: must be false (it calls no outside service)
		RepetitionAndSequence bool     `json:"repetitionAndSequence"`
		UserInfo              bool     `json:"userInfo"`
		Words                 []string `json:"words"`
	} `json:"rejects"`
}

// SignInExperienceUpdate changes the settings: nil fields stay as they
// are, and a group that is set (Color, Branding, SignIn, SignUp,
// PasswordPolicy) is sent whole, so start from the one Get returned.
type SignInExperienceUpdate struct {
	Color            *Color          `json:"color,omitempty"`
	Branding         *Branding       `json:"branding,omitempty"`
	DisplayName      *string         `json:"displayName,omitempty"`
	SignInMode       *SignInMode     `json:"signInMode,omitempty"`
	SignIn           *SignIn         `json:"signIn,omitempty"`
	SignUp           *SignUp         `json:"signUp,omitempty"`
	PasswordPolicy   *PasswordPolicy `json:"passwordPolicy,omitempty"`
	TermsOfUseURL    *string         `json:"termsOfUseUrl,omitempty"`
	PrivacyPolicyURL *string         `json:"privacyPolicyUrl,omitempty"`
}

// SignInExperienceService is /api/sign-in-exp.
type SignInExperienceService struct{ c *Client }

// Get returns the settings.
func (s *SignInExperienceService) Get(ctx context.Context) (*SignInExperience, error) {
	return get[SignInExperience](ctx, s.c, "/sign-in-exp")
}

// Update changes the settings; they apply to the hosted pages at once.
func (s *SignInExperienceService) Update(ctx context.Context, in SignInExperienceUpdate) (*SignInExperience, error) {
	return send[SignInExperience](ctx, s.c, http.MethodPatch, in, "/sign-in-exp")
}
