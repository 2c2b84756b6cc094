package main

// The scenarios: what one request (or one flow) is, per server.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"

	"github.com/sesameauth/sesame/internal/testkit"
)

type scenario struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	Alg   string `json:"alg"`
	Conc  int    `json:"concurrency"`
	// supports says whether the scenario runs against s.
	supports func(s *server) bool `json:"-"`
	// prepare returns the operation a worker repeats, using client c, and
	// a note on how the server answered (such as the alg it signed with).
	prepare func(s *server, c *http.Client) (op, string, error) `json:"-"`
}

func scenarios(conc int) []scenario {
	cc := func(alg string) scenario {
		return scenario{Name: "cc_" + strings.ToLower(alg), Title: "client_credentials, " + alg + " JWT access token (resource indicator)", Alg: alg, Conc: conc,
			supports: func(s *server) bool { return s.cc }, prepare: prepareCC}
	}
	flow := func(alg string, n int) scenario {
		return scenario{Name: fmt.Sprintf("flow%d_%s", n, strings.ToLower(alg)), Alg: alg, Conc: n,
			Title:    fmt.Sprintf("authorization-code flow on an SSO session + PKCE (authorize → code → token), %d concurrent, %s ID token", n, alg),
			supports: func(s *server) bool { return s.flows }, prepare: prepareFlow}
	}
	get := func(name, title string, url func(*server) string) scenario {
		return scenario{Name: name, Title: title, Alg: "ES256", Conc: conc, supports: func(s *server) bool { return !s.flowsOnly },
			prepare: func(s *server, c *http.Client) (op, string, error) {
				u := url(s)
				return func(int) error {
					st, b, err := get(c, u)
					if err != nil {
						return err
					}
					if st != 200 || len(b) == 0 {
						return fmt.Errorf("GET %s: %d", u, st)
					}
					return nil
				}, "", nil
			}}
	}
	return []scenario{
		cc("ES256"),
		{Name: "introspect", Title: "introspection of an access token", Alg: "ES256", Conc: conc,
			supports: func(s *server) bool { return s.cc && s.introspect != "" }, prepare: prepareIntrospect},
		get("discovery", "discovery document", func(s *server) string { return s.discovery }),
		get("jwks", "JWKS", func(s *server) string { return s.jwks }),
		flow("ES256", 4), flow("ES256", 16),
		cc("ES384"),
		flow("ES384", 4), flow("ES384", 16),
	}
}

func ccToken(s *server, c *http.Client, form url.Values) (string, error) {
	st, b, err := postForm(c, s.token, s.m2m.ID, s.m2m.Secret, form)
	if err != nil {
		return "", err
	}
	var t struct {
		AccessToken string `json:"access_token"`
	}
	if st != 200 || json.Unmarshal(b, &t) != nil || t.AccessToken == "" {
		return "", fmt.Errorf("client_credentials: %d %.300s", st, b)
	}
	return t.AccessToken, nil
}

func prepareCC(s *server, c *http.Client) (op, string, error) {
	form := url.Values{"grant_type": {"client_credentials"}, s.audience: {resourceURI}, "scope": {"read"}}
	tok, err := ccToken(s, c, form)
	if err != nil {
		return nil, "", err
	}
	note := "access token signed " + tokenAlg(tok)
	return func(int) error {
		st, b, err := postForm(c, s.token, s.m2m.ID, s.m2m.Secret, form)
		if err != nil {
			return err
		}
		if st != 200 || !bytes.Contains(b, []byte(`"access_token"`)) {
			return fmt.Errorf("token: %d %.200s", st, b)
		}
		return nil
	}, note, nil
}

// prepareIntrospect gets one access token and has its client introspect it.
// node-oidc-provider refuses to introspect JWT access tokens, so Sesame and
// it introspect an opaque one (client_credentials without a resource);
// Hydra, set to JWT access tokens, introspects its JWT.
func prepareIntrospect(s *server, c *http.Client) (op, string, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if s.name == "hydra" {
		form.Set("audience", resourceURI)
		form.Set("scope", "read")
	}
	tok, err := ccToken(s, c, form)
	if err != nil {
		return nil, "", err
	}
	note := "opaque access token"
	if a := tokenAlg(tok); a != "" {
		note = a + " JWT access token"
	}
	id, sec := s.m2m.ID, s.m2m.Secret
	if !s.introspectAuth {
		id, sec = "", ""
	}
	in := url.Values{"token": {tok}}
	do := func(int) error {
		st, b, err := postForm(c, s.introspect, id, sec, in)
		if err != nil {
			return err
		}
		if st != 200 || !bytes.Contains(b, []byte(`"active":true`)) {
			return fmt.Errorf("introspection: %d %.200s", st, b)
		}
		return nil
	}
	return do, note, do(0)
}

// prepareFlow gives c a cookie jar with an SSO session; each operation is
// then one authorization request answered with a redirect to the callback
// carrying a code, and the code's exchange at the token endpoint.
func prepareFlow(s *server, c *http.Client) (op, string, error) {
	c.Jar, _ = cookiejar.New(nil)
	if err := s.signIn(c); err != nil {
		return nil, "", fmt.Errorf("sign-in: %w", err)
	}
	var idAlg string
	do := func(int) error {
		ver, ch := testkit.PKCE()
		resp, err := c.Get(authURL(s.authorize, s.app.ID, ch))
		if err != nil {
			return err
		}
		discard(resp)
		loc, _ := url.Parse(resp.Header.Get("Location"))
		code := ""
		if loc != nil && strings.HasPrefix(loc.String(), redirectURI) {
			code = loc.Query().Get("code")
		}
		if code == "" {
			return fmt.Errorf("authorize: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		st, b, err := postForm(c, s.token, s.app.ID, s.app.Secret, url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"code_verifier": {ver}, "redirect_uri": {redirectURI}})
		if err != nil {
			return err
		}
		var t struct {
			IDToken      string `json:"id_token"`
			RefreshToken string `json:"refresh_token"`
		}
		if st != 200 || json.Unmarshal(b, &t) != nil || t.IDToken == "" {
			return fmt.Errorf("code exchange: %d %.200s", st, b)
		}
		if idAlg == "" {
			idAlg = tokenAlg(t.IDToken)
			if t.RefreshToken != "" {
				idAlg += ", with a refresh token"
			}
		}
		return nil
	}
	if err := do(0); err != nil {
		return nil, "", err
	}
	return do, "ID token signed " + idAlg, nil
}
