package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
)

// apiJSON sends a Management API request with token and decodes the
// answer; safe for concurrent use (mgmt.call records what it saw).
func apiJSON(base, token, method, path string, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var m map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 && json.Unmarshal(raw, &m) != nil {
		return resp.StatusCode, nil, fmt.Errorf("%s %s: %d %q", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, m, nil
}

// TestBackupUnderWriteLoad: a backup taken while goroutines create users
// and apps through the Management API and run code flows that issue
// refresh tokens, all over HTTP, is restored into a new data directory
// with the same master secret; a server started on it serves every user
// (found by the API, and signing in), app and refresh token acknowledged
// before the backup began (docs/production.md, "Backups").
func TestBackupUnderWriteLoad(t *testing.T) {
	const secret = "backup-test-master-secret-of-32-bytes+"
	withSecret := func(c *config.Config, _ *app.Options) { c.Secret = secret }
	e := newEnv(t, withSecret)
	ctx := context.Background()
	redirect := "https://app.example/callback"
	clientID, clientSecret := e.app(t, store.AppTraditional, []string{redirect}, nil)
	e.user(t, "ada", "correct horse battery")
	mID, mSecret := e.app(t, store.AppM2M, nil, nil)
	if err := admin.GrantManagementAPI(ctx, e.Store, mID); err != nil {
		t.Fatal(err)
	}
	apiToken := func(on *env) string {
		return (&mgmt{env: on}).token(t, mID, mSecret, admin.APIIndicator(on.URL), admin.Scope)
	}
	tok := apiToken(e)

	type user struct{ id, username string }
	var (
		mu        sync.Mutex
		users     []user // acknowledged
		apps      []string
		tokens    []string
		writeErrs []error
		stop      = make(chan struct{})
		wg        sync.WaitGroup
	)
	record := func(err error, ack func()) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			writeErrs = append(writeErrs, err)
		} else {
			ack()
		}
	}
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	wg.Add(3)
	go func() { // users, through the Management API
		defer wg.Done()
		for i := 0; !stopped(); i++ {
			name := fmt.Sprintf("load%d", i)
			st, body, err := apiJSON(e.URL, tok, "POST", "/api/users", map[string]any{"username": name, "password": "pw-load-1234567"})
			id, _ := body["id"].(string)
			if err == nil && (st != 200 || id == "") {
				err = fmt.Errorf("POST /api/users: %d %v", st, body)
			}
			record(err, func() { users = append(users, user{id, name}) })
		}
	}()
	go func() { // apps, through the Management API
		defer wg.Done()
		for i := 0; !stopped(); i++ {
			st, body, err := apiJSON(e.URL, tok, "POST", "/api/applications", map[string]any{"name": fmt.Sprintf("Load %d", i), "type": "SPA",
				"oidcClientMetadata": map[string]any{"redirectUris": []string{"https://spa.example/cb"}}})
			id, _ := body["id"].(string)
			if err == nil && (st != 200 || id == "") {
				err = fmt.Errorf("POST /api/applications: %d %v", st, body)
			}
			record(err, func() { apps = append(apps, id) })
		}
	}()
	go func() { // code flows that issue refresh tokens; the first signs in
		defer wg.Done()
		b := e.browser(t)
		for i := 0; !stopped(); i++ {
			code, verifier, _ := e.flow(t, b, clientID, redirect, i == 0, "ada", "correct horse battery", url.Values{"scope": {"openid offline_access"}})
			st, body := e.exchange(t, clientID, clientSecret, code, verifier, redirect)
			rt, _ := body["refresh_token"].(string)
			var err error
			if st != 200 || rt == "" {
				err = fmt.Errorf("code exchange: %d %v", st, body)
			}
			record(err, func() { tokens = append(tokens, rt) })
		}
	}()
	counts := func() (int, int, int) {
		mu.Lock()
		defer mu.Unlock()
		return len(users), len(apps), len(tokens)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		if u, a, r := counts(); u >= 5 && a >= 5 && r >= 3 {
			break
		}
		if time.Now().After(deadline) {
			close(stop)
			wg.Wait()
			t.Fatalf("the load did not get going: %v", writeErrs)
		}
	}

	// What was acknowledged before the backup begins; writes go on.
	mu.Lock()
	ackUsers, ackApps, ackTokens := append([]user(nil), users...), append([]string(nil), apps...), append([]string(nil), tokens...)
	mu.Unlock()
	to := filepath.Join(t.TempDir(), "backup.db")
	_, backupErr := sqlstore.Backup(ctx, e.DataDir, to, false)
	u0, a0, r0 := counts()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if u, a, r := counts(); u > u0 && a > a0 && r > r0 {
			break // the server kept taking writes after the copy
		}
	}
	close(stop)
	wg.Wait()
	if backupErr != nil {
		t.Fatalf("backup: %v", backupErr)
	}
	if len(writeErrs) > 0 {
		t.Fatalf("%d writes failed around the backup, the first: %v", len(writeErrs), writeErrs[0])
	}

	dir := t.TempDir()
	raw, err := os.ReadFile(to)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, sqlstore.DatabaseFile), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	r := newEnvAt(t, dir, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, withSecret)
	rtok := apiToken(r) // the Management API app was restored too
	for _, u := range ackUsers {
		st, body, err := apiJSON(r.URL, rtok, "GET", "/api/users/"+u.id, nil)
		if err != nil || st != 200 || body["username"] != u.username {
			t.Fatalf("user %s acknowledged before the backup, on the restored copy: %d %v %v", u.username, st, body, err)
		}
	}
	for _, id := range ackApps {
		if st, body, err := apiJSON(r.URL, rtok, "GET", "/api/applications/"+id, nil); err != nil || st != 200 || body["id"] != id {
			t.Fatalf("app %s acknowledged before the backup, on the restored copy: %d %v %v", id, st, body, err)
		}
	}
	for i, rt := range ackTokens {
		st, body, _ := r.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, clientID, clientSecret)
		if st != 200 || body["access_token"] == nil || body["id_token"] == nil {
			t.Fatalf("refresh token %d acknowledged before the backup, on the restored copy: %d %v", i, st, body)
		}
	}
	// Users sign in on the restored server: the first one and the last
	// one acknowledged before the backup.
	for _, u := range []user{{"", "ada"}, ackUsers[len(ackUsers)-1]} {
		pw := "pw-load-1234567"
		if u.username == "ada" {
			pw = "correct horse battery"
		}
		code, verifier, _ := r.flow(t, r.browser(t), clientID, redirect, true, u.username, pw, url.Values{"scope": {"openid offline_access"}})
		if st, body := r.exchange(t, clientID, clientSecret, code, verifier, redirect); st != 200 || body["refresh_token"] == nil {
			t.Fatalf("%s signing in on the restored copy: %d %v", u.username, st, body)
		}
	}
	t.Logf("restored %d users, %d apps and %d refresh tokens acknowledged before the backup (of %d, %d, %d written in all)",
		len(ackUsers), len(ackApps), len(ackTokens), len(users), len(apps), len(tokens))
}
