//go:build e2e

package browser

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/testkit"
)

// TestLogtoFirstScreenRegister: a sign-in request built as Logto's SDK
// builds it (its parameter order, prompt=consent, first_screen=register,
// login_hint) lands Chromium on the register page with the email
// pre-filled; its "Sign in" link then shows the sign-in form.
func TestLogtoFirstScreenRegister(t *testing.T) {
	s := startSesame(t)
	redirect := "http://127.0.0.1:1/callback" // never reached
	c := store.Client{ID: directory.NewAppID(), Name: "Logto app", Type: store.AppSPA,
		RedirectURIs: []string{redirect}, CreatedAt: time.Now().UTC()}
	if err := s.Store.CreateClient(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	_, challenge := testkit.PKCE()
	q := "client_id=" + url.QueryEscape(c.ID) + "&redirect_uri=" + url.QueryEscape(redirect) +
		"&code_challenge=" + challenge + "&code_challenge_method=S256&state=logto-state&response_type=code" +
		"&prompt=consent&scope=openid+offline_access+profile&login_hint=new%40example.com&first_screen=register"
	b := e2etest.StartChrome(t).NewTab(t)
	b.Navigate(s.Issuer + "/auth?" + q)
	b.WaitFor("Sesame's register form", e2etest.OnPage(s.URL+"/register?")+
		` && document.querySelector('form #username') && document.querySelector('form #password_confirm')`)
	if email, err := e2etest.Eval[string](b, `document.querySelector('#email').value`); err != nil || email != "new@example.com" {
		t.Errorf("register form email = %q (%v), want the login_hint", email, err)
	}
	b.Click(`.card-footer a`)
	b.WaitSignInForm(s.URL)
}
