package app_test

// Social sign-in through a second Sesame as the upstream OpenID provider
// (internal/experience social.go, internal/connector; docs/security.md
// UI-12, UI-14).

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/experience"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/testkit"
)

// socialPair is a downstream Sesame whose sign-in page offers "Continue
// with Upstream", another Sesame.
type socialPair struct {
	up, down *env
	app      string // the downstream's web app
}

func newSocialPair(t *testing.T, downOpts ...envOption) socialPair {
	t.Helper()
	up, down := newEnv(t), newEnv(t, downOpts...)
	upApp, upSecret := up.app(t, store.AppTraditional, []string{down.URL + "/social/callback"}, nil)
	patch := fmt.Sprintf(`{"socialConnectors":[{"id":"upstream","displayName":"Upstream","issuer":%q,"clientId":%q,"clientSecret":%q,"enabled":true}]}`,
		up.Issuer, upApp, upSecret)
	if _, _, err := down.settings().Update(context.Background(), []byte(patch)); err != nil {
		t.Fatal(err)
	}
	app, _ := down.app(t, store.AppTraditional, []string{codeRedirect}, nil)
	return socialPair{up: up, down: down, app: app}
}

// settings is the server's settings service, with its key.
func (e *env) settings() *signinexp.Service { return e.Server.Settings() }

// upstreamUser creates a user at the upstream with the given address.
func (p socialPair) upstreamUser(t *testing.T, username, email string, verified bool) {
	t.Helper()
	u, err := experience.NewUser(context.Background(), username, email, "upstream password", fastHash, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	u.EmailVerified = verified
	if err := p.up.Store.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
}

// signIn runs "Continue with Upstream" from the downstream's sign-in page in
// b, signing in at the upstream in ub (unless it has a session there), and
// returns the downstream's last response.
func (p socialPair) signIn(t *testing.T, b, ub *browser, upUser string) *http.Response {
	t.Helper()
	signIn := p.down.start(t, b, p.app)
	body, _, _ := page(t, signIn)
	if !strings.Contains(body, "Continue with Upstream") {
		t.Fatal("no Continue with Upstream button")
	}
	ia := interactionOf(t, signIn)
	toUp := b.get(t, p.down.URL+"/social/start?interaction="+ia+"&connector=upstream")
	authURL, err := testkit.RedirectTo(toUp, p.up.Issuer+"/auth")
	if err != nil {
		t.Fatal(err)
	}
	q := authURL.Query()
	if q.Get("state") == "" || q.Get("nonce") == "" || q.Get("code_challenge_method") != "S256" {
		t.Fatalf("the upstream request lacks state, nonce or PKCE: %s", authURL)
	}
	resp := ub.get(t, authURL.String())
	if strings.HasPrefix(resp.Request.URL.Path, "/sign-in") {
		resp = ub.login(t, resp, upUser, "upstream password")
	}
	back, err := testkit.RedirectTo(resp, p.down.URL+"/social/callback")
	if err != nil {
		t.Fatal(err)
	}
	return followContinue(t, b, b.get(t, back.String()))
}

var refreshRE = regexp.MustCompile(`<meta http-equiv="refresh" content="0; url=([^"]+)">`)

// followContinue follows the callback's page that continues by itself (a
// meta refresh to a path of ours), as a browser does; any other response
// is returned as it is.
func followContinue(t *testing.T, b *browser, resp *http.Response) *http.Response {
	t.Helper()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/social/callback" {
		return resp
	}
	body, _, _ := page(t, resp)
	m := refreshRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the callback's page neither errs nor continues: %.300s", body)
	}
	return b.get(t, b.Base+html.UnescapeString(m[1]))
}

func TestSocialSignInCreatesAndReuses(t *testing.T) {
	p := newSocialPair(t)
	p.upstreamUser(t, "carol", "carol@example.com", true)
	ub := &browser{testkit.NewBrowser(p.up.URL, nil)}
	b := p.down.browser(t)
	callback(t, p.signIn(t, b, ub, "carol"), codeRedirect)
	u, err := p.down.Store.GetUserByLogin(context.Background(), "carol@example.com")
	if err != nil || !u.EmailVerified {
		t.Fatalf("downstream user = %+v, %v", u, err)
	}
	// Again, in a new downstream browser: the link signs the same user in
	// (the upstream session needs no password).
	b2 := p.down.browser(t)
	callback(t, p.signIn(t, b2, ub, "carol"), codeRedirect)
	list, err := p.down.Store.ListUserIdentities(context.Background(), u.ID)
	if err != nil || len(list) != 1 {
		t.Fatalf("identities = %+v, %v", list, err)
	}
}

// TestSocialLinkNeedsProof: an upstream identity whose verified address
// has an account here links only after that account's password (UI-12).
func TestSocialLinkNeedsProof(t *testing.T) {
	p := newSocialPair(t)
	p.upstreamUser(t, "dave", "dave@example.com", true)
	owner := p.down.user(t, "dave", "downstream password") // dave@example.com
	ub := &browser{testkit.NewBrowser(p.up.URL, nil)}
	b := p.down.browser(t)
	linkPage := p.signIn(t, b, ub, "dave")
	if linkPage.Request.URL.Path != "/social/link" {
		t.Fatalf("at %s (%d), want the link page", linkPage.Request.URL, linkPage.StatusCode)
	}
	if _, err := p.down.Store.GetIdentity(context.Background(), "upstream", mustUpstreamSub(t, p, "dave")); err == nil {
		t.Fatal("linked before the proof")
	}
	resp, _ := b.submit(t, linkPage, url.Values{"password": {"wrong password"}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	resp, _ = b.submit(t, resp, url.Values{"password": {"downstream password"}})
	callback(t, resp, codeRedirect)
	link, err := p.down.Store.GetIdentity(context.Background(), "upstream", mustUpstreamSub(t, p, "dave"))
	if err != nil || link.UserID != owner.ID {
		t.Fatalf("link = %+v, %v", link, err)
	}
}

// TestSocialLinkByEmailCode: with mail configured the owner may prove the
// account by a code sent to its address instead of its password; a code of
// another flow does not link.
func TestSocialLinkByEmailCode(t *testing.T) {
	srv := testkit.NewSMTPServer(t)
	p := newSocialPair(t, withSMTP(srv))
	p.upstreamUser(t, "gina", "gina@example.com", true)
	owner := p.down.user(t, "gina", "downstream password")
	ub := &browser{testkit.NewBrowser(p.up.URL, nil)}
	b := p.down.browser(t)
	linkPage := p.signIn(t, b, ub, "gina")
	body, _, csrf := page(t, linkPage)
	if !strings.Contains(body, `name="by" value="code"`) {
		t.Fatal("no emailed-code option on the link page")
	}
	action := linkPage.Request.URL.RequestURI()
	codePage := b.post(t, action, url.Values{"csrf_token": {csrf}, "by": {"code"}})
	if codePage.StatusCode != http.StatusOK {
		t.Fatalf("asking for a code: %d", codePage.StatusCode)
	}
	code := srv.WaitForCode(t, "gina@example.com", 0)
	if _, err := p.down.Store.GetIdentity(context.Background(), "upstream", mustUpstreamSub(t, p, "gina")); err == nil {
		t.Fatal("linked before the code")
	}
	resp, _ := b.submit(t, codePage, url.Values{"code": {code}})
	callback(t, resp, codeRedirect)
	link, err := p.down.Store.GetIdentity(context.Background(), "upstream", mustUpstreamSub(t, p, "gina"))
	if err != nil || link.UserID != owner.ID {
		t.Fatalf("link = %+v, %v", link, err)
	}
}

func mustUpstreamSub(t *testing.T, p socialPair, login string) string {
	t.Helper()
	u, err := p.up.Store.GetUserByLogin(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestSocialUnverifiedEmailNeverLinks: an upstream that does not vouch for
// the address cannot reach the account that has it (UI-12).
func TestSocialUnverifiedEmailNeverLinks(t *testing.T) {
	p := newSocialPair(t)
	p.upstreamUser(t, "eve", "victim@example.com", false)
	p.down.user(t, "victim", "downstream password") // victim@example.com
	ub := &browser{testkit.NewBrowser(p.up.URL, nil)}
	b := p.down.browser(t)
	resp := p.signIn(t, b, ub, "eve")
	body, _, _ := page(t, resp)
	if resp.StatusCode != http.StatusConflict || resp.Request.URL.Path == "/social/link" || !strings.Contains(body, "already exists") {
		t.Fatalf("unverified address of an account: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	if list, _ := p.down.Store.ListUserIdentities(context.Background(), mustUser(t, p.down, "victim").ID); len(list) != 0 {
		t.Fatal("linked on an unverified address")
	}
}

// TestSocialCallbackTampering: the callback refuses a changed state, a
// missing flow cookie, another browser's flow and a disabled connector
// (UI-14, UI-12).
func TestSocialCallbackTampering(t *testing.T) {
	p := newSocialPair(t)
	p.upstreamUser(t, "frank", "frank@example.com", true)
	ub := &browser{testkit.NewBrowser(p.up.URL, nil)}

	// Run the upstream leg by hand to get the callback URL.
	leg := func(b *browser) *url.URL {
		ia := interactionOf(t, p.down.start(t, b, p.app))
		authURL, err := testkit.RedirectTo(b.get(t, p.down.URL+"/social/start?interaction="+ia+"&connector=upstream"), p.up.Issuer+"/auth")
		if err != nil {
			t.Fatal(err)
		}
		resp := ub.get(t, authURL.String())
		if strings.HasPrefix(resp.Request.URL.Path, "/sign-in") {
			resp = ub.login(t, resp, "frank", "upstream password")
		}
		back, err := testkit.RedirectTo(resp, p.down.URL+"/social/callback")
		if err != nil {
			t.Fatal(err)
		}
		return back
	}
	b := p.down.browser(t)
	back := leg(b)
	bad := *back
	q := bad.Query()
	q.Set("state", "forged")
	bad.RawQuery = q.Encode()
	if resp := b.get(t, bad.String()); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("forged state: %d", resp.StatusCode)
	}
	// The flow cookie was spent by that attempt: the genuine callback is
	// refused now too.
	if resp := b.get(t, back.String()); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("callback after a refused one: %d", resp.StatusCode)
	}
	// Another browser (no flow cookie) cannot use a callback URL.
	back = leg(p.down.browser(t))
	if resp := p.down.browser(t).get(t, back.String()); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("callback in another browser: %d", resp.StatusCode)
	}
	// A connector disabled during the flow refuses it.
	b = p.down.browser(t)
	back = leg(b)
	if _, _, err := p.down.settings().Update(context.Background(), []byte(`{"socialConnectors":[]}`)); err != nil {
		t.Fatal(err)
	}
	if resp := b.get(t, back.String()); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("callback of a disabled connector: %d", resp.StatusCode)
	}
	if _, err := p.down.Store.GetUserByLogin(context.Background(), "frank@example.com"); err == nil {
		t.Fatal("a refused callback created a user")
	}
}
