package console

import (
	"net/http"

	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/ui"
)

// record writes a console change to the audit log against the signed-in
// administrator, as the Management API does (audit.AdminChange), before
// the answer: a change the log missed must not look successful, so on
// failure it has answered with the failure page and returns false.
// before and after are views without secrets or password hashes.
func (h *Handler) record(w http.ResponseWriter, r *http.Request, rq *request, entity, action, id string, before, after any) bool {
	e := audit.AdminChange(rq.p.Actor(), entity, action, id, before, after)
	e.IP, e.UserAgent = httpx.ClientAddr(r.Context()), r.UserAgent()
	if err := h.Audit.RecordNow(r.Context(), e); err != nil {
		h.failure(w, r, err)
		return false
	}
	return true
}

func (h *Handler) setupView(w http.ResponseWriter, r *http.Request, status int, token, login string, msg ui.Msg) {
	h.render(w, r, status, &SetupPage{Base: ui.Base{Title: h.t(r, "console.setup.title")}, Action: h.path("/setup"),
		CSRFToken: h.CSRF.Token(w, r), Token: token, Login: login, Error: msg, Console: h.path("/")})
}

// setupPage shows the first-run form while no administrator exists.
func (h *Handler) setupPage(w http.ResponseWriter, r *http.Request) {
	if !h.setupOpen(w, r) {
		return
	}
	tok := r.URL.Query().Get("token")
	if tok == "" || len(tok) > 256 {
		h.errorPage(w, r, http.StatusBadRequest, "console.error.setup_link", "console.error.setup_link.message")
		return
	}
	h.setupView(w, r, http.StatusOK, tok, "", ui.Msg{})
}

// setupOpen answers when setup is over (or not wired) and reports whether
// the form may be shown.
func (h *Handler) setupOpen(w http.ResponseWriter, r *http.Request) bool {
	if h.Setup == nil {
		h.errorPage(w, r, http.StatusNotFound, "console.error.setup_unavailable", "console.error.setup_unavailable.message")
		return false
	}
	needed, err := h.Setup.Needed(r.Context())
	if err != nil {
		h.failure(w, r, err)
		return false
	}
	if !needed {
		h.render(w, r, http.StatusOK, &SetupPage{Base: ui.Base{Title: h.t(r, "console.setup.title")}, Done: true, Console: h.path("/")})
		return false
	}
	return true
}

func (h *Handler) setup(w http.ResponseWriter, r *http.Request) {
	if !h.checkForm(w, r) || !h.setupOpen(w, r) {
		return
	}
	f := r.PostForm
	tok, login, pw := f.Get("token"), f.Get("login"), f.Get("password")
	if pw != f.Get("password_repeat") {
		h.setupView(w, r, http.StatusBadRequest, tok, login, ui.M("console.passwords_differ"))
		return
	}
	err := h.Setup.Create(r.Context(), tok, login, pw)
	if directory.IsBadInput(err) {
		h.setupView(w, r, http.StatusBadRequest, tok, login, refused(err))
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, &SetupPage{Base: ui.Base{Title: h.t(r, "console.setup.title")}, Done: true, Console: h.path("/")})
}
