package management

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/signinexp"
)

// SignInExperience is what /api/sign-in-exp uses (signinexp.Service).
type SignInExperience interface {
	Get(ctx context.Context) (signinexp.Settings, error)
	Update(ctx context.Context, patch []byte) (before, after signinexp.Settings, err error)
}

func (h *Handler) getSignInExp(w http.ResponseWriter, r *http.Request) error {
	s, err := h.Settings.Get(r.Context())
	if err != nil {
		return err
	}
	return write(w, r, http.StatusOK, s.Public())
}

// updateSignInExp is Logto's PATCH /api/sign-in-exp: the body's fields
// replace the current ones (objects merge); the rules are signinexp's.
// The change is recorded with the whole document before and after.
func (h *Handler) updateSignInExp(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	before, after, err := h.Settings.Update(r.Context(), body)
	if err != nil {
		return settingsErr(err)
	}
	// Public: no sealed connector secret in the answer or the audit log.
	if err := h.record(r, "SignInExperience", "Update", "", before.Public(), after.Public()); err != nil {
		return err
	}
	return write(w, r, http.StatusOK, after.Public())
}

// settingsErr names the field of a signinexp rule's error in data.field
// (its code is "sign_in_exp.<field>").
func settingsErr(err error) error {
	de, ok := err.(*directory.Error)
	if !ok || de.Field != "" {
		return err
	}
	if f, ok := strings.CutPrefix(de.Code, "sign_in_exp."); ok && de.Code != signinexp.ErrConflict.Code {
		c := *de
		c.Field = f
		return &c
	}
	return err
}
