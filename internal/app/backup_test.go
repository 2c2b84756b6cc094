package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/experience"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
)

// TestBackupUnderWriteLoad: a backup taken while users and apps are being
// created and code flows issue refresh tokens, restored into a new data
// directory with the same master secret, serves every user, app and
// refresh token acknowledged before the backup began (docs/production.md,
// "Backups").
func TestBackupUnderWriteLoad(t *testing.T) {
	const secret = "backup-test-master-secret-of-32-bytes+"
	withSecret := func(c *config.Config, _ *app.Options) { c.Secret = secret }
	e := newEnv(t, withSecret)
	redirect := "https://app.example/callback"
	clientID, clientSecret := e.app(t, store.AppTraditional, []string{redirect}, nil)
	e.user(t, "ada", "correct horse battery")

	var (
		mu         sync.Mutex
		users      []string // acknowledged
		apps       []string
		writeErrs  []error
		stop       = make(chan struct{})
		writersWG  sync.WaitGroup
		ctx        = context.Background()
		writerLoop = func(write func(i int) (string, error), into *[]string) {
			defer writersWG.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id, err := write(i)
				mu.Lock()
				if err != nil {
					writeErrs = append(writeErrs, err)
				} else {
					*into = append(*into, id)
				}
				mu.Unlock()
			}
		}
	)
	writersWG.Add(2)
	go writerLoop(func(i int) (string, error) {
		u, err := experience.NewUser(ctx, fmt.Sprintf("load%d", i), fmt.Sprintf("load%d@example.com", i), "pw-load-1234567", fastHash, time.Now())
		if err != nil {
			return "", err
		}
		return u.ID, e.Store.CreateUser(ctx, u)
	}, &users)
	go writerLoop(func(i int) (string, error) {
		c := store.Client{ID: directory.NewAppID(), Name: fmt.Sprintf("Load %d", i), Type: store.AppSPA,
			RedirectURIs: []string{"https://spa.example/cb"}, CreatedAt: time.Now()}
		return c.ID, e.Store.CreateClient(ctx, c)
	}, &apps)

	b := e.browser(t)
	refresh := func() string {
		code, verifier, _ := e.flow(t, b, clientID, redirect, false, "", "", url.Values{"scope": {"openid offline_access"}})
		st, body := e.exchange(t, clientID, clientSecret, code, verifier, redirect)
		rt, _ := body["refresh_token"].(string)
		if st != 200 || rt == "" {
			t.Fatalf("code exchange: %d %v", st, body)
		}
		return rt
	}
	// The first flow signs in; the others ride the session.
	code, verifier, _ := e.flow(t, b, clientID, redirect, true, "ada", "correct horse battery", url.Values{"scope": {"openid offline_access"}})
	if st, body := e.exchange(t, clientID, clientSecret, code, verifier, redirect); st != 200 {
		t.Fatalf("first exchange: %d %v", st, body)
	}
	var tokens []string
	for range 10 {
		tokens = append(tokens, refresh())
	}

	mu.Lock()
	ackUsers, ackApps := append([]string(nil), users...), append([]string(nil), apps...)
	mu.Unlock()
	ackTokens := append([]string(nil), tokens...)
	to := filepath.Join(t.TempDir(), "backup.db")
	done := make(chan error, 1)
	go func() {
		_, err := sqlstore.Backup(ctx, e.DataDir, to, false)
		done <- err
	}()
	for range 5 { // writes go on while the copy is made
		tokens = append(tokens, refresh())
	}
	if err := <-done; err != nil {
		t.Fatalf("backup: %v", err)
	}
	close(stop)
	writersWG.Wait()
	if len(writeErrs) > 0 {
		t.Fatalf("writes failed during the backup: %v", writeErrs[0])
	}
	if len(ackUsers) == 0 || len(ackApps) == 0 {
		t.Fatalf("no write was acknowledged before the backup (%d users, %d apps)", len(ackUsers), len(ackApps))
	}

	dir := t.TempDir()
	b2, err := os.ReadFile(to)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, sqlstore.DatabaseFile), b2, 0o600); err != nil {
		t.Fatal(err)
	}
	r := newEnvAt(t, dir, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, withSecret)
	for _, id := range ackUsers {
		if _, err := r.Store.GetUser(ctx, id); err != nil {
			t.Fatalf("user %s acknowledged before the backup: %v", id, err)
		}
	}
	for _, id := range ackApps {
		if _, err := r.Store.GetClient(ctx, id); err != nil {
			t.Fatalf("app %s acknowledged before the backup: %v", id, err)
		}
	}
	for i, rt := range ackTokens {
		st, body, _ := r.postForm(t, "/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, clientID, clientSecret)
		if st != 200 || body["access_token"] == nil || body["id_token"] == nil {
			t.Fatalf("refresh token %d acknowledged before the backup, on the restored copy: %d %v", i, st, body)
		}
	}
	t.Logf("restored %d users, %d apps and %d refresh tokens acknowledged before the backup", len(ackUsers), len(ackApps), len(ackTokens))
}
