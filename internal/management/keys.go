package management

import (
	"net/http"

	"github.com/sesameauth/sesame/internal/store"
)

// oidcKey is a signing key's public metadata; private material never
// leaves the server.
type oidcKey struct {
	ID                  string `json:"id"`
	CreatedAt           *int64 `json:"createdAt"`
	SigningKeyAlgorithm string `json:"signingKeyAlgorithm"`
}

func keyType(r *http.Request) error {
	if r.PathValue("keyType") != "private-keys" {
		return errStatus(http.StatusBadRequest, "guard.invalid_input", "keyType must be private-keys (Sesame has no cookie keys to manage)")
	}
	return nil
}

func (h *Handler) writeKeys(w http.ResponseWriter, r *http.Request) error {
	ks, err := h.Keys.List(r.Context())
	if err != nil {
		return err
	}
	// Newest first, as Logto, so the first is the one that signs by
	// default; the keys kept for apps' algorithms (RS256…) come after.
	out := make([]oidcKey, 0, len(ks))
	for _, defaults := range []bool{true, false} {
		for i := len(ks) - 1; i >= 0; i-- {
			if (ks[i].Purpose == "") == defaults {
				out = append(out, keyView(ks[i]))
			}
		}
	}
	return write(w, r, http.StatusOK, out)
}

func keyView(k store.SigningKey) oidcKey {
	return oidcKey{ID: k.ID, CreatedAt: ms(k.CreatedAt), SigningKeyAlgorithm: k.Alg}
}

func (h *Handler) listKeys(w http.ResponseWriter, r *http.Request) error {
	if err := keyType(r); err != nil {
		return err
	}
	return h.writeKeys(w, r)
}

type keyRotate struct {
	SigningKeyAlgorithm string `json:"signingKeyAlgorithm"`
}

func (h *Handler) rotateKeys(w http.ResponseWriter, r *http.Request) error {
	if err := keyType(r); err != nil {
		return err
	}
	var in keyRotate
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			return err
		}
	}
	k, err := h.Keys.Rotate(r.Context(), in.SigningKeyAlgorithm)
	if err != nil {
		return err
	}
	if err := h.record(r, "SigningKey", "Rotate", k.ID, nil, keyView(k)); err != nil {
		return err
	}
	return h.writeKeys(w, r)
}
