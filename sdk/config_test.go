package sesame

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestConfigValidation(t *testing.T) {
	valid := Config{
		Endpoint: "http://localhost:3001", AppID: "app", BaseURL: "http://localhost:3000",
		CookieSecret: "0123456789abcdef0123456789abcdef",
	}
	cases := []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"valid", func(*Config) {}, ""},
		{"short secret", func(c *Config) { c.CookieSecret = "0123456789abcdef0123456789abcde" }, "CookieSecret"},
		{"no secret", func(c *Config) { c.CookieSecret = "" }, "CookieSecret"},
		{"no secret but a store", func(c *Config) { c.CookieSecret = ""; c.Store = &memoryStore{} }, ""},
		{"empty endpoint", func(c *Config) { c.Endpoint = "" }, "Endpoint"},
		{"relative endpoint", func(c *Config) { c.Endpoint = "localhost:3001" }, "Endpoint"},
		{"ftp endpoint", func(c *Config) { c.Endpoint = "ftp://localhost" }, "Endpoint"},
		{"endpoint without host", func(c *Config) { c.Endpoint = "http:///x" }, "Endpoint"},
		{"empty app id", func(c *Config) { c.AppID = " " }, "AppID"},
		{"relative base", func(c *Config) { c.BaseURL = "/app" }, "BaseURL"},
		{"bad base", func(c *Config) { c.BaseURL = "http://a b" }, "BaseURL"},
		{"bad redirect", func(c *Config) { c.RedirectURI = "callback" }, "RedirectURI"},
		{"bad post sign-in", func(c *Config) { c.PostSignInRedirect = "//evil" }, "PostSignInRedirect"},
		{"empty resource", func(c *Config) { c.Resources = []string{""} }, "Resources"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid
			tc.edit(&cfg)
			_, err := New(cfg)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field {
				t.Fatalf("New error = %v, want a ConfigError for %s", err, tc.field)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	c, err := New(Config{Endpoint: "https://id.example.com/tenant/", AppID: "a", BaseURL: "https://app.example.com/",
		CookieSecret: "0123456789abcdef0123456789abcdef", Scopes: []string{"email", "openid", ScopeOrganizations}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer() != "https://id.example.com/tenant/oidc" || c.RedirectURI() != "https://app.example.com/callback" {
		t.Errorf("issuer %q redirect %q", c.Issuer(), c.RedirectURI())
	}
	if got := c.cfg.scopes(); len(got) != 5 || got[3] != "email" || got[4] != ScopeOrganizations {
		t.Errorf("scopes %v", got)
	}
	if got := c.cfg.resources(); len(got) != 1 || got[0] != ResourceOrganizations {
		t.Errorf("resources %v", got)
	}
}

func TestConfigPostSignInRedirectHostile(t *testing.T) {
	for _, p := range []string{`/./\evil`, `/\evil`, `//evil`, "/\tx", `/%5Cevil`, "https://evil"} {
		_, err := New(Config{Endpoint: "http://localhost:3001", AppID: "app", BaseURL: "http://localhost:3000",
			CookieSecret: "0123456789abcdef0123456789abcdef", PostSignInRedirect: p})
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != "PostSignInRedirect" {
			t.Errorf("PostSignInRedirect %q: New error = %v", p, err)
		}
	}
}

func TestConfigSessionLifetimes(t *testing.T) {
	base := Config{Endpoint: "http://localhost:3001", AppID: "app", BaseURL: "http://localhost:3000",
		CookieSecret: "0123456789abcdef0123456789abcdef"}
	c, err := New(base)
	if err != nil {
		t.Fatal(err)
	}
	if c.cfg.SessionLifetime != 14*24*time.Hour || c.cfg.SessionIdleTimeout != 3*24*time.Hour {
		t.Errorf("defaults: lifetime %v, idle %v", c.cfg.SessionLifetime, c.cfg.SessionIdleTimeout)
	}
	for _, edit := range []func(*Config){
		func(c *Config) { c.SessionLifetime = -time.Hour },
		func(c *Config) { c.SessionIdleTimeout = 30 * time.Second },
	} {
		cfg := base
		edit(&cfg)
		var ce *ConfigError
		if _, err := New(cfg); !errors.As(err, &ce) || !strings.HasPrefix(ce.Field, "Session") {
			t.Errorf("New(%+v) error = %v", cfg, err)
		}
	}
	base.SessionIdleTimeout = -1
	if _, err := New(base); err != nil {
		t.Errorf("idle timeout off: %v", err)
	}
}

func TestLocalRedirectKeepsLocalPaths(t *testing.T) {
	for in, want := range map[string]string{
		"/": "/", "/account?tab=1&x=%2F": "/account?tab=1&x=%2F", "/files/a%2Fb": "/files/a%2Fb",
		"/docs/": "/docs/", "/a/./b/../c": "/a/c", "/a b": "/a%20b", "/a:b": "/a:b",
	} {
		if got, ok := localRedirect(in); !ok || got != want {
			t.Errorf("localRedirect(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
