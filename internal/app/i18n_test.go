package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/store"
)

// acceptLanguage adds an Accept-Language header to every request.
type acceptLanguage string

func (a acceptLanguage) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Accept-Language", string(a))
	return http.DefaultTransport.RoundTrip(req)
}

// wantPage fails unless body is in lang and contains every text.
func wantPage(t *testing.T, body, lang string, texts ...string) {
	t.Helper()
	if !strings.Contains(body, `<html lang="`+lang+`"`) {
		t.Errorf("page is not lang=%s: %.300s", lang, body)
	}
	for _, s := range texts {
		if !strings.Contains(body, s) {
			t.Errorf("page (lang %s) lacks %q", lang, s)
		}
	}
}

// TestLanguageUILocales: the app's ui_locales picks the language of the
// sign-in page, of its form errors and of the register page, over the
// browser's Accept-Language and over the language switch's cookie.
func TestLanguageUILocales(t *testing.T) {
	e := newEnv(t)
	id, _ := e.app(t, store.AppSPA, []string{"http://app.test/cb"}, nil)
	_, challenge := pkce()
	b := e.browser(t)
	b.Client.Transport = acceptLanguage("zh-CN,zh;q=0.9")
	extra := url.Values{"ui_locales": {"de-CH en"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	resp := b.get(t, e.authURL(id, "http://app.test/cb", extra))
	body, _, _ := page(t, resp)
	wantPage(t, body, "de", "<title>Anmelden · Sesame</title>", "Benutzername oder E-Mail-Adresse", "Passwort")
	resp, err := b.SignIn(b.get(t, resp.Request.URL.String()), "nobody", "wrong-password")
	if err != nil {
		t.Fatal(err)
	}
	body, _, _ = page(t, resp)
	wantPage(t, body, "de", "Benutzername, E-Mail-Adresse oder Passwort ist falsch.")
	// The switch's cookie does not outrank the app's ui_locales.
	b.get(t, e.URL+"/language?lang=zh-Hans&return=/").Body.Close()
	reg := strings.Replace(resp.Request.URL.String(), "/sign-in?", "/register?", 1)
	body, _, _ = page(t, b.get(t, reg))
	wantPage(t, body, "de", "Konto erstellen", "Passwort bestätigen", "Mindestens 8 Zeichen.")
}

// TestLanguageAcceptLanguage: without ui_locales or cookie, the browser's
// Accept-Language decides (zh-CN is Simplified Chinese); none: English.
func TestLanguageAcceptLanguage(t *testing.T) {
	e := newEnv(t)
	id, _ := e.app(t, store.AppSPA, []string{"http://app.test/cb"}, nil)
	_, challenge := pkce()
	extra := url.Values{"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	b := e.browser(t)
	b.Client.Transport = acceptLanguage("fr-FR, zh-CN;q=0.8, en;q=0.5")
	body, _, _ := page(t, b.get(t, e.authURL(id, "http://app.test/cb", extra)))
	wantPage(t, body, "zh-Hans", "<title>登录 · Sesame</title>", "用户名或邮箱", "还没有账号？")
	body, _, _ = page(t, e.browser(t).get(t, e.URL+"/no-such-page"))
	wantPage(t, body, "en", "Page not found")
	b.Client.Transport = acceptLanguage("de-AT")
	body, _, _ = page(t, b.get(t, e.URL+"/console/"))
	wantPage(t, body, "de", "Sesame ist noch nicht eingerichtet", "<title>Nicht eingerichtet · Sesame-Konsole</title>")
}

// TestLanguageSwitch: the footer's links set the sesame_lang cookie and
// come back to the page, now in that language (it outranks
// Accept-Language).
func TestLanguageSwitch(t *testing.T) {
	e := newEnv(t)
	id, _ := e.app(t, store.AppSPA, []string{"http://app.test/cb"}, nil)
	_, challenge := pkce()
	extra := url.Values{"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	b := e.browser(t)
	b.Client.Transport = acceptLanguage("en-US")
	resp := b.get(t, e.authURL(id, "http://app.test/cb", extra))
	signIn := resp.Request.URL
	body, _, _ := page(t, resp)
	wantPage(t, body, "en", "Sign in")
	var link string
	for _, l := range strings.Split(body, `<a href="`)[1:] {
		if l, _, _ := strings.Cut(l, `"`); strings.Contains(l, "lang=de") {
			link = strings.ReplaceAll(l, "&amp;", "&")
		}
	}
	if !strings.HasPrefix(link, "/language?") {
		t.Fatalf("no language link to German on the sign-in page: %s", body)
	}
	resp = b.get(t, e.URL+link)
	if resp.Request.URL.String() != signIn.String() {
		t.Errorf("the switch returned to %s, want %s", resp.Request.URL, signIn)
	}
	body, _, _ = page(t, resp)
	wantPage(t, body, "de", "Anmelden", `<span lang="de" aria-current="true">Deutsch</span>`)
	// An unknown language changes nothing.
	body, _, _ = page(t, b.get(t, e.URL+"/language?lang=fr&return="+url.QueryEscape(signIn.RequestURI())))
	wantPage(t, body, "de", "Anmelden")
}

// TestLanguageSwitchReturn (docs/security.md, RP-17): the switch returns
// only to a path on this server; any other target lands on the home page.
func TestLanguageSwitchReturn(t *testing.T) {
	e := newEnv(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for ret, want := range map[string]string{
		"/sign-in?interaction=abc": "/sign-in?interaction=abc",
		"/":                        "/",
		"//evil.example/x":         "/",
		`/\evil.example/x`:         "/",
		"https://evil.example/x":   "/",
		"http:evil.example":        "/",
		"/\t/evil.example":         "/",
		"javascript:alert(1)":      "/",
		"evil.example":             "/",
		"":                         "/",
	} {
		resp, err := client.Get(e.URL + "/language?" + url.Values{"lang": {"de"}, "return": {ret}}.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Errorf("return=%q: %d Location %q, want 303 %q", ret, resp.StatusCode, resp.Header.Get("Location"), want)
		}
		var set bool
		for _, c := range resp.Cookies() {
			set = set || c.Name == "sesame_lang" && c.Value == "de" && c.HttpOnly
		}
		if !set {
			t.Errorf("return=%q: no sesame_lang=de cookie", ret)
		}
	}
}
