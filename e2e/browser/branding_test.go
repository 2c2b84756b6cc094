//go:build e2e

package browser

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
	"github.com/sesameauth/sesame/internal/signinexp"
)

// TestLightOnlyInChromium: under a dark system scheme, the hosted sign-in
// page is dark while the sign-in experience has dark mode on, and keeps
// the light palette once isDarkModeEnabled is false.
func TestLightOnlyInChromium(t *testing.T) {
	s := startSesame(t)
	rp := e2etest.NewRelyingParty(t, "rp")
	s.registerRP(t, rp, "RP")
	chrome := e2etest.StartChrome(t)
	b := chrome.NewTab(t)
	ctx, cancel := context.WithTimeout(b.Context(), 5*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (cdp.Empty, error) {
		return cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}})
	}); err != nil {
		t.Fatal(err)
	}
	bg := func() string {
		b.Navigate(rp.URL + "/login")
		b.WaitSignInForm(s.URL)
		v, err := e2etest.Eval[string](b, `getComputedStyle(document.documentElement).getPropertyValue('--bg').trim() + ' ' + getComputedStyle(document.documentElement).colorScheme`)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := bg(); !strings.HasPrefix(got, "#0c0c0f") {
		t.Fatalf("dark mode on, dark system scheme: --bg %q, want the dark palette", got)
	}
	if _, _, err := (&signinexp.Service{Store: s.Store, AllowRegistration: true}).Update(context.Background(), []byte(`{"color":{"isDarkModeEnabled":false}}`)); err != nil {
		t.Fatal(err)
	}
	if got := bg(); got != "#f4f4f7 light" {
		t.Fatalf("dark mode off, dark system scheme: --bg %q, want the light palette", got)
	}
}
