package account

import (
	"html/template"
	"time"

	"github.com/sesameauth/sesame/internal/ui"
)

// Pages are the account pages, for ui.New; their templates are
// web/templates/account/<name>.html.
func Pages() []ui.Page {
	return []ui.Page{&HomePage{}, &ReauthPage{}, &TOTPPage{}, &BackupCodesPage{}, &ErrorPage{}, &EmailCodePage{}}
}

// HomePage is the account overview: every form of the account pages.
type HomePage struct {
	ui.Base
	CSRFToken   string
	Actions     map[string]string // form actions by name ("name", "password", …)
	Name        string
	Login       string // username or email shown as who is signed in
	Email       string
	HasPassword bool
	CanEmail    bool // mail is configured: the email can be changed
	Reauthed    bool // a step-up is in force: the sensitive forms work
	ReauthURL   string
	HasTOTP     bool
	BackupLeft  int
	Sessions    []SessionRow
	PasskeysOn  bool // passkeys are on (the endpoint has a domain name)
	Passkeys    []PasskeyRow
	Notice      ui.Msg
	Error       ui.Msg
}

// SessionRow is one of the user's sessions.
type SessionRow struct {
	SID                 string
	CreatedAt, LastSeen string
	Apps                string
	Current             bool
}

// Template implements ui.Page.
func (*HomePage) Template() string { return "account/home" }

// ReauthPage asks for an existing factor again: the password (input
// "password") or, with an authenticator app, a TOTP code (input "code").
type ReauthPage struct {
	ui.Base
	Action, CSRFToken, ReturnTo string
	HasPassword, HasTOTP        bool
	Error                       ui.Msg
}

// Template implements ui.Page.
func (*ReauthPage) Template() string { return "account/reauth" }

// TOTPPage enrols an authenticator app: QR code, secret, code.
type TOTPPage struct {
	ui.Base
	Action, CSRFToken, Secret, HomeURL string
	QR                                 []byte
	Error                              ui.Msg
}

// QRURL is the QR PNG as a data: URL, built here from base64 only (the
// CSP allows img data:).
func (p *TOTPPage) QRURL() template.URL {
	return template.URL(dataURL(p.QR)) // #nosec G203 -- base64 of bytes only
}

// Template implements ui.Page.
func (*TOTPPage) Template() string { return "account/totp" }

// BackupCodesPage shows new backup codes, once.
type BackupCodesPage struct {
	ui.Base
	Codes   []string
	HomeURL string
}

// Template implements ui.Page.
func (*BackupCodesPage) Template() string { return "account/backup_codes" }

// ErrorPage is an account page's error: a catalogue message and where to
// go on.
type ErrorPage struct {
	ui.Base
	Message   ui.Msg
	HomeURL   string
	ReauthURL string // set when a step-up would let the change through
}

// Template implements ui.Page.
func (*ErrorPage) Template() string { return "account/error" }

// titled is every account page: its Base and its title's key.
type titled interface {
	page() (*ui.Base, string)
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func (p *HomePage) page() (*ui.Base, string) { return &p.Base, "account.title.home" }

func (p *ReauthPage) page() (*ui.Base, string) { return &p.Base, "account.title.reauth" }

func (p *TOTPPage) page() (*ui.Base, string) { return &p.Base, "account.title.totp" }

func (p *BackupCodesPage) page() (*ui.Base, string) { return &p.Base, "account.title.backup" }

func (p *ErrorPage) page() (*ui.Base, string) { return &p.Base, "account.title.error" }
