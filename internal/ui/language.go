package ui

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/sesameauth/sesame/internal/i18n"
)

// langCookieAge keeps the language choice for a year.
const langCookieAge = 365 * 24 * 60 * 60

// Language serves the footer's language switch (GET routes.Language
// ?lang=…&return=…): it stores lang in the sesame_lang cookie and sends
// the browser back to return, which must be a path on this server
// (docs/security.md, RP-17); anything else goes to the home page. An
// unknown lang changes nothing.
func (rn *Renderer) Language() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if lang := q.Get("lang"); slices.Contains(i18n.Languages, lang) {
			http.SetCookie(w, &http.Cookie{Name: LangCookie, Value: lang, Path: rn.prefix + "/",
				MaxAge: langCookieAge, HttpOnly: true, Secure: r.TLS != nil,
				SameSite: http.SameSiteLaxMode})
		}
		back := q.Get("return")
		if !SameOriginPath(back) {
			back = rn.prefix + "/"
		}
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, back, http.StatusSeeOther)
	})
}

// SameOriginPath reports whether s is an absolute path on this origin:
// "/x", never "//host", "/\host", "https://host" or a path with control
// characters (browsers ignore tabs and newlines and treat '\' as '/').
func SameOriginPath(s string) bool {
	if s == "" || s[0] != '/' || len(s) > 2048 {
		return false
	}
	if strings.ContainsAny(s, "\\\t\r\n\x00") || strings.HasPrefix(s, "//") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil
}
