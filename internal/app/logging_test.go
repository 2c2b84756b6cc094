package app_test

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/testkit"
)

// TestRequestLogCarriesID: a request that fails in a handler logs an error
// line carrying the request id that its error page shows and its access
// log line carries, and the client's address.
func TestRequestLogCarriesID(t *testing.T) {
	var logs testkit.LogBuffer
	fs := &faultStore{}
	e := newEnvWrapped(t, slog.New(slog.NewJSONHandler(&logs, nil)), func(s store.Store) store.Store {
		fs.Store = s
		return fs
	})
	r := "https://app.example/cb"
	id, _ := e.app(t, store.AppTraditional, []string{r}, nil)
	fs.set("ReserveAttempt")
	resp, err := http.Get(e.authURL(id, r, nil))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	reqID := resp.Header.Get("X-Request-Id")
	if resp.StatusCode != http.StatusServiceUnavailable || reqID == "" || !strings.Contains(string(body), "<code>"+reqID+"</code>") {
		t.Fatalf("want a 503 error page showing the request id %q: %d\n%s", reqID, resp.StatusCode, body)
	}
	var errorLine, accessLine bool
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		if rec["request_id"] != reqID {
			continue
		}
		if rec["client_ip"] != "127.0.0.1" {
			t.Errorf("client_ip = %v, want 127.0.0.1: %s", rec["client_ip"], sc.Text())
		}
		switch {
		case rec["level"] == "ERROR" && strings.Contains(rec["err"].(string), "injected ReserveAttempt failure"):
			errorLine = true
		case rec["msg"] == "http" && rec["status"] == float64(http.StatusServiceUnavailable):
			accessLine = true
		}
	}
	if !errorLine || !accessLine {
		t.Errorf("error line with the request id: %v, access line with it: %v\n%s", errorLine, accessLine, logs.String())
	}
}
