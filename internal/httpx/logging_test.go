package httpx

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

// serveLogged runs h behind RequestContext with a text logger and returns
// the response and the log.
func serveLogged(h http.HandlerFunc, remote, xff string) (*httptest.ResponseRecorder, string) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ip := ClientIP{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	r := httptest.NewRequest(http.MethodGet, "/x", nil)
	r.RemoteAddr = remote
	if xff != "" {
		r.Header.Set("X-Forwarded-For", xff)
	}
	w := httptest.NewRecorder()
	Chain(h, RequestContext(log, ip), Log(log)).ServeHTTP(w, r)
	return w, logs.String()
}

// TestContextLogger: every record logged with a request's context, by the
// request's logger or by another one wrapped with ContextLogger, carries
// the request id and the client address (through a trusted proxy, the
// forwarded one); records without one are untouched.
func TestContextLogger(t *testing.T) {
	var other bytes.Buffer
	otherLog := ContextLogger(ContextLogger(slog.New(slog.NewTextHandler(&other, nil)))).With("k", "v")
	w, logs := serveLogged(func(w http.ResponseWriter, r *http.Request) {
		Logger(r.Context()).WarnContext(r.Context(), "from context")
		otherLog.ErrorContext(r.Context(), "from handler")
		otherLog.Error("no context")
	}, "10.0.0.1:5000", "2001:db8::7")
	id := w.Header().Get("X-Request-Id")
	if id == "" {
		t.Fatal("no X-Request-Id")
	}
	want := "request_id=" + id + " client_ip=2001:db8::7"
	for _, msg := range []string{`msg="from context"`, "msg=http"} {
		if !strings.Contains(logs, msg) || !strings.Contains(lineOf(logs, msg), want) {
			t.Errorf("%s: want %q in\n%s", msg, want, logs)
		}
	}
	if got := lineOf(other.String(), `msg="from handler"`); !strings.Contains(got, "k=v "+want) || strings.Count(got, "request_id=") != 1 {
		t.Errorf("wrapped logger: %q", got)
	}
	if got := lineOf(other.String(), `msg="no context"`); strings.Contains(got, "request_id") {
		t.Errorf("record without a request context: %q", got)
	}
}

func lineOf(logs, substr string) string {
	for l := range strings.Lines(logs) {
		if strings.Contains(l, substr) {
			return l
		}
	}
	return ""
}

// TestWriteJSON: a value is sent whole; one that cannot be encoded gets a
// plain 500, no partial body, and a log line with the request id.
func TestWriteJSON(t *testing.T) {
	w, logs := serveLogged(func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, r, http.StatusCreated, map[string]string{"a": "<b>"})
	}, "192.0.2.1:1", "")
	if w.Code != http.StatusCreated || w.Body.String() != "{\"a\":\"\\u003cb\\u003e\"}\n" ||
		w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("got %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Body.String())
	}
	if strings.Contains(logs, "level=ERROR") {
		t.Errorf("logged: %s", logs)
	}
	w, logs = serveLogged(func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, r, http.StatusOK, map[string]any{"ok": "yes", "bad": math.Inf(1)})
	}, "192.0.2.1:1", "")
	if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "ok") {
		t.Errorf("unencodable value: %d %q", w.Code, w.Body.String())
	}
	id := w.Header().Get("X-Request-Id")
	if l := lineOf(logs, "level=ERROR"); !strings.Contains(l, "request_id="+id) || !strings.Contains(l, "client_ip=192.0.2.1") {
		t.Errorf("no error line with the request id %s:\n%s", id, logs)
	}
}

// TestClientGoneStatus: a request that failed because its client went away
// is logged and counted as 499, not as the 500 its handler wrote; a real
// server error stays a 500.
func TestClientGoneStatus(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	m := NewMetrics()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /x", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("gone") {
			r.Context().Value(cancelKey{}).(context.CancelFunc)() // the client closes its connection
		}
		http.Error(w, "internal error", http.StatusInternalServerError)
	})
	h := Chain(mux, RequestContext(log, ClientIP{}), Log(log), m.Middleware)
	for _, q := range []string{"?gone", ""} {
		ctx, cancel := context.WithCancel(context.Background())
		ctx = context.WithValue(ctx, cancelKey{}, cancel)
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(ctx, http.MethodGet, "/x"+q, nil))
		cancel()
	}
	if n := strings.Count(logs.String(), "status=499"); n != 1 || strings.Count(logs.String(), "status=500") != 1 {
		t.Errorf("access log:\n%s", logs.String())
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{`sesame_http_requests_total{code="499",route="GET /x"} 1`, `sesame_http_requests_total{code="500",route="GET /x"} 1`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

type cancelKey struct{}
