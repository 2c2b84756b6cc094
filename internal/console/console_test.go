package console

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/secret"
)

func TestFormMessage(t *testing.T) {
	for in, want := range map[string]string{
		"--name is required (at most 256 characters)": "Name is required (at most 256 characters)",
		`--redirect-uri "x": not absolute`:            `"x": not absolute`,
		"at most 100 CORS origins":                    "At most 100 CORS origins",
	} {
		if got := formMessage(&directory.Error{Code: "c", Message: in}); got != want {
			t.Errorf("formMessage(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLines(t *testing.T) {
	got := lines(" https://a/cb \r\n\n\thttps://b/cb\n")
	if !slices.Equal(got, []string{"https://a/cb", "https://b/cb"}) {
		t.Fatalf("lines = %q", got)
	}
	if lines("  \n") != nil {
		t.Fatal("blank text gives lines")
	}
}

// TestInProcess: the console's client reaches the server's handler with
// the request's method, path and body, and reads its answer, without a
// network.
func TestInProcess(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Seen", r.Method+" "+r.URL.Path+" "+string(b)+" "+r.RemoteAddr)
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "answer")
	})
	c := &http.Client{Transport: inProcess{h}}
	resp, err := c.Post("https://nowhere.invalid/oidc/token", "text/plain", strings.NewReader("form"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusTeapot || string(b) != "answer" || resp.Header.Get("X-Seen") != "POST /oidc/token form 127.0.0.1:0" {
		t.Fatalf("got %d %q %q", resp.StatusCode, b, resp.Header.Get("X-Seen"))
	}
}

func TestSessionCookie(t *testing.T) {
	h := &Handler{Master: []byte("0123456789abcdef0123456789abcdef"), Base: "/sesame"}
	h.box = secret.NewBox(h.Master, "console-session")
	rec := httptest.NewRecorder()
	h.writeSession(rec, session{Access: "at", Refresh: "rt", IDToken: "id"})
	ck := rec.Result().Cookies()[0]
	if ck.Name != "sesame_console" || ck.Path != "/sesame/console" || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure {
		t.Fatalf("cookie %+v", ck)
	}
	read := func(v string) (session, bool) {
		r := httptest.NewRequest(http.MethodGet, "/sesame/console/", nil)
		r.AddCookie(&http.Cookie{Name: "sesame_console", Value: v})
		return h.readSession(r)
	}
	if s, ok := read(ck.Value); !ok || s.Access != "at" || s.Refresh != "rt" || s.IDToken != "id" {
		t.Fatalf("read back %+v %v", s, ok)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(ck.Value)
	if strings.Contains(string(raw), `"a":"at"`) {
		t.Fatal("the cookie is not encrypted")
	}
	raw[len(raw)-1] ^= 1
	if _, ok := read(base64.RawURLEncoding.EncodeToString(raw)); ok {
		t.Fatal("a tampered cookie was accepted")
	}
	other := &Handler{box: secret.NewBox([]byte("another-master-secret-0123456789ab"), "console-session")}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(ck)
	if _, ok := other.readSession(r); ok {
		t.Fatal("a cookie sealed under another master secret was accepted")
	}
	h.Secure = true
	rec = httptest.NewRecorder()
	h.writeSession(rec, session{Access: "at"})
	if ck := rec.Result().Cookies()[0]; ck.Name != "__Host-sesame_console" || ck.Path != "/" || !ck.Secure {
		t.Fatalf("https cookie %+v", ck)
	}
}

// TestSettingsError: signinexp's error codes name the form field the
// message is shown by.
func TestSettingsError(t *testing.T) {
	for code, want := range map[string]string{
		"sign_in_exp.color.primaryColor":              "primary_color",
		"sign_in_exp.branding.logoUrl":                "logo_url",
		"sign_in_exp.signIn.methods":                  "identifiers",
		"sign_in_exp.passwordPolicy.rejects.words[3]": "words",
		"sign_in_exp.passwordPolicy.length.max":       "min_length",
		"sign_in_exp.conflict":                        "",
	} {
		field, msg := settingsError(&directory.Error{Code: code, Message: "x.y: a colour is #rrggbb"})
		if field != want || msg != "A colour is #rrggbb." {
			t.Errorf("settingsError(%s) = %q, %q; want field %q", code, field, msg, want)
		}
	}
}

func TestFieldOf(t *testing.T) {
	for msg, want := range map[string]string{
		"--access-token-ttl must be whole seconds": "ttl",
		"--name is required":                       "name",
		`--scope "a b" is not valid`:               "scope_name",
		"a resource with indicator exists":         "indicator",
	} {
		if got := fieldOf(&directory.Error{Code: "c", Message: msg}, resourceFields, "indicator"); got != want {
			t.Errorf("fieldOf(%q) = %q, want %q", msg, got, want)
		}
	}
}
