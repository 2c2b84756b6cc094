package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
)

// RequestContext is the outermost middleware: it gives the request its id
// (sent as X-Request-Id), and puts the id, the client's address (decided
// by ip, which knows the trusted proxies) and log into the context, so
// every record logged with the request's context carries request_id and
// client_ip (see [ContextLogger]).
func RequestContext(log *slog.Logger, ip ClientIP) func(http.Handler) http.Handler {
	log = ContextLogger(log)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			info := &requestInfo{id: randomToken(12), ip: ip.Addr(r), log: log}
			info.idHdr[0] = info.id
			w.Header()["X-Request-Id"] = info.idHdr[:]
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestInfoKey, info)))
		})
	}
}

// ClientAddr returns the request's client address, as logged.
func ClientAddr(ctx context.Context) string {
	if info := requestInfoOf(ctx); info != nil {
		return info.ip
	}
	return ""
}

// Logger returns the request's logger ([slog.Default] outside a request),
// for code that logs about a request but holds no logger of its own.
func Logger(ctx context.Context) *slog.Logger {
	if info := requestInfoOf(ctx); info != nil {
		return info.log
	}
	return ContextLogger(slog.Default())
}

// ContextLogger returns log with its handler wrapped so that every record
// logged with a request's context (the *Context methods) carries the
// request's request_id and client_ip. Wrapping twice is a no-op.
func ContextLogger(log *slog.Logger) *slog.Logger {
	if _, ok := log.Handler().(contextHandler); ok {
		return log
	}
	return slog.New(contextHandler{log.Handler()})
}

// contextHandler adds the request attributes found in a record's context.
type contextHandler struct{ next slog.Handler }

func (h contextHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h contextHandler) Handle(ctx context.Context, rec slog.Record) error {
	// No Clone: this handler wraps the logger itself, so rec comes straight
	// from slog.Logger, which never uses it again; cloning copied every
	// attribute of every access-log line.
	if ctx != nil {
		switch id, ip := RequestID(ctx), ClientAddr(ctx); {
		case id != "" && ip != "":
			rec.AddAttrs(slog.String("request_id", id), slog.String("client_ip", ip))
		case id != "":
			rec.AddAttrs(slog.String("request_id", id))
		case ip != "":
			rec.AddAttrs(slog.String("client_ip", ip))
		}
	}
	return h.next.Handle(ctx, rec)
}

func (h contextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return contextHandler{h.next.WithAttrs(as)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.next.WithGroup(name)}
}

// WriteJSON sends v as a JSON response with status. It encodes into a
// buffer first, so an encoding failure is logged and answered with a plain
// 500 rather than a truncated body.
func WriteJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		LogFailure(r.Context(), Logger(r.Context()), "encode JSON response", err, "path", r.URL.Path)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
}
