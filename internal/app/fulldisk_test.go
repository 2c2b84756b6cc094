package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/testkit"
)

// smallFilesystem mounts a tmpfs of size bytes on a new directory for the
// test. It needs root (CI runs as root); elsewhere the test is skipped,
// but never under CI.
func smallFilesystem(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size+",mode=0700"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mount a %s tmpfs (the test needs root): %v", size, err)
		}
		t.Skipf("cannot mount a tmpfs here (%v); CI runs this as root", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fill writes to path until the filesystem is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill: %v", err)
			}
			return
		}
	}
}

// TestFullDiskSQLite (docs/testing.md, "Faults"): SQLite on a filesystem
// that fills up while sign-ins, code exchanges and app creation through
// the Management API go on. Every answer is a success or a 503 (OAuth
// JSON temporarily_unavailable, a readable page, or {code,message}, each
// with Retry-After), never a 500; everything acknowledged, before and
// while the disk was full, is there afterwards; once space returns the
// server recovers by itself, without a restart, and the WAL checkpoints.
func TestFullDiskSQLite(t *testing.T) {
	dir := smallFilesystem(t, "6m")
	e := newEnvAt(t, dir, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	redirect := "https://app.example/cb"
	clientID, clientSecret := e.app(t, store.AppTraditional, []string{redirect}, nil)
	e.user(t, "ada", "correct horse battery")
	b := e.browser(t)
	opts := url.Values{"scope": {"openid offline_access"}}
	code, verifier, _ := e.flow(t, b, clientID, redirect, true, "ada", "correct horse battery", opts)
	var acknowledged []string // refresh tokens
	if st, body := e.exchange(t, clientID, clientSecret, code, verifier, redirect); st == 200 {
		acknowledged = append(acknowledged, body["refresh_token"].(string))
	} else {
		t.Fatalf("exchange before the disk filled: %d %v", st, body)
	}

	// One round: authorize on the SSO session (writes a code) and exchange
	// the code (writes a refresh token). It reports whether it succeeded,
	// and fails the test on anything but a success or a 503.
	round := func() bool {
		verifier, challenge := testkit.PKCE()
		resp, err := b.Client.Get(e.authURL(clientID, redirect, url.Values{"code_challenge": {challenge},
			"code_challenge_method": {"S256"}, "scope": {"openid offline_access"}}))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusServiceUnavailable:
			return false
		case resp.StatusCode >= 500:
			t.Fatalf("authorize on a full disk: %d", resp.StatusCode)
		}
		cb := callback(t, resp, redirect)
		code := cb.Query().Get("code")
		if code == "" {
			if e := cb.Query().Get("error"); e == "temporarily_unavailable" {
				return false
			}
			t.Fatalf("authorize on a full disk: %s", cb.RawQuery)
		}
		st, body, hdr := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"code_verifier": {verifier}, "redirect_uri": {redirect}}, clientID, clientSecret)
		switch st {
		case 200:
			acknowledged = append(acknowledged, body["refresh_token"].(string))
			return true
		case 503:
			if hdr.Get("Retry-After") == "" || body["error"] != "temporarily_unavailable" {
				t.Errorf("503 without Retry-After or temporarily_unavailable: %v %v", hdr, body)
			}
			return false
		}
		t.Fatalf("code exchange on a full disk: %d %v", st, body)
		return false
	}

	// The Management API creates an app: 200, or 503 with Retry-After and
	// {code,message}. Every app acknowledged is there afterwards.
	m2m, m2mSecret := e.app(t, store.AppM2M, nil, nil)
	if err := admin.GrantManagementAPI(context.Background(), e.Store, m2m); err != nil {
		t.Fatal(err)
	}
	apiTok := e.ccToken(t, m2m, m2mSecret, admin.APIIndicator(e.URL), admin.Scope)
	var apps []string
	apiRound := func() bool {
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/api/applications", strings.NewReader(`{"name":"Full disk","type":"MachineToMachine"}`))
		req.Header.Set("Authorization", "Bearer "+apiTok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		raw, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Fatalf("POST /api/applications on a full disk: %d, not JSON: %q", resp.StatusCode, raw)
		}
		switch resp.StatusCode {
		case 200:
			apps = append(apps, body["id"].(string))
			return true
		case 503:
			if resp.Header.Get("Retry-After") == "" || body["code"] == nil || body["message"] == nil {
				t.Errorf("API 503 without Retry-After or {code,message}: %v %v", resp.Header, body)
			}
			return false
		}
		t.Fatalf("POST /api/applications on a full disk: %d %v", resp.StatusCode, body)
		return false
	}
	// A new browser starts a sign-in (stores the authorization request):
	// the sign-in page, or a readable 503 page.
	pageRound := func() bool {
		fresh := e.browser(t)
		_, challenge := testkit.PKCE()
		resp, err := fresh.Client.Get(e.authURL(clientID, redirect, url.Values{"code_challenge": {challenge},
			"code_challenge_method": {"S256"}, "scope": {"openid"}}))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case 200:
			return true
		case 503:
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || resp.Header.Get("Retry-After") == "" {
				t.Errorf("sign-in page 503 is not a readable page with Retry-After: %v %q", resp.Header, raw)
			}
			return false
		}
		t.Fatalf("a new sign-in on a full disk: %d %q", resp.StatusCode, raw)
		return false
	}

	filler := filepath.Join(dir, "filler")
	fill(t, filler)
	refused, apiRefused, pagesRefused := 0, 0, 0
	for range 30 {
		if !round() {
			refused++
		}
		if !apiRound() {
			apiRefused++
		}
		if !pageRound() {
			pagesRefused++
		}
	}
	if refused == 0 {
		t.Fatal("no request was refused: the disk never filled up for SQLite")
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	recovered := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !recovered; {
		recovered = round()
		if !recovered {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !recovered {
		t.Fatal("no recovery within 10 s of the space coming back")
	}
	for i := range 5 {
		if !round() || !apiRound() || !pageRound() {
			t.Fatalf("round %d after the recovery failed", i)
		}
	}
	for _, id := range apps {
		if _, err := e.Store.GetClient(context.Background(), id); err != nil {
			t.Fatalf("app %s acknowledged by the API is gone: %v", id, err)
		}
	}
	// Everything acknowledged is there: each refresh token refreshes.
	for i, rt := range acknowledged {
		st, body, _ := e.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, clientID, clientSecret)
		if st != 200 {
			t.Fatalf("acknowledged refresh token %d of %d: %d %v", i, len(acknowledged), st, body)
		}
	}
	// The WAL is not stuck: a full checkpoint goes through and the
	// database is intact.
	db := openSQLiteFile(t, dir)
	var busy, walPages, checkpointed int
	if err := db.QueryRow("PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &walPages, &checkpointed); err != nil || busy != 0 {
		t.Fatalf("WAL checkpoint after the recovery: busy %d, %v", busy, err)
	}
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check after the recovery: %q %v", check, err)
	}
	if apiRefused == 0 || pagesRefused == 0 {
		t.Errorf("the disk was full but the API refused %d and the sign-in page %d of 30 requests", apiRefused, pagesRefused)
	}
	t.Logf("%d of 30 rounds refused while full (API %d, sign-in page %d); %d refresh tokens and %d apps acknowledged and all present",
		refused, apiRefused, pagesRefused, len(acknowledged), len(apps))
}
