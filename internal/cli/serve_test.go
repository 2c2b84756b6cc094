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
