package app

import (
	"net/http"

	"github.com/sesameauth/sesame/internal/httpx"
)

// Middleware wraps h in the server's middleware, as every request is (for
// the request-path benchmark).
func (s *Server) Middleware(h http.Handler) http.Handler { return s.middleware(h, httpx.ClientIP{}) }
