package oauth2

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/oidc/oauth2err"
	"github.com/sesameauth/sesame/internal/ui"
)

// Responder sends authorization responses back to a validated redirect URI.
type Responder struct {
	UI     *ui.Renderer
	Issuer string
	Log    *slog.Logger
}

// Target is where and how a response goes.
type Target struct {
	RedirectURI  string
	ResponseMode string // "query" (default) or "form_post"
	State        string
}

// Success redirects with the authorization code.
func (rs *Responder) Success(w http.ResponseWriter, r *http.Request, t Target, code string) {
	rs.send(w, r, t, [][2]string{{"code", code}})
}

// Error redirects with an OAuth error. Server-side failures never redirect
// with detail: they show the error page (node-oidc-provider does the same).
func (rs *Responder) Error(w http.ResponseWriter, r *http.Request, t Target, err error) {
	e := oauth2err.From(err)
	if e.Status >= 500 {
		httpx.LogFailure(r.Context(), rs.Log, "authorization failed", err)
		ErrorPage(rs.UI, w, r, e.Status, ui.M("oidc.error.unavailable.heading"), ui.M("oidc.error.unavailable.message"), "")
		return
	}
	rs.send(w, r, t, [][2]string{{"error", e.Code}, {"error_description", e.Description}})
}

func (rs *Responder) send(w http.ResponseWriter, r *http.Request, t Target, params [][2]string) {
	if t.State != "" {
		params = append(params, [2]string{"state", t.State})
	}
	params = append(params, [2]string{"iss", rs.Issuer})
	httpx.NoStore(w)
	if t.ResponseMode == "form_post" {
		fields := make([]FormField, len(params))
		for i, p := range params {
			fields[i] = FormField{Name: p[0], Value: p[1]}
		}
		httpx.AllowFormAction(w, r, Origin(t.RedirectURI))
		rs.UI.Render(w, r, http.StatusOK, &FormPostPage{Base: ui.Base{Title: "oidc.form_post.title"},
			Action: t.RedirectURI, Fields: fields})
		return
	}
	v := url.Values{}
	for _, p := range params {
		v.Set(p[0], p[1])
	}
	sep := "?"
	if strings.Contains(t.RedirectURI, "?") {
		sep = "&"
	}
	// 303: a redirect after a form submission must not replay the POST
	// (RFC 9700 §4.12).
	http.Redirect(w, r, t.RedirectURI+sep+v.Encode(), http.StatusSeeOther)
}

// Origin returns scheme://host of u, for CSP form-action.
func Origin(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" {
		return ""
	}
	if p.Host == "" {
		return p.Scheme + ":"
	}
	return p.Scheme + "://" + p.Host
}

// ErrorPage renders the hosted error page, which redirects nowhere.
func ErrorPage(u *ui.Renderer, w http.ResponseWriter, r *http.Request, status int, heading, message ui.Msg, detail string) {
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	u.Render(w, r, status, &ui.ErrorPage{Base: ui.Base{Title: heading.Key},
		Heading: heading, Message: message, Detail: detail})
}
