package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/password"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
	"github.com/sesameauth/sesame/internal/testkit"
)

// runServe starts `sesame serve` on dir until its startup output is
// printed, then stops it, and returns stdout and the log stream.
func runServe(t *testing.T, dir string) (stdout, logs string) {
	t.Helper()
	_, stop := startServe(t, dir, "http://localhost:3001/")
	return stop()
}

// startServe starts `sesame serve` on dir with endpoint and returns the
// address it listens on once its startup output is printed; stop ends it
// and returns stdout and the log stream.
func startServe(t *testing.T, dir, endpoint string) (addr string, stop func() (stdout, logs string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs, logBuf testkit.LogBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--endpoint", endpoint},
			Env{Stdout: &out, Stderr: &errs, Log: slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	}()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !strings.Contains(out.String(), "Home:"); time.Sleep(20 * time.Millisecond) {
	}
	if m := regexp.MustCompile(`running on http://(\S+)`).FindStringSubmatch(out.String()); m != nil {
		addr = m[1]
	}
	stopped := false
	stop = func() (string, string) {
		if !stopped {
			stopped = true
			cancel()
			if code := <-done; code != 0 {
				t.Fatalf("serve exited %d: %s", code, errs.String())
			}
		}
		return out.String(), logBuf.String() + errs.String()
	}
	t.Cleanup(func() { stop() })
	return addr, stop
}

// TestServeSetupURL: a first start prints a setup URL to stdout only; its
// token is nowhere in the log stream or the database files, works once,
// and once an administrator exists no URL is printed.
func TestServeSetupURL(t *testing.T) {
	dir := t.TempDir()
	out, logs := runServe(t, dir)
	m := regexp.MustCompile(`http://localhost:3001/console/setup\?token=(\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no setup URL printed:\n%s", out)
	}
	tok, err := url.QueryUnescape(m[1])
	if err != nil || len(tok) < 43 {
		t.Fatalf("token %q: %v", m[1], err)
	}
	if strings.Contains(logs, tok) || strings.Contains(logs, "setup?token") {
		t.Fatalf("setup token in the log stream:\n%s", logs)
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(tok)) {
				t.Errorf("setup token in clear in %s", p)
			}
		}
		return nil
	})

	st, err := sqlstore.Open(t.Context(), sqlstore.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	a := admin.Admins{Store: st, PasswordParams: password.Params{Memory: 8, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}}
	if _, err := a.Setup(t.Context(), tok, admin.NewAdmin{Username: "root", Password: "correct horse battery"}); err != nil {
		t.Fatalf("Setup with the printed token: %v", err)
	}
	_, err = a.Setup(t.Context(), tok, admin.NewAdmin{Username: "root2", Password: "correct horse battery"})
	if !errors.Is(err, admin.ErrSetupToken) {
		t.Fatalf("second use = %v, want admin.setup_token", err)
	}
	st.Close()

	out, _ = runServe(t, dir)
	if strings.Contains(out, "setup?token") {
		t.Fatalf("setup URL printed although an administrator exists:\n%s", out)
	}
}

// TestAdminsCLI: create, list, refuse disabling the last one, enable.
func TestAdminsCLI(t *testing.T) {
	dir := t.TempDir()
	runServe(t, dir) // seeds the roles
	run := func(stdin string, args ...string) (int, string, string) {
		var out, errs bytes.Buffer
		code := Main(t.Context(), append(args, "--data", dir), Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errs, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		return code, out.String(), errs.String()
	}
	if code, _, errs := run("correct horse battery\n", "admins", "create", "--username", "alice", "--password-stdin"); code != 0 {
		t.Fatalf("create alice: %d %s", code, errs)
	}
	if code, _, errs := run("correct horse battery\n", "admins", "create", "--email", "bob@example.com", "--password-stdin"); code != 0 {
		t.Fatalf("create bob: %d %s", code, errs)
	}
	if code, _, _ := run("short\n", "admins", "create", "--username", "carol", "--password-stdin"); code != 2 {
		t.Fatalf("weak password: exit %d, want 2", code)
	}
	if code, _, _ := run("", "admins", "create", "--username", "carol"); code != 2 {
		t.Fatalf("no --password-stdin: exit %d, want 2", code)
	}
	code, out, _ := run("", "admins", "list", "--json")
	if code != 0 || !strings.Contains(out, `"alice"`) || !strings.Contains(out, "bob@example.com") || strings.Contains(out, "carol") {
		t.Fatalf("list: %d %s", code, out)
	}
	if code, _, errs := run("", "admins", "disable", "alice"); code != 0 {
		t.Fatalf("disable alice: %d %s", code, errs)
	}
	code, _, errs := run("", "admins", "disable", "bob@example.com")
	if code != 2 || !strings.Contains(errs, "last enabled administrator") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Fatalf("disable last: %d %q, want exit 2 and one line", code, errs)
	}
	if code, _, errs := run("", "admins", "enable", "alice"); code != 0 {
		t.Fatalf("enable alice: %d %s", code, errs)
	}
	if code, _, errs := run("", "admins", "disable", "bob@example.com"); code != 0 {
		t.Fatalf("disable bob once alice is back: %d %s", code, errs)
	}
	if code, _, _ := run("", "admins", "disable", "nobody"); code != 2 {
		t.Fatalf("disable unknown user: exit %d, want 2", code)
	}
	code, out, errs = run("", "apps", "create", "--name", "ops", "--type", "m2m", "--management-api", "--json")
	if code != 0 || !strings.Contains(out, admin.M2MRoleName) || !strings.Contains(out, "secret") {
		t.Fatalf("apps create --management-api: %d %s %s", code, out, errs)
	}
	if code, _, _ := run("", "apps", "create", "--name", "web", "--type", "spa", "--management-api"); code != 2 {
		t.Fatalf("--management-api on a spa: exit %d, want 2", code)
	}
}
