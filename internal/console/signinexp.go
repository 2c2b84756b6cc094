package console

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/mfa"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/ui"
)

// SettingsPage is the sign-in experience form; its fields are the form's
// values as typed.
type SettingsPage struct {
	ui.Base
	Nav
	DisplayName, LogoURL, DarkLogoURL string
	PrimaryColor, DarkPrimaryColor    string
	DarkMode                          bool
	Username, Email                   bool // identifiers that sign in
	Registration                      bool // open registration
	// Passwordless: email addresses may also sign in with an emailed code
	// (signIn.methods[email].verificationCode).
	Passwordless, PasswordlessNeedsEmail bool
	MinLength, CharTypes                 string
	Words                                string // one per line
	RepetitionAndSequence, UserInfo      bool
	// Second factors (the "mfa" document): which factors users may
	// enrol, and whether one is mandatory. None offered is MFA off.
	MFATOTP, MFABackupCode, MFAWebAuthn bool
	MFAMandatory                        bool
	Errors                              map[string]ui.Msg
	Error                               ui.Msg
	Saved                               bool
	Preview                             string
	// Social sign-in (signinexp/connectors.go): the list, and the add or
	// edit form (its own <form>; connectors.go).
	Connectors []ConnectorRow
	Connector  ConnectorForm
}

func (*SettingsPage) Template() string { return "console/signinexp" }

func (h *Handler) settingsForm(r *http.Request, rq *request, x signinexp.Settings) *SettingsPage {
	pp := x.PasswordPolicy
	return &SettingsPage{Base: ui.Base{Title: h.t(r, "console.signinexp.title")}, Nav: h.nav(rq, "signin"),
		DisplayName: x.DisplayName, LogoURL: x.Branding.LogoURL, DarkLogoURL: x.Branding.DarkLogoURL,
		PrimaryColor: x.Color.PrimaryColor, DarkPrimaryColor: x.Color.DarkPrimaryColor, DarkMode: x.Color.IsDarkModeEnabled,
		Username: x.Accepts(signinexp.Username), Email: x.Accepts(signinexp.Email), Registration: x.RegistrationOpen(),
		Passwordless: emailCode(x),
		MinLength:    strconv.Itoa(pp.Length.Min), CharTypes: strconv.Itoa(pp.CharacterTypes.Min), Words: strings.Join(pp.Rejects.Words, "\n"),
		RepetitionAndSequence: pp.Rejects.RepetitionAndSequence, UserInfo: pp.Rejects.UserInfo,
		MFATOTP: x.MFA.Offers(mfa.TOTP), MFABackupCode: x.MFA.Offers(mfa.BackupCode), MFAWebAuthn: x.MFA.Offers(mfa.WebAuthn),
		MFAMandatory: x.MFA.Policy == mfa.Mandatory,
		Preview:      h.path("/sign-in-experience/preview"),
		Connectors:   connectorRows(x), Connector: ConnectorForm{Enabled: true}}
}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request, rq *request) {
	x, err := h.Settings.Get(r.Context())
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p := h.settingsForm(r, rq, x)
	p.Saved = r.URL.Query().Get("saved") == "1"
	if id := r.URL.Query().Get("connector"); id != "" {
		p.Connector = editForm(x, id)
	}
	h.render(w, r, http.StatusOK, p)
}

// settingsFields maps signinexp's field paths (its error codes are
// "sign_in_exp.<path>") to the form's fields.
var settingsFields = map[string]string{
	"displayName": "display_name", "branding.logoUrl": "logo_url", "branding.darkLogoUrl": "dark_logo_url",
	"color.primaryColor": "primary_color", "color.darkPrimaryColor": "dark_primary_color",
	"signIn.methods": "identifiers", "passwordPolicy.length.min": "min_length", "passwordPolicy.length.max": "min_length",
	"passwordPolicy.characterTypes.min": "char_types", "passwordPolicy.rejects.words": "words",
	"mfa.factors": "mfa_factors", "mfa.policy": "mfa_policy",
}

// settingsError is the form field and message of an Update error.
func settingsError(err error) (field, msg string) {
	var de *directory.Error
	if !errors.As(err, &de) {
		return "", err.Error()
	}
	path, _ := strings.CutPrefix(de.Code, "sign_in_exp.")
	if i := strings.IndexByte(path, '['); i >= 0 { // "signIn.methods[0].identifier"
		path = path[:i]
	}
	msg = de.Message
	if _, rest, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(de.Code, "sign_in_exp.") {
		msg = rest
	}
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:] + "."
	}
	return settingsFields[path], msg
}

func (h *Handler) saveSettings(w http.ResponseWriter, r *http.Request, rq *request) {
	f := r.PostForm
	on := func(k string) bool { return f.Get(k) == "true" }
	p := &SettingsPage{Base: ui.Base{Title: h.t(r, "console.signinexp.title")}, Nav: h.nav(rq, "signin"),
		DisplayName: f.Get("display_name"), LogoURL: strings.TrimSpace(f.Get("logo_url")), DarkLogoURL: strings.TrimSpace(f.Get("dark_logo_url")),
		PrimaryColor: strings.TrimSpace(f.Get("primary_color")), DarkPrimaryColor: strings.TrimSpace(f.Get("dark_primary_color")),
		DarkMode: on("dark_mode"), Username: on("identifier_username"), Email: on("identifier_email"), Registration: on("registration"),
		Passwordless: on("passwordless"),
		MinLength:    f.Get("min_length"), CharTypes: f.Get("char_types"), Words: f.Get("words"),
		RepetitionAndSequence: on("repetition"), UserInfo: on("user_info"), Preview: h.path("/sign-in-experience/preview"),
		MFATOTP: on("mfa_totp"), MFABackupCode: on("mfa_backup_code"), MFAWebAuthn: on("mfa_webauthn"), MFAMandatory: f.Get("mfa_policy") == mfa.Mandatory}
	bad := func(field string, msg ui.Msg) {
		if field == "" {
			p.Error = msg
		} else {
			p.Errors = map[string]ui.Msg{field: msg}
		}
		h.render(w, r, http.StatusBadRequest, p)
	}
	minLen, err := strconv.Atoi(strings.TrimSpace(p.MinLength))
	if err != nil {
		bad("min_length", ui.M("console.signinexp.bad_min_length"))
		return
	}
	charTypes, err := strconv.Atoi(strings.TrimSpace(p.CharTypes))
	if err != nil {
		bad("char_types", ui.M("console.signinexp.bad_char_types"))
		return
	}
	if f.Get("passwordless_section") != "1" {
		// A form without the toggle keeps the stored choice.
		x, err := h.Settings.Get(r.Context())
		if err != nil {
			h.failure(w, r, err)
			return
		}
		p.Passwordless = emailCode(x)
	} else if p.Passwordless && !p.Email {
		p.PasswordlessNeedsEmail = true
		h.render(w, r, http.StatusBadRequest, p)
		return
	}
	var methods []signinexp.Method
	for _, id := range []struct {
		name string
		on   bool
	}{{signinexp.Username, p.Username}, {signinexp.Email, p.Email}} {
		if id.on {
			methods = append(methods, signinexp.Method{Identifier: id.name, Password: true, IsPasswordPrimary: true,
				VerificationCode: id.name == signinexp.Email && p.Passwordless})
		}
	}
	mode := signinexp.ModeSignIn
	if p.Registration {
		mode = signinexp.ModeSignInAndRegister
	}
	words := lines(p.Words)
	if words == nil {
		words = []string{}
	}
	// A patch in Logto's shape: objects merge into the stored settings,
	// so fields this form does not show keep their values.
	doc := map[string]any{
		"displayName": p.DisplayName,
		"branding":    map[string]any{"logoUrl": p.LogoURL, "darkLogoUrl": p.DarkLogoURL},
		"color":       map[string]any{"primaryColor": p.PrimaryColor, "darkPrimaryColor": p.DarkPrimaryColor, "isDarkModeEnabled": p.DarkMode},
		"signInMode":  mode,
		"signIn":      map[string]any{"methods": methods},
		"passwordPolicy": map[string]any{
			"length":         map[string]any{"min": minLen},
			"characterTypes": map[string]any{"min": charTypes},
			"rejects":        map[string]any{"words": words, "repetitionAndSequence": p.RepetitionAndSequence, "userInfo": p.UserInfo},
		},
	}
	// The MFA section is sent with a marker: its checkboxes, when all
	// unchecked, are absent from the form, which must then read as "MFA
	// off" and not as "this form has no MFA section".
	if f.Get("mfa_section") == "1" {
		doc["mfa"] = p.mfaPolicy()
	}
	patch, err := json.Marshal(doc)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	before, after, err := h.Settings.Update(r.Context(), patch)
	if directory.IsBadInput(err) {
		field, msg := settingsError(err)
		bad(field, ui.M("console.error.refused", "detail", msg))
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "SignInExperience", "Update", "", before.Public(), after.Public()) {
		return
	}
	h.seeOther(w, r, "/sign-in-experience?saved=1")
}

// emailCode reports whether x lets addresses sign in with an emailed code.
func emailCode(x signinexp.Settings) bool {
	for _, m := range x.SignIn.Methods {
		if m.Identifier == signinexp.Email && m.VerificationCode {
			return true
		}
	}
	return false
}

// mfaPolicy is the form's "mfa" document.
func (p *SettingsPage) mfaPolicy() mfa.Policy {
	pol := mfa.Policy{Factors: []mfa.Factor{}, Policy: mfa.UserControlled}
	for _, f := range []struct {
		on bool
		f  mfa.Factor
	}{{p.MFATOTP, mfa.TOTP}, {p.MFAWebAuthn, mfa.WebAuthn}, {p.MFABackupCode, mfa.BackupCode}} {
		if f.on {
			pol.Factors = append(pol.Factors, f.f)
		}
	}
	if p.MFAMandatory {
		pol.Policy = mfa.Mandatory
	}
	return pol
}

// previewSignIn opens the hosted sign-in page as users see it: a console
// sign-in that asks for the password again (prompt=login) and comes back
// to the sign-in experience page.
func (h *Handler) previewSignIn(w http.ResponseWriter, r *http.Request, rq *request) {
	h.startSignIn(w, r, "/sign-in-experience", true)
}
