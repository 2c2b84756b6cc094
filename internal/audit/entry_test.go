package audit_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sesameauth/sesame/internal/audit"
)

func TestAdminChange(t *testing.T) {
	type settings struct {
		Color string   `json:"color"`
		Words []string `json:"words"`
	}
	for _, c := range []struct {
		entity, action, id string
		before, after      any
		key, target        string
		user, app          string
		wantBefore         string
		wantAfter          string
	}{
		{"Application", "Create", "app-1", nil, map[string]string{"name": "Shop"}, "Admin.Application.Create", "application:app-1", "", "app-1", "", `{"name":"Shop"}`},
		{"User", "Delete", "u-1", map[string]string{"username": "alice"}, nil, "Admin.User.Delete", "user:u-1", "u-1", "", `{"username":"alice"}`, ""},
		{"SignInExperience", "Update", "", settings{"#000000", nil}, settings{"#ffffff", []string{"x"}}, "Admin.SignInExperience.Update", "signInExperience", "", "",
			`{"color":"#000000","words":null}`, `{"color":"#ffffff","words":["x"]}`},
		{"Role", "Update", "r-1", json.RawMessage(`{"a":1}`), json.RawMessage(nil), "Admin.Role.Update", "role:r-1", "", "", `{"a":1}`, ""},
		// A document too large, or not JSON, is replaced by a note.
		{"Role", "Update", "r-2", strings.Repeat("x", audit.MaxDocument), json.RawMessage(`{bad`), "Admin.Role.Update", "role:r-2", "", "",
			`{"_truncated":true,"size":16386}`, `{"_unencodable":true}`},
		{"Role", "Update", "r-3", func() {}, nil, "Admin.Role.Update", "role:r-3", "", "", `{"_unencodable":true}`, ""},
	} {
		e := audit.AdminChange("user:admin-1", c.entity, c.action, c.id, c.before, c.after)
		if e.Key != c.key || e.Target != c.target || e.Actor != "user:admin-1" || e.Result != audit.Success ||
			e.UserID != c.user || e.ApplicationID != c.app || string(e.Before) != c.wantBefore || string(e.After) != c.wantAfter {
			t.Errorf("AdminChange(%s, %s, %s) = %+v (before %s, after %s)", c.entity, c.action, c.id, e, e.Before, e.After)
		}
		if !audit.IsAdmin(e.Key) {
			t.Errorf("IsAdmin(%q) = false", e.Key)
		}
	}
	if audit.IsAdmin(audit.KeySignIn) {
		t.Error("IsAdmin(sign-in)")
	}
}

// TestView: the JSON an entry is shown as, in Logto's shape, with empty
// fields left out and times in epoch milliseconds.
func TestView(t *testing.T) {
	at := time.Date(2026, 12, 4, 10, 0, 0, 123456789, time.UTC)
	e := audit.AdminChange("app:m2m", "Application", "Update", "app-1", map[string]any{"name": "a"}, map[string]any{"name": "<b>"})
	e.ID, e.IP, e.UserAgent, e.CreatedAt = "log-1", "192.0.2.1", "curl/8", at
	b, err := json.Marshal(audit.ViewOf(e))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"log-1","key":"Admin.Application.Update","payload":{"key":"Admin.Application.Update","result":"Success",` +
		`"ip":"192.0.2.1","userAgent":"curl/8","applicationId":"app-1","actor":"app:m2m","target":"application:app-1",` +
		`"before":{"name":"a"},"after":{"name":"\u003cb\u003e"}},"createdAt":1796378400123}`
	if string(b) != want {
		t.Errorf("view\n got %s\nwant %s", b, want)
	}
	failed := audit.Entry{ID: "log-2", Key: audit.KeySignIn, Result: audit.Failure, Error: audit.ReasonWrongPassword,
		UserID: "u-1", SessionID: "", Before: json.RawMessage(`{damaged`), CreatedAt: at}
	b, _ = json.Marshal(audit.ViewOf(failed))
	want = `{"id":"log-2","key":"Interaction.SignIn.Submit","payload":{"key":"Interaction.SignIn.Submit","result":"Error",` +
		`"error":"wrong_password","userId":"u-1"},"createdAt":1796378400123}`
	if string(b) != want {
		t.Errorf("failed sign-in view\n got %s\nwant %s", b, want)
	}
	if b, _ := json.Marshal(audit.Views(nil)); string(b) != "[]" {
		t.Errorf("Views(nil) = %s", b)
	}
}

// TestRecordBounds: Record keeps at most MaxUserAgent bytes of the user
// agent, cut on a character boundary, and bounds the other fields.
func TestRecordBounds(t *testing.T) {
	st := newRecorder(t)
	l := newLog(t, st, audit.Options{})
	ua := strings.Repeat("a", audit.MaxUserAgent-1) + "é" + strings.Repeat("b", 100)
	l.Record(t.Context(), audit.Entry{Key: audit.KeySignIn, UserAgent: ua, IP: strings.Repeat("1", 5000),
		Before: json.RawMessage(strings.Repeat(" ", audit.MaxDocument) + "{}")})
	if err := l.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	es, _, err := l.List(t.Context(), audit.Query{})
	if err != nil || len(es) != 1 {
		t.Fatal(es, err)
	}
	e := es[0]
	if e.UserAgent != strings.Repeat("a", audit.MaxUserAgent-1) || !utf8.ValidString(e.UserAgent) {
		t.Errorf("user agent kept %d bytes: %q…", len(e.UserAgent), e.UserAgent[len(e.UserAgent)-3:])
	}
	if len(e.IP) > 256 {
		t.Errorf("ip kept %d bytes", len(e.IP))
	}
	if len(e.Before) > audit.MaxDocument || !json.Valid(e.Before) {
		t.Errorf("before kept %d bytes", len(e.Before))
	}
}

func TestTokenKey(t *testing.T) {
	for gt, want := range map[string]string{"authorization_code": audit.KeyTokenAuthorizationCode, "refresh_token": audit.KeyTokenRefreshToken,
		"client_credentials": audit.KeyTokenClientCredentials, "password": "", "": "", "urn:x": ""} {
		if got := audit.TokenKey(gt); got != want {
			t.Errorf("TokenKey(%q) = %q, want %q", gt, got, want)
		}
	}
}
