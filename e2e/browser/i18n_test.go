//go:build e2e

package browser

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
)

// acceptLanguage makes tab b send lang as its Accept-Language header.
func acceptLanguage(t *testing.T, b *e2etest.Tab, lang string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), 5*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (cdp.Empty, error) {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return cdp.Empty{}, err
		}
		return cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": lang}})
	}); err != nil {
		t.Fatal(err)
	}
}

// pageIn is the predicate "the page is in lang and its <h1> reads h1".
func pageIn(lang, h1 string) string {
	return `document.documentElement.lang === ` + e2etest.JSString(lang) +
		` && document.querySelector('h1') && document.querySelector('h1').textContent.trim() === ` + e2etest.JSString(h1)
}

// TestLanguageInChromium: Chromium asking for zh-CN gets the sign-in page
// in Simplified Chinese; the footer's "Deutsch" link switches it to German
// and back to the same sign-in page, which then signs in; an app's
// ui_locales=de wins over the browser's zh-CN in a fresh browser.
func TestLanguageInChromium(t *testing.T) {
	s := startSesame(t)
	rp := e2etest.NewRelyingParty(t, "rp")
	s.registerRP(t, rp, "RP")
	s.createUser(t, "lena", "lena@example.com", "lena password 1")
	chrome := e2etest.StartChrome(t)

	b := chrome.NewTab(t)
	acceptLanguage(t, b, "zh-CN,zh;q=0.9,en;q=0.5")
	b.Navigate(rp.URL + "/login")
	b.WaitSignInForm(s.URL)
	b.WaitFor("the sign-in page in Simplified Chinese", pageIn("zh-Hans", "登录"))
	if got := b.Text(`label[for=password]`); got != "密码" {
		t.Errorf("password label = %q, want 密码", got)
	}
	signIn := b.Location().String()
	b.Click(`.lang-switch a[lang=de]`)
	b.WaitFor("the sign-in page in German", pageIn("de", "Anmelden"))
	if got := b.Location().String(); got != signIn {
		t.Errorf("the switch returned to %s, want %s", got, signIn)
	}
	b.SubmitSignIn("lena", "wrong password")
	b.WaitFor("the German error", `document.querySelector('[role=alert]') && document.querySelector('[role=alert]').textContent.includes('Passwort ist falsch')`)
	b.SubmitSignIn("lena", "lena password 1")
	b.WaitCallback(rp)

	// A fresh browser (no cookie), still zh-CN: the app's ui_locales wins.
	b2 := e2etest.StartChrome(t).NewTab(t)
	acceptLanguage(t, b2, "zh-CN")
	// The relying party cannot add ui_locales, so start a request with it.
	q := url.Values{}
	for k, v := range map[string]string{"client_id": rp.ClientID, "redirect_uri": rp.URL + "/callback", "response_type": "code",
		"scope": "openid", "state": "st-i18n", "ui_locales": "de", "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		"code_challenge_method": "S256"} {
		q.Set(k, v)
	}
	b2.Navigate(s.Issuer + "/auth?" + q.Encode())
	b2.WaitFor("the sign-in page in German (ui_locales)", pageIn("de", "Anmelden"))
}
