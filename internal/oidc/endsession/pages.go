package endsession

import "github.com/sesameauth/sesame/internal/ui"

// Pages are end-session's hosted pages, for ui.New.
func Pages() []ui.Page { return []ui.Page{&SignedOutPage{}, &LogoutConfirmPage{}} }

// SignedOutPage confirms a logout.
type SignedOutPage struct{ ui.Base }

// Template implements ui.Page.
func (*SignedOutPage) Template() string { return "oidc/signed_out" }

// LogoutConfirmPage asks "Sign out of Sesame?" when a logout request names
// no app. Its form posts csrf_token and logout=yes.
type LogoutConfirmPage struct {
	ui.Base
	Action, CSRFToken string
}

// Template implements ui.Page.
func (*LogoutConfirmPage) Template() string { return "oidc/logout_confirm" }
