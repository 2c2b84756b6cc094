package cli

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/testkit"
)

// TestServeLifecycle starts the server as `sesame serve` does, checks that it
// prints its URLs and answers, and that cancelling (what SIGINT/SIGTERM do)
// shuts it down cleanly with exit status 0.
func TestServeLifecycle(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errs testkit.LogBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--endpoint", "http://localhost:3001/"},
			Env{Stdout: &out, Stderr: &errs, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}()
	re := regexp.MustCompile(`running on (http://127\.0\.0\.1:\d+)`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
	}
	if base == "" {
		t.Fatalf("server did not start: %s %s", out.String(), errs.String())
	}
	for _, want := range []string{"Issuer:     http://localhost:3001/oidc", "Discovery:  http://localhost:3001/oidc/.well-known/openid-configuration"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("startup output lacks %q:\n%s", want, out.String())
		}
	}
	for _, p := range []string{"/healthz", "/readyz", "/oidc/jwks"} {
		resp, err := http.Get(base + p)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", p, resp, err)
		}
		resp.Body.Close()
		if hsts := resp.Header.Get("Strict-Transport-Security"); hsts != "" { // no TLS, an http endpoint
			t.Errorf("%s: Strict-Transport-Security %q without TLS", p, hsts)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d after shutdown: %s", code, errs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}

// TestServePprof: --pprof serves Go's profiler on the metrics listener and
// never on the public port, without the command line (it may hold the
// secret); without the flag the metrics listener has no
// profiler either, and --pprof without --metrics-addr is a usage error.
func TestServePprof(t *testing.T) {
	var errs testkit.LogBuffer
	code := Main(context.Background(), []string{"serve", "--pprof", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, Env{Stdout: io.Discard, Stderr: &errs})
	if code != ExitUsage || !strings.Contains(errs.String(), "--pprof requires --metrics-addr") {
		t.Fatalf("--pprof without --metrics-addr: exit %d, %q", code, errs.String())
	}
	for _, on := range []bool{true, false} {
		args := []string{"--metrics-addr", "127.0.0.1:0"}
		if on {
			args = append(args, "--pprof")
		}
		base, metrics := servePprof(t, args...)
		for _, u := range []string{base + "/debug/pprof/", base + "/debug/pprof/cmdline", base + "/oidc/debug/pprof/"} {
			if code := getStatus(t, u); code != http.StatusNotFound {
				t.Errorf("pprof=%v: public %s answered %d, want 404", on, u, code)
			}
		}
		want := http.StatusNotFound
		if on {
			want = http.StatusOK
		}
		for _, p := range []string{"/debug/pprof/", "/debug/pprof/heap?debug=1", "/debug/pprof/goroutine?debug=1"} {
			if code := getStatus(t, metrics+p); code != want {
				t.Errorf("pprof=%v: metrics listener %s answered %d, want %d", on, p, code, want)
			}
		}
		// The command line may carry --secret: never served.
		if code := getStatus(t, metrics+"/debug/pprof/cmdline"); code != http.StatusNotFound {
			t.Errorf("pprof=%v: /debug/pprof/cmdline answered %d, want 404", on, code)
		}
		if code := getStatus(t, metrics+"/metrics"); code != http.StatusOK {
			t.Errorf("pprof=%v: /metrics answered %d", on, code)
		}
	}
}

// servePprof runs `sesame serve` with args on a fresh data directory until
// the test ends and returns its public and metrics base URLs.
func servePprof(t *testing.T, args ...string) (base, metrics string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, logs testkit.LogBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, args...),
			Env{Stdout: &out, Stderr: io.Discard, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve did not shut down")
		}
	})
	re := regexp.MustCompile(`running on (http://127\.0\.0\.1:\d+)`)
	mre := regexp.MustCompile(`msg=metrics listen=(127\.0\.0\.1:\d+)`)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		m, mm := re.FindStringSubmatch(out.String()), mre.FindStringSubmatch(logs.String())
		if m != nil && mm != nil {
			return m[1], "http://" + mm[1]
		}
	}
	t.Fatalf("server did not start: %s %s", out.String(), logs.String())
	return "", ""
}

func getStatus(t *testing.T, u string) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
