package ui

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/i18n"
	"github.com/sesameauth/sesame/internal/routes"
)

// StaticPrefix is the URL path under which pages link the static files.
// The caller mounts [Renderer.Static] there.
const StaticPrefix = routes.Static

// Page is one hosted page. A page type lives with the package that renders
// it, embeds [Base] and names its template file:
//
//	type SignInPage struct {
//		ui.Base
//		Action string
//	}
//
//	func (*SignInPage) Template() string { return "experience/signin" }
//
// and is passed to [New] (as a zero value, for [Renderer.Verify]'s trial
// render) and to [Renderer.Render] (as a pointer).
type Page interface {
	// Template names the page's template, "<area>/<name>": the file
	// templates/<area>/<name>.html, which defines "content".
	Template() string
	base() *Base
}

// Checker is implemented by a page that can refuse to be rendered: Render
// answers a failed Check with a plain 500, as it does a template failure.
type Checker interface {
	Check() error
}

// Base holds what every page's layout needs. It is embedded in every page
// type; Render fills the fields left empty from the request.
type Base struct {
	Title string // page <title> suffix; the layout renders "Title · Sesame"
	Nonce string // CSP nonce for the one allowed inline script
	// Lang is the page's language (<html lang>), chosen by Render (see
	// there); a page may set it to force one.
	Lang string
	// UILocales is the ui_locales of the authorization request the page
	// serves, if any: it outranks the browser's preferences.
	UILocales string
	RequestID string // shown on the error page
	Brand     Brand  // the sign-in experience's branding; zero: Sesame's
	// Switch is the footer's language switch, set by Render: one link per
	// language to the language route, returning to this page.
	Switch []LangLink

	printer *i18n.Printer // set by Render for Lang
}

// Brand is the branding a page shows: validated values only (package
// signinexp), escaped by html/template like any other field.
type Brand struct {
	Name        string // replaces "Sesame" in the header when set
	LogoURL     string // an https URL shown as <img> instead of the mark
	DarkLogoURL string // for dark mode; "" uses LogoURL
	CSSURL      string // the generated brand stylesheet (colours)
	LightOnly   bool   // no dark scheme (isDarkModeEnabled false): class "light-only" on <html>
}

func (b *Base) base() *Base { return b }

// LangLink is one entry of the footer's language switch.
type LangLink struct {
	Lang, Name, URL string
	Current         bool
}

// PageTitle is the <title> text: Title translated when it is a catalogue
// key, else Title as set (a name, or a text already translated).
func (b *Base) PageTitle() string {
	if b.printer.Has(b.Title) {
		return b.printer.T(b.Title)
	}
	return b.Title
}

// T is the text of catalogue key in the page's language, its {name}
// placeholders filled from args (name, value pairs). Templates call it as
// {{.T "signin.heading"}}.
func (b *Base) T(key string, args ...any) string { return b.printer.T(key, args...) }

// TM is the text of a message chosen in Go code: {{.TM .Error}}. The zero
// Msg is "".
func (b *Base) TM(m Msg) string {
	if m.Key == "" {
		return ""
	}
	return b.printer.T(m.Key, m.Args...)
}

// Msg is a catalogue message chosen in Go code (an error on a form, an
// error page's text): its key and its placeholders' name, value pairs.
type Msg struct {
	Key  string
	Args []any
}

// M builds a Msg.
func M(key string, args ...any) Msg { return Msg{Key: key, Args: args} }

// IsZero reports whether m is unset (templates: {{if not .Error.IsZero}}
// or {{with .TM .Error}}).
func (m Msg) IsZero() bool { return m.Key == "" }

// ErrorPage explains a failure that cannot be sent back to the app. It
// deliberately has no link or redirect anywhere. Front ends of every area
// show it, so it is a shared page.
type ErrorPage struct {
	Base
	Heading Msg    // e.g. "This sign-in link is not valid"; zero: a generic one
	Message Msg    // what went wrong, in plain words; zero: a generic one
	Detail  string // optional technical code, e.g. "invalid_request: …"
}

// Template implements [Page].
func (*ErrorPage) Template() string { return "shared/error" }

// sharedArea holds the layout, the partials every page uses and the
// shared pages.
const sharedArea = "shared"

// Renderer renders the hosted pages. It is safe for concurrent use.
type Renderer struct {
	i18n     *i18n.Bundle
	prefix   string           // the public endpoint's path, for the language switch
	pages    map[string]*page // by Page.Template; fixed after New
	static   fs.FS
	versions map[string]string // static file name → content hash
}

// page is one page's template, parsed at its first render: parsing and
// escaping all of them took about half of a server's start-up.
type page struct {
	zero  Page // the value New was given, for Verify's trial render
	once  sync.Once
	build func() (*template.Template, error)
	t     *template.Template
	err   error
}

func (p *page) template() (*template.Template, error) {
	p.once.Do(func() { p.t, p.err = p.build() })
	return p.t, p.err
}

// New checks the shape of the template tree in fsys and returns a
// renderer of pages, the pages the server renders as zero values (the
// shared [ErrorPage] is always included). Each page's template is parsed
// at its first render, each language's texts read at their first use;
// [Renderer.Verify] parses and trial-renders them all now, and is what a
// tree's tests (or a server given a tree other than web.FS()) call.
//
// fsys must hold static/sesame.css and, under templates/, one directory
// per area: shared/ with layout.html (defining "layout"), and for each
// page <area>/<name>.html. The other .html files of shared/ are parsed
// into every page, those of an area's directory into that area's pages.
// web.FS() has this shape, and operators may pass os.DirFS of a copy to
// re-skin.
func New(fsys fs.FS, pages ...Page) (*Renderer, error) { return NewAt(fsys, "", pages...) }

// NewAt is New for a server whose public endpoint has a path (prefix, such
// as "/sesame"): pages link the static files under it.
func NewAt(fsys fs.FS, prefix string, pages ...Page) (*Renderer, error) {
	static, funcs, versions, err := loadStatic(fsys, prefix)
	if err != nil {
		return nil, err
	}
	pages = append([]Page{&ErrorPage{}}, pages...)
	byName := make(map[string]Page, len(pages))
	for _, p := range pages {
		name := p.Template()
		if _, dup := byName[name]; dup {
			return nil, fmt.Errorf("ui: two pages use template %s", name)
		}
		byName[name] = p
	}
	areas, err := parseAreas(fsys, funcs, byName)
	if err != nil {
		return nil, err
	}
	r := &Renderer{i18n: i18n.Open(fsys, "i18n"), prefix: prefix, pages: make(map[string]*page, len(pages)), static: static, versions: versions}
	for name, zero := range byName {
		base, ok := areas[path.Dir(name)]
		if !ok {
			return nil, fmt.Errorf("ui: templates/%s/ is missing (page %s)", path.Dir(name), name)
		}
		file := "templates/" + name + ".html"
		if _, err := fs.Stat(fsys, file); err != nil {
			return nil, fmt.Errorf("ui: %s: %w", name, err)
		}
		r.pages[name] = &page{zero: zero, build: func() (*template.Template, error) {
			t, err := base.Clone()
			if err == nil {
				t, err = t.ParseFS(fsys, file)
			}
			if err == nil && t.Lookup("content") == nil {
				err = fmt.Errorf(`%s does not define "content"`, file)
			}
			return t, err
		}}
	}
	return r, nil
}

// Verify parses every page's template and renders each page's zero value
// in English, and reads every language's texts: a template that does not
// parse or render, or a catalogue that does not load, is an error now
// rather than a 500 on a user's request.
func (rn *Renderer) Verify() error {
	if err := rn.i18n.Check(); err != nil {
		return fmt.Errorf("ui: %w", err)
	}
	for _, name := range slices.Sorted(maps.Keys(rn.pages)) {
		p := rn.pages[name]
		t, err := p.template()
		if err == nil {
			p.zero.base().printer = rn.i18n.Printer(i18n.English)
			err = t.ExecuteTemplate(io.Discard, "layout", p.zero)
		}
		if err != nil {
			return fmt.Errorf("ui: %s: %w", name, err)
		}
	}
	return nil
}

// loadStatic reads the static files and returns the template functions
// that link them.
func loadStatic(fsys fs.FS, prefix string) (fs.FS, template.FuncMap, map[string]string, error) {
	static, err := fs.Sub(fsys, "static")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("ui: static: %w", err)
	}
	versions, err := hashStatic(static)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("ui: static: %w", err)
	}
	if _, ok := versions["sesame.css"]; !ok {
		return nil, nil, nil, errors.New("ui: static/sesame.css is missing")
	}
	funcs := template.FuncMap{
		// static returns the URL of a static file with a content hash, so
		// the long-lived cache is busted whenever the file changes.
		"static": func(name string) (string, error) {
			v, ok := versions[name]
			if !ok {
				return "", fmt.Errorf("no static file %q", name)
			}
			return prefix + StaticPrefix + name + "?v=" + v, nil
		},
	}
	return static, funcs, versions, nil
}

// parseAreas returns, per directory under templates/, the template set a
// page of that area starts from: the shared partials (every file of
// shared/ that is not a page) plus the area's own partials.
func parseAreas(fsys fs.FS, funcs template.FuncMap, pages map[string]Page) (map[string]*template.Template, error) {
	entries, err := fs.ReadDir(fsys, "templates")
	if err != nil {
		return nil, fmt.Errorf("ui: %w", err)
	}
	partials := func(area string) ([]string, error) {
		files, err := fs.ReadDir(fsys, "templates/"+area)
		if err != nil {
			return nil, fmt.Errorf("ui: %w", err)
		}
		var list []string
		for _, f := range files {
			name, ok := strings.CutSuffix(f.Name(), ".html")
			if _, isPage := pages[area+"/"+name]; ok && !isPage && !f.IsDir() {
				list = append(list, "templates/"+area+"/"+f.Name())
			}
		}
		return list, nil
	}
	shared, err := partials(sharedArea)
	if err != nil || len(shared) == 0 {
		return nil, errors.New("ui: templates/shared/layout.html is missing")
	}
	base, err := template.New("").Funcs(funcs).ParseFS(fsys, shared...)
	if err != nil {
		return nil, fmt.Errorf("ui: %w", err)
	}
	if base.Lookup("layout") == nil {
		return nil, errors.New(`ui: no template defines "layout"`)
	}
	areas := map[string]*template.Template{sharedArea: base}
	for _, e := range entries {
		if !e.IsDir() || e.Name() == sharedArea {
			continue
		}
		list, err := partials(e.Name())
		if err != nil {
			return nil, err
		}
		t, err := base.Clone()
		if err == nil && len(list) > 0 {
			t, err = t.ParseFS(fsys, list...)
		}
		if err != nil {
			return nil, fmt.Errorf("ui: %s: %w", e.Name(), err)
		}
		areas[e.Name()] = t
	}
	return areas, nil
}

// hashStatic returns a short content hash of every file under static.
func hashStatic(static fs.FS) (map[string]string, error) {
	versions := make(map[string]string)
	err := fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		versions[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	return versions, err
}

// LangCookie names the cookie of the pages' language switch.
const LangCookie = "sesame_lang"

// Lang is the language of the pages for r: uiLocales (an authorization
// request's ui_locales) first, then the language switch's cookie, then
// the browser's Accept-Language, then English.
func Lang(r *http.Request, uiLocales string) string {
	var cookie string
	if c, err := r.Cookie(LangCookie); err == nil {
		cookie = c.Value
	}
	return i18n.Match(uiLocales, cookie, r.Header.Get("Accept-Language"))
}

// langSwitch is the footer's language links for a page served for r: each
// returns to r's path and query (a same-origin path; the language route
// checks it again).
func (rn *Renderer) langSwitch(r *http.Request, current string) []LangLink {
	back := r.URL.EscapedPath()
	if q := r.URL.RawQuery; q != "" && r.Method == http.MethodGet {
		back += "?" + q
	} else if q := r.URL.Query().Get("interaction"); q != "" {
		back += "?interaction=" + url.QueryEscape(q)
	}
	links := make([]LangLink, 0, len(i18n.Languages))
	for _, l := range i18n.Languages {
		links = append(links, LangLink{Lang: l, Name: i18n.Names[l], Current: l == current,
			URL: rn.prefix + routes.Language + "?" + url.Values{"lang": {l}, "return": {back}}.Encode()})
	}
	return links
}

// I18n returns the catalogues the pages render from (mail uses them too).
func (rn *Renderer) I18n() *i18n.Bundle { return rn.i18n }

// Render writes p with status. It fills the fields of p's [Base] left
// empty: the CSP nonce, the language (Lang of r and p's UILocales, unless
// p set Lang) and the request id, from r.
// The page is rendered into a buffer first: if p fails its [Checker] or
// its template fails, the client gets a plain 500, never a half page, and
// the error is logged with the request id and the template name. Callers
// have nothing to check.
func (rn *Renderer) Render(w http.ResponseWriter, r *http.Request, status int, p Page) {
	ctx := r.Context()
	b := p.base()
	if b.Nonce == "" {
		b.Nonce = httpx.Nonce(ctx)
	}
	if b.Lang == "" {
		b.Lang = Lang(r, b.UILocales)
	} else {
		b.Lang = i18n.Match(b.Lang)
	}
	b.printer = rn.i18n.Printer(b.Lang)
	b.Switch = rn.langSwitch(r, b.Lang)
	if b.RequestID == "" {
		b.RequestID = httpx.RequestID(ctx)
	}
	name := p.Template()
	var buf bytes.Buffer
	err := check(p)
	if pg := rn.pages[name]; err == nil && pg == nil {
		err = errors.New("page not passed to ui.New")
	} else if err == nil {
		var t *template.Template
		if t, err = pg.template(); err == nil {
			err = t.ExecuteTemplate(&buf, "layout", p)
		}
	}
	if err != nil {
		httpx.LogFailure(ctx, httpx.Logger(ctx), "render page", err, "template", name)
		writeInternalError(w)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	buf.WriteTo(w) // a failed write is a client gone away
}

func check(p Page) error {
	if c, ok := p.(Checker); ok {
		return c.Check()
	}
	return nil
}

func writeInternalError(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusInternalServerError)
	io.WriteString(w, "internal error\n")
}

// Static serves the static/ subtree (stylesheet, favicon) for mounting
// with http.StripPrefix(StaticPrefix, rn.Static()). Files are sent with
// Cache-Control: public, max-age=86400 and a content type from their
// extension; directories are not listed.
func (rn *Renderer) Static() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean("/"+req.URL.Path), "/")
		fi, err := fs.Stat(rn.static, name)
		if name == "" || err != nil || !fi.Mode().IsRegular() {
			http.NotFound(w, req)
			return
		}
		h := w.Header()
		h.Set("Cache-Control", "public, max-age=86400")
		h.Set("X-Content-Type-Options", "nosniff")
		if v, ok := rn.versions[name]; ok {
			h.Set("ETag", `"`+v+`"`)
		}
		http.ServeFileFS(w, req, rn.static, name)
	})
}
