package httpx

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestCSRFPreviousKeys: during a change-over of the master secret a form
// token made under the old key is still accepted; after it, it is not.
func TestCSRFPreviousKeys(t *testing.T) {
	oldKey, newKey := []byte("old-csrf-key-0123456789abcdef012"), []byte("new-csrf-key-0123456789abcdef012")
	issued := &CSRF{Key: oldKey}
	w := httptest.NewRecorder()
	tok := issued.Token(w, httptest.NewRequest(http.MethodGet, "/", nil))
	cookie := w.Result().Cookies()[0]
	post := func(token string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(url.Values{FieldName: {token}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(cookie)
		return r
	}
	if !(&CSRF{Key: newKey, Previous: [][]byte{oldKey}}).Valid(post(tok)) {
		t.Fatal("[new, old] rejected a token made under old")
	}
	if (&CSRF{Key: newKey}).Valid(post(tok)) {
		t.Fatal("[new] accepted a token made under old")
	}
	if (&CSRF{Key: newKey, Previous: [][]byte{oldKey}}).Valid(post("forged")) {
		t.Fatal("a forged token was accepted")
	}
}
