package console

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

// appTypes are the choices on the new-app form, in Logto's order.
var appTypes = []AppType{
	{Value: string(store.AppTraditional), Label: "console.apptype.traditional", Help: "console.apptype.traditional.help"},
	{Value: string(store.AppSPA), Label: "console.apptype.spa", Help: "console.apptype.spa.help"},
	{Value: string(store.AppNative), Label: "console.apptype.native", Help: "console.apptype.native.help"},
	{Value: string(store.AppM2M), Label: "console.apptype.m2m", Help: "console.apptype.m2m.help"},
}

// typeLabel is the catalogue key of t's name (an unknown type: t itself).
func typeLabel(t store.AppType) string {
	for _, a := range appTypes {
		if a.Value == string(t) {
			return a.Label
		}
	}
	return string(t)
}

func (h *Handler) nav(rq *request, section string) Nav {
	return Nav{Console: h.path(""), Section: section, CSRFToken: rq.csrf, Items: navItems}
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx := r.Context()
	apps, err := h.Apps.List(ctx)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	_, users, err := h.Store.ListUsersPage(ctx, store.ListQuery{PageSize: 1})
	if err != nil {
		h.failure(w, r, err)
		return
	}
	n := 0
	for _, a := range apps {
		if !isConsole(a.Client) {
			n++
		}
	}
	h.render(w, r, http.StatusOK, &HomePage{Base: ui.Base{Title: h.t(r, "console.home.title")}, Nav: h.nav(rq, "home"), Apps: n, Users: users})
}

// isConsole hides the console's own client from the apps pages: deleting
// it from here would lock every administrator out.
func isConsole(c store.Client) bool { return c.ID == admin.ConsoleClientID }

func (h *Handler) appsPage(w http.ResponseWriter, r *http.Request, rq *request) {
	apps, err := h.Apps.List(r.Context())
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p := &AppsPage{Base: ui.Base{Title: h.t(r, "console.apps.title")}, Nav: h.nav(rq, "apps")}
	for _, a := range apps {
		if isConsole(a.Client) {
			continue
		}
		p.Apps = append(p.Apps, AppRow{ID: a.Client.ID, Name: a.Client.Name, Type: typeLabel(a.Client.Type), CreatedAt: a.Client.CreatedAt})
	}
	h.render(w, r, http.StatusOK, p)
}

func (h *Handler) newAppForm(r *http.Request, rq *request, name, typ string, msg ui.Msg) *NewAppPage {
	p := &NewAppPage{Base: ui.Base{Title: h.t(r, "console.app_new.title")}, Nav: h.nav(rq, "apps"), Name: name, Error: msg}
	if typ == "" {
		typ = string(store.AppTraditional)
	}
	for _, t := range appTypes {
		t.Checked = t.Value == typ
		p.Types = append(p.Types, t)
	}
	return p
}

func (h *Handler) newAppPage(w http.ResponseWriter, r *http.Request, rq *request) {
	h.render(w, r, http.StatusOK, h.newAppForm(r, rq, "", r.URL.Query().Get("type"), ui.Msg{}))
}

func (h *Handler) createApp(w http.ResponseWriter, r *http.Request, rq *request) {
	name, typ := r.PostFormValue("name"), r.PostFormValue("type")
	a, sec, err := h.Apps.Create(r.Context(), directory.NewApp{Name: name, Type: store.AppType(typ)})
	if directory.IsBadInput(err) {
		h.render(w, r, http.StatusBadRequest, h.newAppForm(r, rq, name, typ, refused(err)))
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "Application", "Create", a.Client.ID, nil, appDoc(a.Client)) {
		return
	}
	// The secret is shown on this page, the answer to the POST, and never
	// again: only its hash is stored.
	p := h.appView(rq, a.Client)
	p.Secret = sec
	h.render(w, r, http.StatusCreated, p)
}

func (h *Handler) appView(rq *request, c store.Client) *AppPage {
	return &AppPage{Base: ui.Base{Title: c.Name}, Nav: h.nav(rq, "apps"), App: c, TypeLabel: typeLabel(c.Type),
		Redirects: strings.Join(c.RedirectURIs, "\n"), Logouts: strings.Join(c.PostLogoutRedirectURIs, "\n"),
		CORS: strings.Join(c.CORSOrigins, "\n"), Guide: h.path("/apps/" + c.ID + "/guide"), Settings: settingsForm(c)}
}

// loadApp finds the app named in the path; on failure it has answered.
func (h *Handler) loadApp(w http.ResponseWriter, r *http.Request) (store.Client, bool) {
	id := r.PathValue("id")
	c, err := h.Apps.Get(r.Context(), id)
	if err == nil && isConsole(c) {
		err = directory.AppNotFound(id)
	}
	if errors.Is(err, directory.ErrAppNotFound) || errors.Is(err, store.ErrNotFound) {
		h.errorPage(w, r, http.StatusNotFound, "console.error.no_app", "console.error.no_app.message")
		return store.Client{}, false
	}
	if err != nil {
		h.failure(w, r, err)
		return store.Client{}, false
	}
	return c, true
}

func (h *Handler) appPage(w http.ResponseWriter, r *http.Request, rq *request) {
	c, ok := h.loadApp(w, r)
	if !ok {
		return
	}
	p, ok := h.appViewFor(w, r, rq, c)
	if !ok {
		return
	}
	p.Saved = r.URL.Query().Get("saved") == "1"
	h.render(w, r, http.StatusOK, p)
}

// lines splits a textarea into its non-empty lines.
func lines(s string) []string {
	var out []string
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (h *Handler) saveURIs(w http.ResponseWriter, r *http.Request, rq *request) {
	c, ok := h.loadApp(w, r)
	if !ok {
		return
	}
	redirects, logouts := r.PostFormValue("redirect_uris"), r.PostFormValue("post_logout_redirect_uris")
	errs, err := h.setURIs(r, c, lines(redirects), lines(logouts))
	if err != nil {
		h.failure(w, r, err)
		return
	}
	back := r.PostFormValue("from") == "guide"
	if len(errs) > 0 {
		if back {
			p := h.guideView(r, rq, c, r.URL.Query().Get("framework"))
			p.Redirects, p.Logouts, p.Errors = redirects, logouts, errs
			h.render(w, r, http.StatusBadRequest, p)
			return
		}
		p := h.appView(rq, c)
		p.Redirects, p.Logouts, p.Errors = redirects, logouts, errs
		h.render(w, r, http.StatusBadRequest, p)
		return
	}
	if !h.record(w, r, rq, "Application", "Update", c.ID,
		map[string][]string{"redirectUris": c.RedirectURIs, "postLogoutRedirectUris": c.PostLogoutRedirectURIs},
		map[string][]string{"redirectUris": lines(redirects), "postLogoutRedirectUris": lines(logouts)}) {
		return
	}
	if back {
		h.seeOther(w, r, "/apps/"+c.ID+"/guide?saved=1&framework="+framework(r.PostFormValue("framework")))
		return
	}
	h.seeOther(w, r, "/apps/"+c.ID+"?saved=1")
}

func (h *Handler) saveCORS(w http.ResponseWriter, r *http.Request, rq *request) {
	c, ok := h.loadApp(w, r)
	if !ok {
		return
	}
	raw := r.PostFormValue("cors_origins")
	_, err := h.Apps.SetCORS(r.Context(), c, lines(raw))
	if directory.IsBadInput(err) {
		p := h.appView(rq, c)
		p.CORS, p.Errors = raw, map[string]ui.Msg{"cors_origins": refused(err)}
		h.render(w, r, http.StatusBadRequest, p)
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "Application", "Update", c.ID, map[string][]string{"corsAllowedOrigins": c.CORSOrigins},
		map[string][]string{"corsAllowedOrigins": lines(raw)}) {
		return
	}
	h.seeOther(w, r, "/apps/"+c.ID+"?saved=1")
}

func (h *Handler) deleteApp(w http.ResponseWriter, r *http.Request, rq *request) {
	c, ok := h.loadApp(w, r)
	if !ok {
		return
	}
	if r.PostFormValue("confirm") != c.Name {
		p := h.appView(rq, c)
		p.Errors = map[string]ui.Msg{"confirm": ui.M("console.app.confirm_name")}
		h.render(w, r, http.StatusBadRequest, p)
		return
	}
	if err := h.Apps.Delete(r.Context(), c.ID); err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "Application", "Delete", c.ID, appDoc(c), nil) {
		return
	}
	h.seeOther(w, r, "/apps")
}

func framework(s string) string {
	if s == "next" {
		return "next"
	}
	return "go"
}

// cookieSecret is a fresh 32-byte secret for the app's session cookie.
func cookieSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (h *Handler) guideView(r *http.Request, rq *request, c store.Client, fw string) *GuidePage {
	fw = framework(fw)
	redirect, logout := "http://localhost:3000/callback", "http://localhost:3000/"
	guide := h.path("/apps/" + c.ID + "/guide")
	return &GuidePage{Base: ui.Base{Title: c.Name + " · " + h.t(r, "console.guide.title")}, Nav: h.nav(rq, "apps"), App: c,
		Endpoint: strings.TrimSuffix(h.Endpoint, "/"), Issuer: h.Issuer, CookieSecret: cookieSecret(),
		Redirect: redirect, Logout: logout,
		Redirects: strings.Join(c.RedirectURIs, "\n"), Logouts: strings.Join(c.PostLogoutRedirectURIs, "\n"),
		Framework: fw, GoURL: guide + "?framework=go", NextURL: guide + "?framework=next", AppURL: h.path("/apps/" + c.ID)}
}

func (h *Handler) guidePage(w http.ResponseWriter, r *http.Request, rq *request) {
	c, ok := h.loadApp(w, r)
	if !ok {
		return
	}
	p := h.guideView(r, rq, c, r.URL.Query().Get("framework"))
	p.Saved = r.URL.Query().Get("saved") == "1"
	h.render(w, r, http.StatusOK, p)
}

// formMessage is a domain error's message for a form: the CLI flag names
// in directory's messages ("--redirect-uri") are the CLI's, so the console
// strips them.
func formMessage(err error) string {
	var de *directory.Error
	if !errors.As(err, &de) {
		return err.Error()
	}
	m := de.Message
	if rest, ok := strings.CutPrefix(m, "--"); ok {
		if flag, after, ok := strings.Cut(rest, " "); ok {
			if strings.HasPrefix(after, `"`) { // `--redirect-uri "x": why`
				m = after
			} else { // `--name is required`
				m = strings.ReplaceAll(flag, "-", " ") + " " + after
			}
		}
	}
	if m != "" {
		m = strings.ToUpper(m[:1]) + m[1:]
	}
	return m
}

// setURIs validates each list with directory's rule for a new app of the
// same type, so each field gets its own error, then saves both.
func (h *Handler) setURIs(r *http.Request, c store.Client, redirects, logouts []string) (map[string]ui.Msg, error) {
	errs := map[string]ui.Msg{}
	check := func(field string, a directory.NewApp) {
		if err := directory.CheckNewApp(&a); err != nil {
			errs[field] = refused(err)
		}
	}
	check("redirect_uris", directory.NewApp{Name: c.Name, Type: c.Type, RedirectURIs: redirects})
	check("post_logout_redirect_uris", directory.NewApp{Name: c.Name, Type: c.Type, PostLogoutRedirectURIs: logouts})
	if len(errs) > 0 {
		return errs, nil
	}
	if h.URIs == nil {
		return map[string]ui.Msg{"redirect_uris": ui.M("console.app.uris_unavailable")}, nil
	}
	err := h.URIs.SetURIs(r.Context(), c, redirects, logouts)
	if directory.IsBadInput(err) {
		return map[string]ui.Msg{"redirect_uris": refused(err)}, nil
	}
	return nil, err
}
