package app_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/store"
)

// Logto's sign-in parameters (docs/logto-compat.md; docs/security.md,
// PC-06, RP-17, UI-04).

// openWith starts an authorization with extra parameters in a new browser and
// returns the last response (redirects inside Sesame followed) and the
// pending request it created.
func (e *env) openWith(t *testing.T, clientID, redirect string, extra url.Values) (*browser, *http.Response, store.AuthRequest) {
	t.Helper()
	b := e.browser(t)
	resp := b.get(t, e.authURL(clientID, redirect, extra))
	id := resp.Request.URL.Query().Get("interaction")
	ar, err := e.Store.GetAuthRequest(t.Context(), id)
	if err != nil {
		t.Fatalf("%v: no pending request (at %s): %v", extra, resp.Request.URL, err)
	}
	return b, resp, ar
}

// TestSignInParamsStored: the authorization endpoint keeps Logto's
// parameters, normalised; unknown values are ignored, over-long ones and
// duplicates are invalid_request.
func TestSignInParamsStored(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	for _, c := range []struct {
		q           url.Values
		first       string
		identifiers []string
		direct      string
		acr         []string
	}{
		{url.Values{"first_screen": {"identifier:sign_in"}, "identifier": {"email username email fax"},
			"direct_sign_in": {"sso:corp-1"}, "acr_values": {"1 2 1"}}, "identifier:sign_in", []string{"email", "username"}, "sso:corp-1", []string{"1", "2"}},
		{url.Values{"first_screen": {"signIn"}, "identifiers": {"phone"}}, "sign_in", []string{"phone"}, "", nil}, // Go SDK: identifiers
		{url.Values{"interaction_mode": {"signIn"}}, "sign_in", nil, "", nil},
		{url.Values{"first_screen": {"sign_in"}, "interaction_mode": {"signUp"}}, "sign_in", nil, "", nil},        // first_screen wins
		{url.Values{"first_screen": {"bogus"}, "direct_sign_in": {"email:x"}}, "", nil, "", nil},                  // unknown: ignored
		{url.Values{"direct_sign_in": {"social:https://evil"}, "identifier": {"//evil"}}, "", nil, "", nil},       // not a connector id
		{url.Values{"first_screen": {"https://evil"}, "acr_values": {`/\evil`}}, "", nil, "", []string{`/\evil`}}, // kept as a value, never a target
	} {
		_, resp, ar := e.openWith(t, id, r, c.q)
		resp.Body.Close()
		if ar.FirstScreen != c.first || !slices.Equal(ar.Identifiers, c.identifiers) || ar.DirectSignIn != c.direct || !slices.Equal(ar.ACRValues, c.acr) {
			t.Errorf("%v stored first_screen %q identifiers %q direct_sign_in %q acr_values %q", c.q, ar.FirstScreen, ar.Identifiers, ar.DirectSignIn, ar.ACRValues)
		}
	}
	long := strings.Repeat("a", 257)
	for _, k := range []string{"first_screen", "interaction_mode", "identifier", "identifiers", "direct_sign_in", "acr_values"} {
		resp := e.browser(t).get(t, e.authURL(id, r, url.Values{k: {long}}))
		if cb := callback(t, resp, r); cb.Query().Get("error") != "invalid_request" {
			t.Errorf("over-long %s: %s", k, cb.RawQuery)
		}
	}
	for _, k := range []string{"first_screen", "identifier", "direct_sign_in", "acr_values"} {
		u := e.authURL(id, r, url.Values{k: {"register"}}) + "&" + k + "=sign_in"
		resp := e.browser(t).get(t, u)
		body, _, _ := page(t, resp)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "invalid_request") || resp.Request.URL.Path != "/oidc/auth" {
			t.Errorf("%s twice: %d at %s", k, resp.StatusCode, resp.Request.URL)
		}
	}
}

// TestFirstScreen: the sign-in page opens the page the app asked for
// once, within the settings; going back to sign in then shows the sign-in
// page.
func TestFirstScreen(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	lands := func(q url.Values, want string) (*browser, store.AuthRequest) {
		t.Helper()
		b, resp, ar := e.openWith(t, id, r, q)
		resp.Body.Close()
		if resp.Request.URL.Path != want {
			t.Errorf("%v opened %s, want %s", q, resp.Request.URL.Path, want)
		}
		return b, ar
	}
	for _, q := range []url.Values{{"first_screen": {"register"}}, {"first_screen": {"identifier:register"}}, {"interaction_mode": {"signUp"}}} {
		b, ar := lands(q, "/register")
		// The register page's "Sign in" link shows the sign-in page.
		resp := b.get(t, e.URL+"/sign-in?interaction="+url.QueryEscape(ar.ID))
		body, _, _ := page(t, resp)
		if resp.Request.URL.Path != "/sign-in" || !strings.Contains(body, `name="password"`) {
			t.Errorf("%v: back to sign-in opened %s", q, resp.Request.URL.Path)
		}
	}
	for _, q := range []url.Values{{"first_screen": {"sign_in"}}, {"first_screen": {"single_sign_on"}}, {"interaction_mode": {"signIn"}},
		{"first_screen": {"reset_password"}}, // no reset page on this server
		{"direct_sign_in": {"sso:corp"}}} {
		lands(q, "/sign-in")
	}
	e.signInExp(t, `{"signInMode":"SignIn"}`)
	lands(url.Values{"first_screen": {"register"}}, "/sign-in") // registration closed

	// direct_sign_in=social:<id> goes to the social start with the connector.
	b, resp, ar := e.openWith(t, id, r, url.Values{"direct_sign_in": {"social:google"}, "first_screen": {"register"}})
	resp.Body.Close()
	if resp.Request.URL.Path != "/social/start" || resp.Request.URL.Query().Get("connector") != "google" {
		t.Errorf("direct_sign_in=social:google opened %s", resp.Request.URL)
	}
	resp = b.get(t, e.URL+"/sign-in?interaction="+url.QueryEscape(ar.ID))
	resp.Body.Close()
	if resp.Request.URL.Path != "/sign-in" || resp.StatusCode != http.StatusOK {
		t.Errorf("back to sign-in after direct_sign_in: %d at %s", resp.StatusCode, resp.Request.URL)
	}
}

// TestSignInParamsNoOpenRedirect (RP-17): whatever the sign-in parameters
// say, every redirect before the app's callback stays on Sesame.
func TestSignInParamsNoOpenRedirect(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	for _, evil := range []string{"https://evil.example", "//evil.example", `/\evil.example`, "/%2F%2Fevil.example", "javascript:alert(1)"} {
		for _, k := range []string{"first_screen", "interaction_mode", "identifier", "identifiers", "direct_sign_in", "acr_values", "login_hint"} {
			for _, v := range []string{evil, "social:" + evil, "sso:" + evil} {
				b := e.browser(t)
				var hops []string
				b.Client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
					hops = append(hops, req.URL.String())
					if !strings.HasPrefix(req.URL.String(), e.URL+"/") {
						return http.ErrUseLastResponse
					}
					return nil
				}
				resp := b.get(t, e.authURL(id, r, url.Values{k: {v}}))
				resp.Body.Close()
				for _, h := range hops {
					if !strings.HasPrefix(h, e.URL+"/") {
						t.Errorf("%s=%s redirected to %s", k, v, h)
					}
				}
				if p := resp.Request.URL.Path; p != "/sign-in" {
					t.Errorf("%s=%s ended at %s", k, v, resp.Request.URL)
				}
			}
		}
	}
}

// TestSignInIdentifiersAndHint: identifier narrows what the sign-in form
// takes (within the settings); login_hint pre-fills it, escaped (UI-04),
// and the register form's email when it is an address.
func TestSignInIdentifiersAndHint(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	u := e.user(t, "alice", "correct horse battery")
	if _, err := e.Store.UpdateUser(t.Context(), u.ID, func(u store.User) (store.User, error) {
		u.Email = "alice@example.com"
		return u, nil
	}); err != nil {
		t.Fatal(err)
	}
	// identifier=email: the form is for an email; a username is refused
	// before any password check, an email signs in.
	b, resp, _ := e.openWith(t, id, r, url.Values{"identifier": {"email"}})
	body, action, csrf := page(t, resp)
	if !strings.Contains(body, `<label for="identifier">Email</label>`) {
		t.Errorf("identifier=email: label not Email: %.2000s", body)
	}
	resp = b.post(t, action, url.Values{"csrf_token": {csrf}, "identifier": {"alice"}, "password": {"correct horse battery"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("identifier=email, username posted: %d", resp.StatusCode)
	}
	resp = b.post(t, action, url.Values{"csrf_token": {csrf}, "identifier": {"alice@example.com"}, "password": {"correct horse battery"}})
	if cb := callback(t, resp, r); cb.Query().Get("code") == "" {
		t.Errorf("identifier=email, email posted: %s", cb.RawQuery)
	}
	// A kind the settings do not offer is ignored: both stay accepted.
	_, resp, _ = e.openWith(t, id, r, url.Values{"identifier": {"phone"}})
	if body, _, _ = page(t, resp); !strings.Contains(body, `<label for="identifier">Username or email</label>`) {
		t.Errorf("identifier=phone: %.2000s", body)
	}

	// login_hint pre-fills the identifier, HTML-escaped.
	const xss = `"><svg/onload=alert(1)>`
	_, resp, _ = e.openWith(t, id, r, url.Values{"login_hint": {xss}})
	if body, _, _ = page(t, resp); strings.Contains(body, "<svg/onload") || !strings.Contains(body, `value="&#34;&gt;&lt;svg/onload=alert(1)&gt;"`) {
		t.Errorf("login_hint not escaped into the field: %.3000s", body)
	}
	_, resp, _ = e.openWith(t, id, r, url.Values{"login_hint": {"New@Example.com"}, "first_screen": {"register"}})
	if body, _, _ = page(t, resp); !strings.Contains(body, `value="new@example.com"`) {
		t.Errorf("login_hint email not on the register form: %.3000s", body)
	}
	_, resp, _ = e.openWith(t, id, r, url.Values{"login_hint": {"bob"}, "first_screen": {"register"}})
	if body, _, _ = page(t, resp); strings.Contains(body, `value="bob"`) {
		t.Errorf("a username hint filled the register form's email: %.3000s", body)
	}
}
