package experience

// The create-account page and form.

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/identity"
	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/password"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

// openSettings reads the settings and, when registration is closed,
// answers with the "registration is closed" page.
func (h *Handler) openSettings(w http.ResponseWriter, r *http.Request) (signinexp.Settings, bool) {
	x, ok := h.settings(w, r)
	if ok && !x.RegistrationOpen() {
		h.errorPage(w, r, http.StatusForbidden, ui.M("register.closed.heading"), ui.M("register.closed.message"))
		return x, false
	}
	return x, ok
}

func (h *Handler) registerPage(w http.ResponseWriter, r *http.Request) {
	x, ok := h.openSettings(w, r)
	if !ok {
		return
	}
	ar, c, ok := h.interaction(w, r)
	if !ok {
		return
	}
	h.renderRegister(w, r, http.StatusOK, x, ar, c, "", emailHint(ar.LoginHint), ui.Msg{})
}

func (h *Handler) renderRegister(w http.ResponseWriter, r *http.Request, status int, x signinexp.Settings, ar store.AuthRequest, c store.Client, username, email string, msg ui.Msg) {
	allowRedirect(w, r, ar)
	askUsername, emailRequired := x.SignUpFields()
	emailRequired = emailRequired || h.mailOn()
	h.UI.Render(w, r, status, &RegisterPage{EmailOnly: !askUsername, EmailRequired: emailRequired, Base: ui.Base{Title: "register.title", Brand: h.brand(w, x), UILocales: ar.UILocales},
		Action: h.Base.PageURL(routes.Register, ar.ID), CSRFToken: h.CSRF.Token(w, r), AppName: c.Name,
		Username: username, Email: email, Error: msg, SignInURL: h.Base.PageURL(routes.SignIn, ar.ID),
		PasswordHint: passwordHint(x.PasswordPolicy), TermsURL: x.TermsOfUseURL, PrivacyURL: x.PrivacyPolicyURL})
}

func (h *Handler) register(w http.ResponseWriter, r *http.Request) {
	x, ok := h.openSettings(w, r)
	if !ok {
		return
	}
	ar, c, ok := h.postedInteraction(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	username := identity.Canonical(r.PostFormValue("username"))
	email := identity.Canonical(r.PostFormValue("email"))
	pw, confirm := r.PostFormValue("password"), r.PostFormValue("password_confirm")
	bad := func(msg ui.Msg) { h.renderRegister(w, r, http.StatusBadRequest, x, ar, c, username, email, msg) }
	// signUp.identifiers decide what is asked and required, here as on
	// the form (the form's "required" is only a convenience).
	askUsername, emailRequired := x.SignUpFields()
	emailRequired = emailRequired || h.mailOn() // the code goes there
	if !askUsername {
		username = ""
	} else if err := identity.ValidateUsername(username); err != nil {
		bad(identityMsg(err))
		return
	}
	if emailRequired && email == "" {
		bad(ui.M("register.error.email_required"))
		return
	}
	if email != "" {
		if err := identity.ValidateEmail(email); err != nil {
			bad(identityMsg(err))
			return
		}
	}
	if err := identity.CheckPassword(x.PasswordPolicy, pw, username, email); err != nil {
		bad(identityMsg(err))
		return
	}
	if pw != confirm {
		bad(ui.M("register.error.mismatch"))
		return
	}
	t := h.throttle()
	now := h.now()
	if ok, retry, err := h.Store.ReserveAttempt(ctx, "register-ip:"+h.IP.Of(r), t.IPLimit, t.Window, now); err != nil {
		h.failure(w, r, err)
		return
	} else if !ok {
		h.record(r, audit.KeyRegister, ar, audit.ReasonThrottled, "", "")
		w.Header().Set("Retry-After", retryAfter(retry, now))
		h.renderRegister(w, r, http.StatusTooManyRequests, x, ar, c, username, email, ui.M("register.error.too_many"))
		return
	}
	if h.mailOn() {
		// The address is proved by a code before the account exists
		// (register_verify.go); usernames are public, so a taken one is
		// still named here.
		if msg, err := h.taken(ctx, username, ""); err != nil {
			h.failure(w, r, err)
			return
		} else if !msg.IsZero() {
			h.record(r, audit.KeyRegister, ar, audit.ReasonTaken, "", "")
			bad(msg)
			return
		}
		h.registerWithCode(w, r, x, ar, c, username, email, pw)
		return
	}
	if msg, err := h.taken(ctx, username, email); err != nil {
		h.failure(w, r, err)
		return
	} else if !msg.IsZero() {
		h.record(r, audit.KeyRegister, ar, audit.ReasonTaken, "", "")
		bad(msg)
		return
	}
	u, err := NewUser(ctx, username, email, pw, h.PasswordParams, h.now())
	if err != nil {
		bad(identityMsg(err))
		return
	}
	if err := h.Store.CreateUser(ctx, u); errors.Is(err, store.ErrAlreadyExists) {
		// Taken meanwhile by a concurrent registration: which of the two
		// identifiers clashed is not known here, and must not be told.
		h.record(r, audit.KeyRegister, ar, audit.ReasonTaken, "", "")
		bad(msgCannotRegister)
		return
	} else if err != nil {
		h.failure(w, r, err)
		return
	}
	h.signedIn(w, r, ar, u, audit.KeyRegister, "pwd")
}

// taken returns the refusal for a username or email that already has an
// account, or "". Usernames are public (the page says so), so a taken one
// is named. Whether an email address has an account is not told: an
// existing address gets the same refusal as any other clash found only
// when the row is written (docs/security.md, item 8.9). Until addresses
// are verified by mail, a fresh address still differs in that it creates
// the account and signs in.
func (h *Handler) taken(ctx context.Context, username, email string) (ui.Msg, error) {
	if username != "" {
		if _, err := h.Store.GetUserByLogin(ctx, username); err == nil {
			return msgUsernameTaken, nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return ui.Msg{}, err
		}
	}
	if email != "" {
		if _, err := h.Store.GetUserByLogin(ctx, email); err == nil {
			return msgCannotRegister, nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return ui.Msg{}, err
		}
	}
	return ui.Msg{}, nil
}

// Registration refusals.
var (
	msgUsernameTaken  = ui.M("register.error.username_taken")
	msgCannotRegister = ui.M("register.error.cannot_register")
)

// identityMsg is the form error for a broken identity rule (its catalogue
// key is "identity." and its code); any other error is the generic
// refusal.
func identityMsg(err error) ui.Msg {
	var ie *identity.Error
	if errors.As(err, &ie) {
		return ui.M(IdentityKey(ie.Code), ie.Args...)
	}
	return msgCannotRegister
}

// IdentityKey is the catalogue key of an identity.Error's Code.
func IdentityKey(code string) string { return "identity." + code }

// passwordHint is the password policy in one sentence, for the form.
func passwordHint(p identity.PasswordPolicy) ui.Msg {
	key, args := p.Hint()
	return ui.M(key, args...)
}

// NewUser builds a user row with a fresh id and hashed password. Username
// and email must already be canonical and valid (see package identity). A
// password the hasher refuses is identity.ErrPasswordUnusable.
func NewUser(ctx context.Context, username, email, pw string, params password.Params, now time.Time) (store.User, error) {
	hash, err := identity.HashPassword(ctx, pw, params)
	if err != nil {
		return store.User{}, err
	}
	return store.User{ID: opaque.NewID(), Username: username, Email: email, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}, nil
}
