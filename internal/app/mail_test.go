package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/mail"
	"github.com/sesameauth/sesame/internal/testkit"
)

// withMailDir makes the env's server write its mails into dir.
func withMailDir(dir string) envOption {
	return func(c *config.Config, _ *app.Options) { c.MailDir = dir }
}

// withSMTP makes the env's server send its mails to srv.
func withSMTP(srv *testkit.SMTPServer) envOption {
	return func(c *config.Config, o *app.Options) {
		c.SMTPURL, c.MailFrom, o.MailTLS = srv.URL(), "Sesame <noreply@example.com>", srv.ClientTLS()
	}
}

func TestMailWiring(t *testing.T) {
	if newEnv(t).Server.Mail() != nil {
		t.Error("a sender without SESAME_SMTP_URL or --mail-dir")
	}
	dir := t.TempDir()
	e := newEnv(t, withMailDir(dir))
	msg := mail.Message{To: "ann@example.com", Lang: "de", Template: mail.RegisterCode, Data: map[string]any{"Code": "123456", "Minutes": 10}}
	if err := e.Server.Mail().Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("%d mail files", len(files))
	}
	raw, _ := os.ReadFile(files[0])
	text, _, err := testkit.MailParts(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, e.URL) || !strings.Contains(text, "Sesame-Kontos") {
		t.Errorf("text part lacks the endpoint or German:\n%s", text)
	}

	srv := testkit.NewSMTPServer(t)
	e = newEnv(t, withSMTP(srv))
	if err := e.Server.Mail().Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	if code := srv.WaitForCode(t, "ann@example.com", 0); code != "123456" {
		t.Errorf("code %q", code)
	}
}
