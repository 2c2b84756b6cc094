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
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/sesameauth/sesame/internal/routes"
)

// StaticPrefix is the URL path under which pages link the static files.
// The caller mounts [Renderer.Static] there.
const StaticPrefix = routes.Static

// Base holds what every page's layout needs.
type Base struct {
	Title string // page <title> suffix; the layout renders "Title · Sesame"
	Nonce string // CSP nonce for the one allowed inline script
	Lang  string // "en" when empty
}

// SignInPage is the username-or-email and password form.
type SignInPage struct {
	Base
	Action      string // form POST target
	CSRFToken   string // hidden input named "csrf_token"
	AppName     string // the app the user is signing in to
	Identifier  string // pre-filled username or email (input name "identifier")
	Error       string // user-facing error, shown in an alert above the form
	RegisterURL string // link "Create account" when non-empty
	// The password input is named "password".
}

// RegisterPage is the account-creation form. The inputs are named
// "username", "email", "password" and "password_confirm".
type RegisterPage struct {
	Base
	Action, CSRFToken, AppName string
	Username, Email            string // re-filled values
	Error                      string
	SignInURL                  string // "Already have an account? Sign in"
	PasswordHint               string // optional, e.g. "At least 12 characters."
}

// ScopeItem is one permission on the consent page. Description is shown
// when set, with Name as a small code label; otherwise Name is shown.
type ScopeItem struct{ Name, Description string }

// ConsentPage asks the user to allow an app access. Its one form has two
// submit buttons named "decision", with values "allow" and "deny".
type ConsentPage struct {
	Base
	Action, CSRFToken, AppName, UserName string
	Scopes                               []ScopeItem
	// APIs are the requested API resources, each with the scopes the user
	// can grant there: a scope belongs to its API, so they are shown per
	// API (docs/security.md, item 8.2).
	APIs []APIAccess
}

// APIAccess is one API resource on the consent page.
type APIAccess struct {
	Resource string   // the indicator
	Scopes   []string // empty: the app may call the API with no permission
}

// ErrorPage explains a failure that cannot be sent back to the app. It
// deliberately has no link or redirect anywhere.
type ErrorPage struct {
	Base
	Heading   string // e.g. "This sign-in link is not valid"
	Message   string // what went wrong, in plain words
	Detail    string // optional technical code, e.g. "invalid_request: …"
	RequestID string
}

// SignedOutPage confirms a logout. Message defaults to "You have signed out."
type SignedOutPage struct {
	Base
	Message string
}

// LogoutConfirmPage asks "Sign out of Sesame?" when a logout request names
// no app. Its form posts csrf_token and logout=yes.
type LogoutConfirmPage struct {
	Base
	Action, CSRFToken string
}

// FormField is one hidden input of a form_post response.
type FormField struct{ Name, Value string }

// FormPostPage is the OAuth 2.0 form_post response: a form of hidden inputs
// posted to Action by a nonce'd inline script, with a visible Continue
// button for browsers without JavaScript. Action must be an absolute http
// or https URL; anything else is refused with an error.
type FormPostPage struct {
	Base
	Action string
	Fields []FormField
}

// HomePage is the server's root page.
type HomePage struct {
	Base
	Issuer, DiscoveryURL string
}

// Page template names: templates/<name>.html must exist and define
// "content". Every other templates/*.html file is a shared file (the
// layout, partials) parsed into every page.
const (
	pageSignIn        = "signin"
	pageRegister      = "register"
	pageConsent       = "consent"
	pageError         = "error"
	pageSignedOut     = "signed_out"
	pageLogoutConfirm = "logout_confirm"
	pageFormPost      = "form_post"
	pageHome          = "home"
)

// pages maps each page to a zero value used for a trial render in New.
var pages = map[string]any{
	pageSignIn:        SignInPage{},
	pageRegister:      RegisterPage{},
	pageConsent:       ConsentPage{},
	pageError:         ErrorPage{},
	pageSignedOut:     SignedOutPage{},
	pageLogoutConfirm: LogoutConfirmPage{},
	pageFormPost:      FormPostPage{},
	pageHome:          HomePage{},
}

// Renderer renders the hosted pages. It is safe for concurrent use.
type Renderer struct {
	pages    map[string]*template.Template
	static   fs.FS
	versions map[string]string // static file name → content hash
}

// New parses every template in fsys once and fails if any page is missing
// or does not render. fsys must hold templates/layout.html (defining
// "layout"), one templates/<page>.html per page, and static/sesame.css;
// web.FS() does, and operators may pass os.DirFS of a copy to re-skin.
func New(fsys fs.FS) (*Renderer, error) { return NewAt(fsys, "") }

// NewAt is New for a server whose public endpoint has a path (prefix, such
// as "/sesame"): pages link the static files under it.
func NewAt(fsys fs.FS, prefix string) (*Renderer, error) {
	static, err := fs.Sub(fsys, "static")
	if err != nil {
		return nil, fmt.Errorf("ui: static: %w", err)
	}
	versions, err := hashStatic(static)
	if err != nil {
		return nil, fmt.Errorf("ui: static: %w", err)
	}
	if _, ok := versions["sesame.css"]; !ok {
		return nil, errors.New("ui: static/sesame.css is missing")
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

	entries, err := fs.ReadDir(fsys, "templates")
	if err != nil {
		return nil, fmt.Errorf("ui: %w", err)
	}
	var shared []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".html")
		if !ok || e.IsDir() {
			continue
		}
		if _, isPage := pages[name]; !isPage {
			shared = append(shared, "templates/"+e.Name())
		}
	}
	if len(shared) == 0 {
		return nil, errors.New("ui: templates/layout.html is missing")
	}
	base, err := template.New("").Funcs(funcs).ParseFS(fsys, shared...)
	if err != nil {
		return nil, fmt.Errorf("ui: %w", err)
	}
	if base.Lookup("layout") == nil {
		return nil, errors.New(`ui: no template defines "layout"`)
	}

	r := &Renderer{pages: make(map[string]*template.Template, len(pages)), static: static, versions: versions}
	for name, zero := range pages {
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("ui: %s: %w", name, err)
		}
		if t, err = t.ParseFS(fsys, "templates/"+name+".html"); err != nil {
			return nil, fmt.Errorf("ui: %s: %w", name, err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf(`ui: templates/%s.html does not define "content"`, name)
		}
		// A trial render surfaces escaping and field errors now rather
		// than on a user's request.
		if err := t.ExecuteTemplate(io.Discard, "layout", zero); err != nil {
			return nil, fmt.Errorf("ui: %s: %w", name, err)
		}
		r.pages[name] = t
	}
	return r, nil
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

func lang(b *Base) {
	if b.Lang == "" {
		b.Lang = "en"
	}
}

// SignIn renders the sign-in page.
func (r *Renderer) SignIn(w http.ResponseWriter, status int, p SignInPage) error {
	lang(&p.Base)
	return r.render(w, status, pageSignIn, p)
}

// Register renders the account-creation page.
func (r *Renderer) Register(w http.ResponseWriter, status int, p RegisterPage) error {
	lang(&p.Base)
	return r.render(w, status, pageRegister, p)
}

// Consent renders the consent page.
func (r *Renderer) Consent(w http.ResponseWriter, status int, p ConsentPage) error {
	lang(&p.Base)
	return r.render(w, status, pageConsent, p)
}

// Error renders the error page.
func (r *Renderer) Error(w http.ResponseWriter, status int, p ErrorPage) error {
	lang(&p.Base)
	return r.render(w, status, pageError, p)
}

// SignedOut renders the signed-out confirmation.
func (r *Renderer) SignedOut(w http.ResponseWriter, status int, p SignedOutPage) error {
	lang(&p.Base)
	return r.render(w, status, pageSignedOut, p)
}

// LogoutConfirm renders the "Sign out of Sesame?" page.
func (r *Renderer) LogoutConfirm(w http.ResponseWriter, status int, p LogoutConfirmPage) error {
	lang(&p.Base)
	return r.render(w, status, pageLogoutConfirm, p)
}

// FormPost renders the auto-submitting form_post response page. It refuses
// (500, and an error) an Action that is not an absolute http or https URL,
// rather than posting the response somewhere unintended.
func (r *Renderer) FormPost(w http.ResponseWriter, status int, p FormPostPage) error {
	lang(&p.Base)
	if err := checkPostTarget(p.Action); err != nil {
		writeInternalError(w)
		return fmt.Errorf("ui: form_post: %w", err)
	}
	return r.render(w, status, pageFormPost, p)
}

// Home renders the server's root page.
func (r *Renderer) Home(w http.ResponseWriter, status int, p HomePage) error {
	lang(&p.Base)
	return r.render(w, status, pageHome, p)
}

func checkPostTarget(action string) error {
	u, err := url.Parse(action)
	if err != nil {
		return errors.New("action is not a valid URL")
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("action must be an absolute http or https URL")
	}
	return nil
}

func (r *Renderer) render(w http.ResponseWriter, status int, page string, data any) error {
	var buf bytes.Buffer
	if err := r.pages[page].ExecuteTemplate(&buf, "layout", data); err != nil {
		writeInternalError(w)
		return fmt.Errorf("ui: render %s: %w", page, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if _, err := buf.WriteTo(w); err != nil {
		return fmt.Errorf("ui: write %s: %w", page, err)
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
// with http.StripPrefix(StaticPrefix, r.Static()). Files are sent with
// Cache-Control: public, max-age=86400 and a content type from their
// extension; directories are not listed.
func (r *Renderer) Static() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean("/"+req.URL.Path), "/")
		fi, err := fs.Stat(r.static, name)
		if name == "" || err != nil || !fi.Mode().IsRegular() {
			http.NotFound(w, req)
			return
		}
		h := w.Header()
		h.Set("Cache-Control", "public, max-age=86400")
		h.Set("X-Content-Type-Options", "nosniff")
		if v, ok := r.versions[name]; ok {
			h.Set("ETag", `"`+v+`"`)
		}
		http.ServeFileFS(w, req, r.static, name)
	})
}
