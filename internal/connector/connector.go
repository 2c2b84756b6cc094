package connector

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/sesameauth/sesame/internal/secret"
	"github.com/sesameauth/sesame/internal/signinexp"
)

// FlowTTL bounds the round trip to the upstream and back.
const FlowTTL = 10 * time.Minute

// providerTTL is how long a discovered provider (endpoints, keys' URL) is
// reused.
const providerTTL = time.Hour

// Errors of Complete: each is shown as "sign-in with X failed".
var (
	ErrState    = errors.New("connector: state missing, mismatched or expired")
	ErrUpstream = errors.New("connector: the upstream provider refused or failed")
	ErrToken    = errors.New("connector: the upstream ID token is not valid")
)

// Service runs connectors.
type Service struct {
	Settings    *signinexp.Service // the connectors' client secrets
	RedirectURL string             // {endpoint}/social/callback, registered at each upstream
	Box         *secret.Box        // seals the flow for the browser
	// HTTP reaches the upstreams; default: 10 s timeout.
	HTTP *http.Client
	Now  func() time.Time

	mu        sync.Mutex
	providers map[string]cached
}

type cached struct {
	p       *oidc.Provider
	fetched time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) ctx(ctx context.Context) context.Context {
	c := s.HTTP
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	return oidc.ClientContext(ctx, c)
}

// provider discovers issuer (go-oidc checks the document names it) and
// caches it.
func (s *Service) provider(ctx context.Context, issuer string) (*oidc.Provider, error) {
	s.mu.Lock()
	if c, ok := s.providers[issuer]; ok && s.now().Sub(c.fetched) < providerTTL {
		s.mu.Unlock()
		return c.p, nil
	}
	s.mu.Unlock()
	p, err := oidc.NewProvider(s.ctx(ctx), issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: discovery of %s: %v", ErrUpstream, issuer, err)
	}
	s.mu.Lock()
	if s.providers == nil {
		s.providers = map[string]cached{}
	}
	s.providers[issuer] = cached{p: p, fetched: s.now()}
	s.mu.Unlock()
	return p, nil
}

// Flow is what the browser carries, sealed, from Begin to Complete.
type Flow struct {
	Interaction string `json:"i"` // the pending authorization request
	Connector   string `json:"c"`
	State       string `json:"s"`
	Nonce       string `json:"n"`
	Verifier    string `json:"v"` // PKCE
	Expires     int64  `json:"e"`
}

func (s *Service) oauth2Config(c signinexp.Connector, p *oidc.Provider) (*oauth2.Config, error) {
	clientSecret, err := s.Settings.ConnectorSecret(c)
	if err != nil {
		return nil, err
	}
	return &oauth2.Config{ClientID: c.ClientID, ClientSecret: clientSecret, Endpoint: p.Endpoint(),
		RedirectURL: s.RedirectURL, Scopes: c.Scopes}, nil
}

// Begin starts signing in with c for the pending request interaction:
// it returns where to send the browser and the sealed flow to give it.
func (s *Service) Begin(ctx context.Context, c signinexp.Connector, interaction string) (authURL, sealed string, err error) {
	p, err := s.provider(ctx, c.Issuer)
	if err != nil {
		return "", "", err
	}
	cfg, err := s.oauth2Config(c, p)
	if err != nil {
		return "", "", err
	}
	f := Flow{Interaction: interaction, Connector: c.ID, State: random(), Nonce: random(),
		Verifier: oauth2.GenerateVerifier(), Expires: s.now().Add(FlowTTL).Unix()}
	raw, _ := json.Marshal(f)
	sealed = base64.RawURLEncoding.EncodeToString(s.Box.Seal(raw))
	return cfg.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), sealed, nil
}

// Open unseals the browser's flow; a forged, altered or expired one is
// ErrState.
func (s *Service) Open(sealed string) (Flow, error) {
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(sealed) > 4096 {
		return Flow{}, ErrState
	}
	plain, err := s.Box.Open(raw)
	if err != nil {
		return Flow{}, ErrState
	}
	var f Flow
	if json.Unmarshal(plain, &f) != nil || s.now().Unix() >= f.Expires {
		return Flow{}, ErrState
	}
	return f, nil
}

// Claims is who the upstream says the person is.
type Claims struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	Picture       string
}

// Complete ends the flow f at the callback: state must be f's, the code
// is exchanged (with the PKCE verifier) and the ID token verified for
// issuer, audience, signature, expiry and f's nonce.
func (s *Service) Complete(ctx context.Context, c signinexp.Connector, f Flow, state, code string) (Claims, error) {
	if state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(f.State)) != 1 || f.Connector != c.ID {
		return Claims{}, ErrState
	}
	if code == "" || len(code) > 2048 {
		return Claims{}, fmt.Errorf("%w: no code", ErrUpstream)
	}
	p, err := s.provider(ctx, c.Issuer)
	if err != nil {
		return Claims{}, err
	}
	cfg, err := s.oauth2Config(c, p)
	if err != nil {
		return Claims{}, err
	}
	tok, err := cfg.Exchange(s.ctx(ctx), code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return Claims{}, fmt.Errorf("%w: code exchange: %v", ErrUpstream, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Claims{}, fmt.Errorf("%w: no id_token", ErrToken)
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: c.ClientID, Now: s.now}).Verify(s.ctx(ctx), raw)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrToken, err)
	}
	if idt.Nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return Claims{}, fmt.Errorf("%w: nonce missing or mismatched", ErrToken)
	}
	var cl struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"`
		Name          string `json:"name"`
		Picture       string `json:"picture"`
	}
	if err := idt.Claims(&cl); err != nil {
		return Claims{}, fmt.Errorf("%w: claims: %v", ErrToken, err)
	}
	if idt.Subject == "" || len(idt.Subject) > 255 {
		return Claims{}, fmt.Errorf("%w: sub", ErrToken)
	}
	// Some providers send "true" as a string; anything else is unverified.
	verified := cl.EmailVerified == true || cl.EmailVerified == "true"
	return Claims{Subject: idt.Subject, Email: cl.Email, EmailVerified: verified, Name: cl.Name, Picture: cl.Picture}, nil
}

func random() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Link is an upstream identity waiting for its owner to prove the Sesame
// account with the same (verified) address; sealed for the browser.
type Link struct {
	Interaction string `json:"i"`
	Connector   string `json:"c"`
	Subject     string `json:"s"`
	Email       string `json:"m"`
	UserID      string `json:"u"`
	Expires     int64  `json:"e"`
}

// SealLink seals l for the browser, valid FlowTTL.
func (s *Service) SealLink(l Link) string {
	l.Expires = s.now().Add(FlowTTL).Unix()
	raw, _ := json.Marshal(l)
	// The "link" prefix keeps a flow from being replayed as a link.
	return base64.RawURLEncoding.EncodeToString(s.Box.Seal(append([]byte("link:"), raw...)))
}

// OpenLink unseals a Link; a forged, altered or expired one is ErrState.
func (s *Service) OpenLink(sealed string) (Link, error) {
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(sealed) > 4096 {
		return Link{}, ErrState
	}
	plain, err := s.Box.Open(raw)
	if err != nil {
		return Link{}, ErrState
	}
	body, ok := bytes.CutPrefix(plain, []byte("link:"))
	var l Link
	if !ok || json.Unmarshal(body, &l) != nil || s.now().Unix() >= l.Expires {
		return Link{}, ErrState
	}
	return l, nil
}
