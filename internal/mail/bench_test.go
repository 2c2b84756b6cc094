package mail_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	gomail "github.com/wneessen/go-mail"

	sesmail "github.com/sesameauth/sesame/internal/mail"
	"github.com/sesameauth/sesame/internal/testkit"
	"github.com/sesameauth/sesame/web"
)

// discard serialises the message and drops it: the cost of a Send
// without delivery.
type discard struct{}

func (discard) Deliver(_ context.Context, m *gomail.Msg) error {
	_, err := m.WriteTo(io.Discard)
	return err
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// BenchmarkRender: templates, catalogue texts and the MIME message.
func BenchmarkRender(b *testing.B) {
	s, err := sesmail.NewWith(sesmail.Config{Endpoint: endpoint, Web: web.FS(), From: "noreply@example.com", Log: quiet}, discard{})
	if err != nil {
		b.Fatal(err)
	}
	m := codeMessage("bench@example.com", "de")
	for b.Loop() {
		if err := s.Send(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSendDir: a --mail-dir file (render, write, fsync, rename).
func BenchmarkSendDir(b *testing.B) {
	s, err := sesmail.New(sesmail.Config{Endpoint: endpoint, Web: web.FS(), Dir: b.TempDir(), Log: quiet})
	if err != nil {
		b.Fatal(err)
	}
	m := codeMessage("bench@example.com", "en")
	for b.Loop() {
		if err := s.Send(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSendSMTP: one mail over a new loopback connection with
// STARTTLS and AUTH PLAIN, to the in-process server.
func BenchmarkSendSMTP(b *testing.B) {
	srv := testkit.NewSMTPServer(b)
	s, err := sesmail.New(sesmail.Config{Endpoint: endpoint, Web: web.FS(), SMTPURL: srv.URL(), From: "noreply@example.com", TLS: srv.ClientTLS(), Log: quiet})
	if err != nil {
		b.Fatal(err)
	}
	m := codeMessage("bench@example.com", "en")
	for b.Loop() {
		if err := s.Send(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
}
