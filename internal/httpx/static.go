package httpx

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
)

// Static is a response computed once (discovery, JWKS): its bytes, their
// ETag and its header values are built when it is made, so serving it
// writes bytes and nothing else. A request whose If-None-Match names the
// ETag gets 304 without the body. Only clients that send If-None-Match
// themselves see a 304: browsers revalidate in their own cache and hand
// scripts the cached 200.
type Static struct {
	body                  []byte
	etag, ctype, cache    string
	etagV, ctypeV, cacheV []string
}

// NewStatic returns the response of body with the given Content-Type and
// Cache-Control.
func NewStatic(body []byte, contentType, cacheControl string) *Static {
	sum := sha256.Sum256(body)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
	// The header value slices are shared by every response: net/http only
	// reads them, and Header.Set replaces a slice rather than writing into it.
	return &Static{body: body, etag: etag, ctype: contentType, cache: cacheControl,
		etagV: []string{etag}, ctypeV: []string{contentType}, cacheV: []string{cacheControl}}
}

// Body returns the bytes served (callers must not modify them).
func (s *Static) Body() []byte { return s.body }

// ETag returns the quoted entity tag.
func (s *Static) ETag() string { return s.etag }

func (s *Static) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Etag"] = s.etagV
	h["Cache-Control"] = s.cacheV
	if inm := r.Header["If-None-Match"]; len(inm) > 0 && etagListed(inm, s.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Type"] = s.ctypeV
	w.Write(s.body)
}

// etagListed reports whether an If-None-Match header names etag or is
// "*", under the weak comparison RFC 9110 §13.1.2 prescribes for it.
func etagListed(values []string, etag string) bool {
	for _, v := range values {
		for v != "" {
			var tag string
			tag, v, _ = strings.Cut(v, ",")
			tag = strings.TrimSpace(tag)
			if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
				return true
			}
		}
	}
	return false
}
