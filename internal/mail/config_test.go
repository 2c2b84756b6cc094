package mail

import (
	"strings"
	"testing"
)

func TestParseSMTPURL(t *testing.T) {
	good := []struct {
		url  string
		want SMTPServer
	}{
		{"smtp://u:p%40ss@mail.example.com", SMTPServer{Host: "mail.example.com", Port: 587, TLS: TLSStartTLS, Username: "u", Password: "p@ss"}},
		{"smtp://mail.example.com:2525?starttls=required", SMTPServer{Host: "mail.example.com", Port: 2525, TLS: TLSStartTLS}},
		{"smtps://u:p@mail.example.com", SMTPServer{Host: "mail.example.com", Port: 465, TLS: TLSImplicit, Username: "u", Password: "p"}},
		{"smtp://localhost:1025?starttls=none", SMTPServer{Host: "localhost", Port: 1025, TLS: TLSNone}},
		{"smtp://127.0.0.1:1025?starttls=opportunistic", SMTPServer{Host: "127.0.0.1", Port: 1025, TLS: TLSOpportunistic}},
		{"smtp://[::1]:1025?starttls=none", SMTPServer{Host: "::1", Port: 1025, TLS: TLSNone}},
	}
	for _, c := range good {
		got, err := ParseSMTPURL(c.url)
		if err != nil || got != c.want {
			t.Errorf("%s: %+v, %v; want %+v", c.url, got, err, c.want)
		}
	}
	for _, bad := range []string{
		"http://mail.example.com", "smtp://", "smtp://:25", "smtp://mail.example.com:0", "smtp://mail.example.com:x",
		"smtp://mail.example.com/path", "smtp://mail.example.com?starttls=none", // plain text off localhost
		"smtp://mail.example.com?starttls=opportunistic", "smtps://localhost?starttls=none",
		"smtp://localhost?starttls=maybe", "smtp://localhost?tls=off", "::",
	} {
		if _, err := ParseSMTPURL(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

// TestValidateNeverShowsThePassword: start-up errors are one line and
// never repeat the URL's password.
func TestValidate(t *testing.T) {
	for _, c := range []Config{
		{SMTPURL: "ftp://u:hunter2secret@mail.example.com", From: "a@b.c"},
		{SMTPURL: "smtp://u:hunter2secret@mail.example.com"},                          // no From
		{SMTPURL: "smtp://u:hunter2secret@mail.example.com", From: "a@b.c", Dir: "."}, // both
		{SMTPURL: "smtp://u:hunter2secret@mail.example.com", From: "not an address"},
		{Dir: "/nonexistent/mail"},
		{Dir: ".", From: "Acme <a@b.c>\r\nBcc: x@y.z"},
	} {
		err := c.Validate()
		if err == nil {
			t.Errorf("%+v: valid", c)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "\n") {
			t.Errorf("error %q", err)
		}
	}
	if err := (Config{SMTPURL: "smtp://u:p@mail.example.com", From: "Acme <noreply@example.com>"}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestMask(t *testing.T) {
	if m := Mask("alice@example.com"); !strings.HasPrefix(m, "a***@example.com#") || strings.Contains(m, "alice") {
		t.Errorf("Mask = %q", m)
	}
	if Mask("alice@example.com") == Mask("anna@example.com") {
		t.Error("two addresses mask alike")
	}
	if m := Mask("x\r\ny"); strings.ContainsAny(m, "\r\n") {
		t.Errorf("Mask = %q", m)
	}
}
