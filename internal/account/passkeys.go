package account

// Passkeys on the account pages: list, remove and add (package passkey;
// adding runs navigator.credentials.create in web/static/passkey.js).
// Every change needs the step-up; a registration is never a step-up
// factor (docs/security.md UI-13).

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/go-webauthn/webauthn/protocol"

	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/passkey"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

// Passkeys is passkey.Service.
type Passkeys interface {
	List(ctx context.Context, userID string) ([]store.Passkey, error)
	Delete(ctx context.Context, userID string, id []byte) error
	BeginRegistration(ctx context.Context, u store.User) (*protocol.CredentialCreation, string, error)
	FinishRegistration(ctx context.Context, u store.User, ticket string, response []byte, name string) (store.Passkey, error)
}

// PasskeyRow is one passkey on the home page.
type PasskeyRow struct {
	ID, Name, CreatedAt, LastUsed string
}

var b64 = base64.RawURLEncoding

func (h *Handler) passkeyRows(ctx context.Context, userID string) ([]PasskeyRow, error) {
	if h.Passkeys == nil {
		return nil, nil
	}
	list, err := h.Passkeys.List(ctx, userID)
	if err != nil {
		return nil, err
	}
	rows := make([]PasskeyRow, 0, len(list))
	for _, p := range list {
		row := PasskeyRow{ID: b64.EncodeToString(p.ID), Name: p.Name, CreatedAt: formatTime(p.CreatedAt)}
		if !p.LastUsedAt.IsZero() {
			row.LastUsed = formatTime(p.LastUsedAt)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// passkeyOptions starts a registration: the options for
// navigator.credentials.create and the ceremony's ticket, as JSON.
func (h *Handler) passkeyOptions(w http.ResponseWriter, r *http.Request, rq *request) {
	if h.Passkeys == nil {
		http.Error(w, `{"error":"passkeys_off"}`, http.StatusNotFound)
		return
	}
	cc, ticket, err := h.Passkeys.BeginRegistration(r.Context(), rq.user)
	if err != nil {
		httpx.LogFailure(r.Context(), h.Log, "account: passkey options", err)
		http.Error(w, `{"error":"unavailable"}`, http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(struct {
		*protocol.CredentialCreation
		Ticket string `json:"ticket"`
	}{cc, ticket})
}

// passkeyAdd finishes a registration with the browser's response.
func (h *Handler) passkeyAdd(w http.ResponseWriter, r *http.Request, rq *request) {
	if h.Passkeys == nil {
		h.errorPage(w, r, http.StatusNotFound, "account.passkey.error.off")
		return
	}
	_, err := h.Passkeys.FinishRegistration(r.Context(), rq.user, r.PostFormValue("ticket"), []byte(r.PostFormValue("response")),
		r.PostFormValue("name"))
	switch {
	case errors.Is(err, passkey.ErrNameInvalid):
		h.renderHome(w, r, rq, http.StatusBadRequest, ui.Msg{}, ui.M("account.passkey.error.name"))
		return
	case errors.Is(err, passkey.ErrAlreadyRegistered):
		h.renderHome(w, r, rq, http.StatusConflict, ui.Msg{}, ui.M("account.passkey.error.registered"))
		return
	case errors.Is(err, passkey.ErrCeremony), errors.Is(err, passkey.ErrInvalid):
		h.renderHome(w, r, rq, http.StatusBadRequest, ui.Msg{}, ui.M("account.passkey.error.invalid"))
		return
	case err != nil:
		h.failure(w, r, err)
		return
	}
	h.record(r, rq, audit.KeyAccountPasskeyAdd, "")
	h.done(w, r, "passkey")
}

func (h *Handler) passkeyRemove(w http.ResponseWriter, r *http.Request, rq *request) {
	if h.Passkeys == nil {
		h.errorPage(w, r, http.StatusNotFound, "account.passkey.error.off")
		return
	}
	id, err := b64.DecodeString(r.PostFormValue("id"))
	if err != nil || len(id) == 0 {
		h.errorPage(w, r, http.StatusNotFound, "account.passkey.error.unknown")
		return
	}
	err = h.Passkeys.Delete(r.Context(), rq.user.ID, id)
	if errors.Is(err, passkey.ErrUnknownCredential) {
		h.errorPage(w, r, http.StatusNotFound, "account.passkey.error.unknown")
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	h.record(r, rq, audit.KeyAccountPasskeyRemove, "")
	h.done(w, r, "passkey_removed")
}
