package httpx

import (
	"net/http"
	"strings"
)

// Mux is what endpoint packages register routes on (net/http patterns:
// "GET /oidc/auth").
type Mux interface {
	Handle(pattern string, h http.Handler)
	HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request))
}

// Mounter is implemented by every endpoint package's Handler.
type Mounter interface {
	Mount(Mux)
}

// Chain applies middleware so that the first one listed runs first.
func Chain(h http.Handler, mw ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// Under returns a Mux that registers every pattern on m under prefix (the
// public endpoint's path, such as "/sesame"; "" registers patterns as they
// are). Patterns stay on m itself, so the request's Pattern (which the
// metrics record) is the full one.
func Under(m Mux, prefix string) Mux {
	if prefix == "" {
		return m
	}
	return prefixMux{m, prefix}
}

type prefixMux struct {
	m      Mux
	prefix string
}

func (p prefixMux) pattern(pattern string) string {
	if method, path, ok := strings.Cut(pattern, " "); ok {
		return method + " " + p.prefix + path
	}
	return p.prefix + pattern
}

func (p prefixMux) Handle(pattern string, h http.Handler) { p.m.Handle(p.pattern(pattern), h) }

func (p prefixMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	p.m.HandleFunc(p.pattern(pattern), h)
}
