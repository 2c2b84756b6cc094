package account

import (
	"encoding/base64"
	"errors"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/mfa"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

func dataURL(png []byte) string {
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
}

// notices are the ?done= values the home page shows, with their
// messages; anything else is ignored, so the query cannot put arbitrary
// text on the page.
var notices = map[string]string{
	"name":            "account.done.name",
	"email":           "account.done.email",
	"password":        "account.done.password",
	"totp":            "account.done.totp",
	"totp_removed":    "account.done.totp_removed",
	"passkey":         "account.done.passkey",
	"passkey_removed": "account.done.passkey_removed",
	"session_ended":   "account.done.session_ended",
	"others_ended":    "account.done.others_ended",
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request, rq *request) {
	var notice ui.Msg
	if key, ok := notices[r.URL.Query().Get("done")]; ok {
		notice = ui.M(key)
	}
	h.renderHome(w, r, rq, http.StatusOK, notice, ui.Msg{})
}

func (h *Handler) renderHome(w http.ResponseWriter, r *http.Request, rq *request, status int, notice, errMsg ui.Msg) {
	ctx := r.Context()
	factors, err := h.MFA.Factors(ctx, rq.user.ID)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	left, err := h.MFA.BackupCodesLeft(ctx, rq.user.ID)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	list, err := h.Store.ListUserSessions(ctx, rq.user.ID, h.now())
	if err != nil {
		h.failure(w, r, err)
		return
	}
	rows := make([]SessionRow, 0, len(list))
	for _, s := range list {
		// The account pages' own client is how this page was reached, not
		// an app the user signed in to.
		apps := slices.DeleteFunc(slices.Clone(s.ClientIDs), func(id string) bool { return id == admin.AccountClientID })
		rows = append(rows, SessionRow{SID: s.SID, CreatedAt: formatTime(s.CreatedAt), LastSeen: formatTime(s.LastSeenAt),
			Apps: strings.Join(apps, ", "), Current: s.SID == rq.sess.SID})
	}
	passkeys, err := h.passkeyRows(ctx, rq.user.ID)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	login := rq.user.Username
	if login == "" {
		login = rq.user.Email
	}
	actions := map[string]string{}
	for _, a := range []string{"name", "email", "password", "totp", "totp/remove", "backup-codes", "sessions/end", "sessions/end-others", "passkeys", "passkeys/options", "passkeys/remove"} {
		actions[a] = h.path("/" + a)
	}
	if h.Passkeys != nil {
		httpx.AllowFetch(w) // passkey.js fetches the registration options
	}
	h.render(w, r, status, &HomePage{CSRFToken: rq.csrf, Actions: actions, Name: rq.user.Name, Login: login, Email: rq.user.Email,
		HasPassword: rq.user.PasswordHash != "", CanEmail: h.Mail != nil && h.Codes != nil, Reauthed: h.Sessions.Reauthenticated(rq.sess), ReauthURL: h.path("/reauth"),
		HasTOTP: slices.Contains(factors, mfa.TOTP), BackupLeft: left, Sessions: rows, PasskeysOn: h.Passkeys != nil, Passkeys: passkeys, Notice: notice, Error: errMsg})
}

func (h *Handler) setName(w http.ResponseWriter, r *http.Request, rq *request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	err := h.Users.Edit(r.Context(), rq.user, directory.UserUpdate{Name: &name})
	var de *directory.Error
	if errors.As(err, &de) {
		h.renderHome(w, r, rq, http.StatusBadRequest, ui.Msg{}, ui.M("account.error.name"))
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	h.record(r, rq, audit.KeyAccountName, "")
	h.done(w, r, "name")
}

// reauthAttempts bounds wrong step-up answers per user (the password and
// code guessing budget, like the sign-in's).
const (
	reauthLimit  = 10
	reauthWindow = 15 * time.Minute
)

func (h *Handler) reauthPage(w http.ResponseWriter, r *http.Request, rq *request) {
	h.renderReauth(w, r, rq, http.StatusOK, safeReturn(r.URL.Query().Get("return_to")), ui.Msg{})
}

func (h *Handler) renderReauth(w http.ResponseWriter, r *http.Request, rq *request, status int, ret string, msg ui.Msg) {
	factors, err := h.MFA.Factors(r.Context(), rq.user.ID)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	h.render(w, r, status, &ReauthPage{Action: h.path("/reauth"), CSRFToken: rq.csrf, ReturnTo: ret,
		HasPassword: rq.user.PasswordHash != "", HasTOTP: slices.Contains(factors, mfa.TOTP), Error: msg})
}

// reauth checks an EXISTING factor again (the stored password, or a code
// of the TOTP enrolled before this request) and records the step-up on
// the session.
func (h *Handler) reauth(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx := r.Context()
	ret := safeReturn(r.PostFormValue("return_to"))
	pw, code := r.PostFormValue("password"), mfa.NormalizeCode(r.PostFormValue("code"))
	if pw == "" && code == "" {
		h.renderReauth(w, r, rq, http.StatusBadRequest, ret, ui.M("account.reauth.error.empty"))
		return
	}
	now := h.now()
	ok, retry, err := h.Store.ReserveAttempt(ctx, "reauth:user:"+rq.user.ID, reauthLimit, reauthWindow, now)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !ok {
		w.Header().Set("Retry-After", retry.UTC().Format(http.TimeFormat))
		h.renderReauth(w, r, rq, http.StatusTooManyRequests, ret,
			ui.M("account.reauth.error.too_many", "minutes", max(1, int(math.Ceil(retry.Sub(now).Minutes())))))
		return
	}
	var passed bool
	if pw != "" {
		passed, err = h.Users.CheckPassword(ctx, rq.user, pw)
	} else {
		err = h.MFA.VerifyTOTP(ctx, rq.user.ID, code)
		passed = err == nil
		if errors.Is(err, mfa.ErrInvalidCode) || errors.Is(err, mfa.ErrReplayed) || errors.Is(err, mfa.ErrNotEnrolled) {
			err = nil
		}
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !passed {
		h.record(r, rq, audit.KeyAccountReauth, audit.ReasonWrongStepUp)
		h.renderReauth(w, r, rq, http.StatusUnauthorized, ret, ui.M("account.reauth.error.wrong"))
		return
	}
	if err := h.Sessions.MarkReauthenticated(ctx, rq.sess); err != nil {
		h.failure(w, r, err)
		return
	}
	h.record(r, rq, audit.KeyAccountReauth, "")
	http.Redirect(w, r, h.Base.Path(ret), http.StatusSeeOther)
}

// setPassword changes the password after a step-up. The store ends every
// session of the user with it; this browser gets a fresh one, so the user
// stays signed in here and nowhere else.
func (h *Handler) setPassword(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx := r.Context()
	pw := r.PostFormValue("new_password")
	if pw != r.PostFormValue("confirm_password") {
		h.renderHome(w, r, rq, http.StatusBadRequest, ui.Msg{}, ui.M("account.password.error.mismatch"))
		return
	}
	err := h.Users.SetPassword(ctx, rq.user.ID, pw)
	var de *directory.Error
	if errors.As(err, &de) {
		h.renderHome(w, r, rq, http.StatusBadRequest, ui.Msg{}, ui.M("account.password.error.policy", "reason", de.Message))
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if _, err := h.Sessions.Start(ctx, w, r, rq.user.ID, rq.sess.AMR); err != nil {
		h.failure(w, r, err)
		return
	}
	h.record(r, rq, audit.KeyAccountPassword, "")
	h.done(w, r, "password")
}

func (h *Handler) totpPage(w http.ResponseWriter, r *http.Request, rq *request) {
	e, err := h.MFA.BeginTOTP(rq.user)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	h.renderTOTP(w, r, rq, http.StatusOK, e, ui.Msg{})
}

func (h *Handler) renderTOTP(w http.ResponseWriter, r *http.Request, rq *request, status int, e mfa.Enrolment, msg ui.Msg) {
	h.render(w, r, status, &TOTPPage{Action: h.path("/totp"), CSRFToken: rq.csrf, Secret: e.Secret, QR: e.QR,
		HomeURL: h.path(""), Error: msg})
}

func (h *Handler) totpConfirm(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx := r.Context()
	e, err := h.MFA.TOTPEnrolment(rq.user, r.PostFormValue("secret"))
	if err != nil {
		h.errorPage(w, r, http.StatusBadRequest, "account.error.bad_form")
		return
	}
	err = h.MFA.ConfirmTOTP(ctx, rq.user.ID, e.Secret, r.PostFormValue("code"))
	switch {
	case errors.Is(err, mfa.ErrInvalidCode):
		h.renderTOTP(w, r, rq, http.StatusBadRequest, e, ui.M("account.totp.error.invalid"))
		return
	case errors.Is(err, mfa.ErrAlreadyEnrolled):
		h.renderTOTP(w, r, rq, http.StatusConflict, e, ui.M("account.totp.error.enrolled"))
		return
	case err != nil:
		h.failure(w, r, err)
		return
	}
	h.record(r, rq, audit.KeyAccountTOTPAdd, "")
	h.done(w, r, "totp")
}

func (h *Handler) totpRemove(w http.ResponseWriter, r *http.Request, rq *request) {
	if err := h.MFA.Remove(r.Context(), rq.user.ID, mfa.TOTP); err != nil && !errors.Is(err, mfa.ErrNotEnrolled) {
		h.failure(w, r, err)
		return
	}
	h.record(r, rq, audit.KeyAccountTOTPRemove, "")
	h.done(w, r, "totp_removed")
}

// backupCodes replaces the backup codes and shows the new ones once.
func (h *Handler) backupCodes(w http.ResponseWriter, r *http.Request, rq *request) {
	codes, err := h.MFA.GenerateBackupCodes(r.Context(), rq.user.ID)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	h.record(r, rq, audit.KeyAccountBackupCodes, "")
	w.Header().Set("Cache-Control", "no-store")
	h.render(w, r, http.StatusOK, &BackupCodesPage{Codes: codes, HomeURL: h.path("")})
}

// endSession ends one session of the user: this one (signing out here)
// needs no step-up, another one does.
func (h *Handler) endSession(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx := r.Context()
	sid := r.PostFormValue("sid")
	if sid == rq.sess.SID {
		if err := h.Sessions.End(ctx, w, r); err != nil {
			h.failure(w, r, err)
			return
		}
		h.record(r, rq, audit.KeyAccountSessionEnd, "")
		http.Redirect(w, r, h.path(""), http.StatusSeeOther)
		return
	}
	h.sensitive(func(w http.ResponseWriter, r *http.Request, rq *request) {
		err := h.Store.DeleteUserSession(ctx, rq.user.ID, sid)
		if errors.Is(err, store.ErrNotFound) {
			h.errorPage(w, r, http.StatusNotFound, "account.error.no_session")
			return
		}
		if err != nil {
			h.failure(w, r, err)
			return
		}
		h.record(r, rq, audit.KeyAccountSessionEnd, "")
		h.done(w, r, "session_ended")
	})(w, r, rq)
}

func (h *Handler) endOthers(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx := r.Context()
	list, err := h.Store.ListUserSessions(ctx, rq.user.ID, h.now())
	if err != nil {
		h.failure(w, r, err)
		return
	}
	for _, s := range list {
		if s.SID == rq.sess.SID {
			continue
		}
		if err := h.Store.DeleteUserSession(ctx, rq.user.ID, s.SID); err != nil && !errors.Is(err, store.ErrNotFound) {
			h.failure(w, r, err)
			return
		}
	}
	h.record(r, rq, audit.KeyAccountSessionOthers, "")
	h.done(w, r, "others_ended")
}
