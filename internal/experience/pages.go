package experience

import (
	"slices"

	"github.com/sesameauth/sesame/internal/ui"
)

// Pages are the experience's hosted pages, for ui.New; their templates
// are web/templates/experience/<name>.html.
func Pages() []ui.Page {
	return slices.Concat([]ui.Page{&SignInPage{}, &RegisterPage{}, &ConsentPage{}},
		mfaPages(), codePages(), passkeyPages())
}

// SignInPage is the username-or-email and password form.
type SignInPage struct {
	ui.Base
	Action     string // form POST target
	CSRFToken  string // hidden input named "csrf_token"
	AppName    string // the app the user is signing in to
	Identifier string // pre-filled username or email (input name "identifier")
	// IdentifierLabel is the catalogue key naming what the form accepts:
	// signin.label.username_or_email, signin.label.username or
	// signin.label.email.
	IdentifierLabel string
	Error           ui.Msg // user-facing error, shown in an alert above the form
	RegisterURL     string // link "Create account" when non-empty
	// ForgotURL and CodeURL link the password reset and the sign-in
	// with an emailed code, when they are on.
	ForgotURL, CodeURL string
	Notice             ui.Msg // a status line (e.g. "password changed")
	Social             []SocialButton
	// PasskeyURL is the "Sign in with a passkey" page; the link stays
	// hidden until passkey.js finds WebAuthn.
	PasskeyURL string
	// The password input is named "password".
}

// Template implements ui.Page.
func (*SignInPage) Template() string { return "experience/signin" }

// RegisterPage is the account-creation form. The inputs are named
// "username", "email", "password" and "password_confirm".
type RegisterPage struct {
	ui.Base
	Action, CSRFToken, AppName string
	Username, Email            string // re-filled values
	Error                      ui.Msg
	SignInURL                  string // "Already have an account? Sign in"
	PasswordHint               ui.Msg // optional, e.g. "At least 12 characters."
	// EmailOnly hides the username field (else shown and required);
	// EmailRequired makes the email field required (signUp.identifiers).
	EmailOnly, EmailRequired bool
	// TermsURL and PrivacyURL link the policies when set.
	TermsURL, PrivacyURL string
}

// Template implements ui.Page.
func (*RegisterPage) Template() string { return "experience/register" }

// ScopeItem is one permission on the consent page. Description is shown
// when set, with Name as a small code label; otherwise Name is shown.
type ScopeItem struct {
	Name        string
	Description ui.Msg
}

// ConsentPage asks the user to allow an app access. Its one form has two
// submit buttons named "decision", with values "allow" and "deny".
type ConsentPage struct {
	ui.Base
	Action, CSRFToken, AppName, UserName string
	Scopes                               []ScopeItem
	// APIs are the requested API resources, each with the scopes the user
	// can grant there: a scope belongs to its API, so they are shown per
	// API (docs/security.md, item 8.2).
	APIs []APIAccess
}

// Template implements ui.Page.
func (*ConsentPage) Template() string { return "experience/consent" }

// APIAccess is one API resource on the consent page.
type APIAccess struct {
	Resource string   // the indicator
	Scopes   []string // empty: the app may call the API with no permission
}

// EmailStepPage asks for the address a code goes to (password reset, sign
// in with a code). The input is named "email".
type EmailStepPage struct {
	ui.Base
	Heading, Intro    string // catalogue keys
	Action, CSRFToken string
	AppName           string
	Email             string
	Error             ui.Msg
	Submit            string // catalogue key of the button
	BackURL           string // "Back to sign in"
}

// Template implements ui.Page.
func (*EmailStepPage) Template() string { return "experience/email_step" }

// CodeStepPage asks for an emailed code (input "code", with the record's
// id in hidden "v"); with NewPassword also for a new password
// ("password", "password_confirm"). ResendAction posts "resend".
type CodeStepPage struct {
	ui.Base
	Heading           string // catalogue key
	SentTo            string // the address the code went to
	SentKey           string // "codes.code.sent_to" or "codes.code.sent_if_account"
	Minutes           int    // how long the code lives
	Action, CSRFToken string
	VerificationID    string
	AppName           string
	Error             ui.Msg
	Notice            ui.Msg // e.g. "a new code is on its way"
	NewPassword       bool
	PasswordHint      ui.Msg
	Submit            string // catalogue key of the button
	BackURL           string
}

// Template implements ui.Page.
func (*CodeStepPage) Template() string { return "experience/code_step" }

func codePages() []ui.Page {
	return []ui.Page{&EmailStepPage{}, &CodeStepPage{}, &SocialLinkPage{}, &ContinuePage{}}
}

// ContinuePage goes on to URL (a path of ours) by itself, with a meta
// refresh (Refresh is its content, "0; url=…") and a link: the end of a
// cross-site redirect chain (see socialCallback).
type ContinuePage struct {
	ui.Base
	Refresh, URL string
}

// Template implements ui.Page.
func (*ContinuePage) Template() string { return "experience/continue" }

// SocialButton is a "Continue with Name" link on the sign-in page.
type SocialButton struct{ Name, URL string }

// SocialLinkPage asks the owner of an account to prove it (input
// "password") before an upstream identity with the same address is
// linked to it.
type SocialLinkPage struct {
	ui.Base
	Action, CSRFToken, AppName string
	ConnectorName, Email       string
	Error                      ui.Msg
	SignInURL                  string
	// ByCode offers proving the account by an emailed code instead (a
	// second form posting "by"="code"), when mail is configured.
	ByCode bool
}

// Template implements ui.Page.
func (*SocialLinkPage) Template() string { return "experience/social_link" }
