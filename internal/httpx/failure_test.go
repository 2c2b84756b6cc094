package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// TestLogFailure: a client that went away is logged at DEBUG, any other
// failure at ERROR, with the error.
func TestLogFailure(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name  string
		ctx   context.Context
		err   error
		level string
	}{
		{"store failure", context.Background(), errors.New("disk full"), "level=ERROR"},
		{"client closed, error from the cancelled context", gone, fmt.Errorf("query: %w", context.Canceled), "level=DEBUG"},
		{"client closed, driver error", gone, errors.New("interrupted"), "level=DEBUG"},
		{"deadline", context.Background(), context.DeadlineExceeded, "level=ERROR"},
	} {
		buf.Reset()
		LogFailure(c.ctx, log, "request failed", c.err, "path", "/x")
		if out := buf.String(); !strings.Contains(out, c.level) || !strings.Contains(out, "err=") || !strings.Contains(out, "path=/x") {
			t.Errorf("%s: logged %q, want %s", c.name, out, c.level)
		}
	}
}
