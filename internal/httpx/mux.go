package httpx

import "net/http"

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
