package httpx

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

type ctxKey int

const (
	nonceKey ctxKey = iota // the nonce when Secure runs without RequestContext
	requestInfoKey
)

// Limits applied to every request before a handler sees it.
const (
	MaxQueryBytes = 16 << 10 // longer query strings get 414
	MaxBodyBytes  = 64 << 10 // larger bodies fail to parse (413)
)

// Nonce returns the request's CSP nonce.
func Nonce(ctx context.Context) string {
	if info := requestInfoOf(ctx); info != nil && info.nonce != "" {
		return info.nonce
	}
	s, _ := ctx.Value(nonceKey).(string)
	return s
}

// requestInfo is what the middleware records about a request, in one
// context value (one allocation, not one per field): RequestContext puts
// it there and Secure adds the nonce to it.
type requestInfo struct {
	id, ip, nonce string
	log           *slog.Logger
	// The X-Request-Id and Content-Security-Policy header values, held
	// here so that they cost no allocation of their own.
	idHdr, cspHdr [1]string
}

func requestInfoOf(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey).(*requestInfo)
	return info
}

// RequestID returns the request's id (also sent as X-Request-Id), set by
// [RequestContext].
func RequestID(ctx context.Context) string {
	if info := requestInfoOf(ctx); info != nil {
		return info.id
	}
	return ""
}

func randomToken(n int) string {
	var b [32]byte
	rand.Read(b[:n])
	var out [44]byte
	return string(base64.RawURLEncoding.AppendEncode(out[:0], b[:n]))
}

// CSP builds the Content-Security-Policy: nothing loads but our own
// stylesheet and images, the one nonce'd script, no framing, and forms may
// post only to ourselves plus formActions (the app a form's redirect chain
// ends at: Chromium applies form-action to redirects after a submission).
func CSP(nonce string, formActions ...string) string {
	fa := "'self'"
	for _, a := range formActions {
		if a != "" && !strings.ContainsAny(a, " ;,'\"") {
			fa += " " + a
		}
	}
	return "default-src 'none'; script-src 'nonce-" + nonce + "'; style-src 'self'; " + ownImgSrc + " " +
		"form-action " + fa + "; frame-ancestors 'none'; base-uri 'none'"
}

// AllowFormAction widens the response's form-action directive with origins.
// Call before the response is written.
func AllowFormAction(w http.ResponseWriter, r *http.Request, origins ...string) {
	csp := CSP(Nonce(r.Context()), origins...)
	if strings.Contains(w.Header().Get("Content-Security-Policy"), remoteImgSrc) {
		csp = strings.Replace(csp, ownImgSrc, remoteImgSrc, 1)
	}
	w.Header().Set("Content-Security-Policy", csp)
}

const (
	ownImgSrc    = "img-src 'self' data:;"
	remoteImgSrc = "img-src 'self' data: https:;"
)

// AllowRemoteImages lets the response's page show https images (the
// sign-in experience's logos, hosted anywhere): img-src 'self' data:
// https:, every other directive unchanged. An image cannot run script
// (docs/security.md, UI-05). Call before the response is written.
func AllowRemoteImages(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", strings.Replace(h.Get("Content-Security-Policy"), ownImgSrc, remoteImgSrc, 1))
}

// AllowFetch lets the response's page script fetch() its own origin
// (connect-src 'self'), for the passkey pages' JSON ceremony endpoints;
// nothing else changes. Call after AllowFormAction and before the
// response is written.
func AllowFetch(w http.ResponseWriter) {
	h := w.Header()
	if csp := h.Get("Content-Security-Policy"); csp != "" && !strings.Contains(csp, "connect-src") {
		h.Set("Content-Security-Policy", csp+"; connect-src 'self'")
	}
}

// Secure sets the headers every response carries and creates the request's
// CSP nonce. https (an https endpoint) or a request that came over TLS
// adds Strict-Transport-Security; a plain-HTTP request to an http endpoint
// never gets it.
func Secure(https bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			nonce := randomToken(18)
			h := w.Header()
			info := requestInfoOf(r.Context())
			if info != nil {
				info.cspHdr[0] = CSP(nonce)
				h["Content-Security-Policy"] = info.cspHdr[:]
			} else {
				h["Content-Security-Policy"] = []string{CSP(nonce)}
			}
			// Shared value slices: net/http only reads them, and a handler
			// changing one of these headers replaces the slice (Header.Set).
			h["X-Frame-Options"] = hdrDeny
			h["X-Content-Type-Options"] = hdrNosniff
			h["Referrer-Policy"] = hdrNoReferrer
			h["Cross-Origin-Opener-Policy"] = hdrSameOrigin
			// Served over TLS by Sesame itself (--tls-cert): two years.
			// Behind a proxy, an https endpoint keeps its one year.
			if r.TLS != nil {
				h["Strict-Transport-Security"] = hdrHSTSDirect
			} else if https {
				h["Strict-Transport-Security"] = hdrHSTS
			}
			if info != nil {
				info.nonce = nonce // the request's own record: no new context
				next.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), nonceKey, nonce)))
		})
	}
}

var (
	hdrDeny       = []string{"DENY"}
	hdrNosniff    = []string{"nosniff"}
	hdrNoReferrer = []string{"no-referrer"}
	hdrSameOrigin = []string{"same-origin"}
	hdrHSTS       = []string{"max-age=31536000; includeSubDomains"}
	hdrHSTSDirect = []string{"max-age=63072000; includeSubDomains"}
)

// Deadline bounds how long one request may wait on the database (or the
// password-hash limiter): a connection that goes silent then yields a 503,
// not a request that hangs for minutes.
func Deadline(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// Limit rejects oversized query strings and caps request bodies.
func Limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.RawQuery) > MaxQueryBytes {
			http.Error(w, "request URI too long", http.StatusRequestURITooLong)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if !s.wrote {
		s.status, s.wrote = http.StatusOK, true
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Log writes one line per request, which carries the request id and
// client address from the context ([RequestContext]). Only the path is
// logged, never the query or body: they carry codes, state and credentials.
func Log(log *slog.Logger) func(http.Handler) http.Handler {
	log = ContextLogger(log)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !log.Enabled(r.Context(), slog.LevelInfo) {
				next.ServeHTTP(w, r)
				return
			}
			start := time.Now()
			sw := wrapStatus(w)
			next.ServeHTTP(sw, r)
			log.LogAttrs(r.Context(), slog.LevelInfo, "http",
				slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", sw.outcome(r)), slog.Duration("dur", time.Since(start)))
		})
	}
}

// StatusClientGone is what the access log and the metrics record for a
// request that failed because its client went away (nginx's 499): the
// status the handler wrote, a 5xx, is no fault of the server, and every
// load run ends with clients closing their connections.
const StatusClientGone = 499

// outcome is the status to log and count for r.
func (s *statusWriter) outcome(r *http.Request) int {
	if s.status >= 500 && errors.Is(r.Context().Err(), context.Canceled) {
		return StatusClientGone
	}
	return s.status
}

// wrapStatus returns w as a statusWriter, reusing w when it already is
// one (the access log's, seen again by the metrics), so that a request
// allocates one.
func wrapStatus(w http.ResponseWriter) *statusWriter {
	if sw, ok := w.(*statusWriter); ok {
		return sw
	}
	return &statusWriter{ResponseWriter: w, status: http.StatusOK}
}

// Recover turns a panic into a logged 500 so one bad request cannot take
// the process down. Handlers must not rely on it: malformed input gets a 4xx.
func Recover(log *slog.Logger) func(http.Handler) http.Handler {
	log = ContextLogger(log)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					log.ErrorContext(r.Context(), "panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
					http.Error(w, "internal error", http.StatusInternalServerError)
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// NoStore marks a response uncacheable.
func NoStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

// CORS allows any origin to read the public documents: discovery and the
// JWKS. (Token, userinfo and revocation answer CORS per app:
// provider.ClientCORS.) No credentials are ever allowed, so no
// cookie-bearing request can be made cross-site.
func CORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") != "" {
			w.Header().Set("Access-Control-Allow-Origin", "*")
			w.Header().Set("Access-Control-Expose-Headers", "WWW-Authenticate")
		}
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
			w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
