package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestStatic: the bytes with their headers and an ETag; If-None-Match
// naming it (strong, weak, in a list, or "*") gets 304 without a body;
// any other tag gets the 200.
func TestStatic(t *testing.T) {
	s := NewStatic([]byte(`{"a":1}`), "application/json", "public, max-age=60")
	other := NewStatic([]byte(`{"a":2}`), "application/json", "public, max-age=60")
	if s.ETag() == other.ETag() || len(s.ETag()) < 10 || s.ETag()[0] != '"' {
		t.Fatalf("ETags %s and %s", s.ETag(), other.ETag())
	}
	get := func(inm ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		for _, v := range inm {
			r.Header.Add("If-None-Match", v)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w
	}
	w := get()
	if w.Code != 200 || w.Body.String() != `{"a":1}` || w.Header().Get("Content-Type") != "application/json" ||
		w.Header().Get("Cache-Control") != "public, max-age=60" || w.Header().Get("ETag") != s.ETag() {
		t.Fatalf("plain GET: %d %q %v", w.Code, w.Body, w.Header())
	}
	for _, inm := range [][]string{{s.ETag()}, {"W/" + s.ETag()}, {`"x", ` + s.ETag()}, {`"x"`, s.ETag()}, {"*"}} {
		w := get(inm...)
		if w.Code != http.StatusNotModified || w.Body.Len() != 0 || w.Header().Get("ETag") != s.ETag() ||
			w.Header().Get("Cache-Control") != "public, max-age=60" {
			t.Errorf("If-None-Match %q: %d %q %v", inm, w.Code, w.Body, w.Header())
		}
	}
	for _, inm := range [][]string{{other.ETag()}, {`"x", "y"`}, {""}, {s.ETag()[1:]}} {
		if w := get(inm...); w.Code != 200 || w.Body.String() != `{"a":1}` {
			t.Errorf("If-None-Match %q: %d %q", inm, w.Code, w.Body)
		}
	}
}
