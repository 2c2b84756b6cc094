package mail_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/i18n"
	sesmail "github.com/sesameauth/sesame/internal/mail"
	"github.com/sesameauth/sesame/internal/testkit"
	"github.com/sesameauth/sesame/web"
)

const endpoint = "https://id.example.com/sesame"

func codeMessage(to, lang string) sesmail.Message {
	return sesmail.Message{To: to, Lang: lang, Template: sesmail.SigninCode,
		Data: map[string]any{"Code": "482913", "Minutes": 10, "AppName": "Acme"}}
}

func newSender(t *testing.T, cfg sesmail.Config) sesmail.Sender {
	t.Helper()
	cfg.Endpoint, cfg.Web = endpoint, web.FS()
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := sesmail.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s == nil {
		t.Fatal("New returned no sender")
	}
	return s
}

// readDir returns the parsed messages in dir, failing on anything that
// is not a finished .eml file.
func readDir(t *testing.T, dir string) (files []string, raws [][]byte) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".eml") || strings.HasPrefix(e.Name(), ".") {
			t.Errorf("unexpected file %s in the mail dir", e.Name())
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files, raws = append(files, filepath.Join(dir, e.Name())), append(raws, b)
	}
	return files, raws
}

func subject(t *testing.T, raw []byte) string {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSMTPStartTLSWithAuth(t *testing.T) {
	srv := testkit.NewSMTPServer(t)
	s := newSender(t, sesmail.Config{SMTPURL: srv.URL(), From: "Acme <noreply@example.com>", TLS: srv.ClientTLS()})
	if err := s.Send(context.Background(), codeMessage("alice@example.com", "en")); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, "alice@example.com", 0)
	if !got.TLS {
		t.Error("the message was sent before STARTTLS")
	}
	if got.From != "noreply@example.com" {
		t.Errorf("envelope from %q", got.From)
	}
	if code := testkit.MailCode(t, got.Raw); code != "482913" {
		t.Errorf("code %q", code)
	}
	if s := subject(t, got.Raw); s != "Your Acme sign-in code" {
		t.Errorf("subject %q", s)
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	srv := testkit.NewSMTPServer(t, testkit.SMTPOptions{Implicit: true})
	if !strings.HasPrefix(srv.URL(), "smtps://") {
		t.Fatalf("URL %s", srv.URL())
	}
	s := newSender(t, sesmail.Config{SMTPURL: srv.URL(), From: "noreply@example.com", TLS: srv.ClientTLS()})
	if err := s.Send(context.Background(), codeMessage("bob@example.com", "en")); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, "bob@example.com", 0)
	if !got.TLS {
		t.Error("not encrypted")
	}
	if code := testkit.MailCode(t, got.Raw); code != "482913" {
		t.Errorf("code %q", code)
	}
}

// TestSMTPRefusesUntrustedCertificate: STARTTLS is verified, not just
// attempted; and a wrong password is an error, not a silent drop.
func TestSMTPFailures(t *testing.T) {
	srv := testkit.NewSMTPServer(t)
	s := newSender(t, sesmail.Config{SMTPURL: srv.URL(), From: "noreply@example.com"}) // system roots
	if err := s.Send(context.Background(), codeMessage("carol@example.com", "en")); err == nil {
		t.Error("sent to a server with an untrusted certificate")
	}
	bad := strings.Replace(srv.URL(), "sesame:", "intruder:", 1)
	s = newSender(t, sesmail.Config{SMTPURL: bad, From: "noreply@example.com", TLS: srv.ClientTLS()})
	if err := s.Send(context.Background(), codeMessage("carol@example.com", "en")); err == nil {
		t.Error("sent with wrong credentials")
	}
	if n := len(srv.Mails()); n != 0 {
		t.Errorf("%d mails accepted", n)
	}
}

// TestSMTPTLSRequired: smtp:// without an option refuses a server that
// offers no STARTTLS; starttls=none and =opportunistic (loopback only)
// deliver to a development mail catcher.
func TestSMTPTLSRequired(t *testing.T) {
	srv := testkit.NewSMTPServer(t, testkit.SMTPOptions{Plain: true})
	s := newSender(t, sesmail.Config{SMTPURL: srv.URL(), From: "noreply@example.com"})
	if err := s.Send(context.Background(), codeMessage("olga@example.com", "en")); err == nil {
		t.Error("sent in plain text without starttls=none")
	}
	if n := len(srv.Mails()); n != 0 {
		t.Fatalf("%d mails accepted", n)
	}
	for i, mode := range []string{"none", "opportunistic"} {
		s = newSender(t, sesmail.Config{SMTPURL: srv.URL() + "?starttls=" + mode, From: "noreply@example.com"})
		if err := s.Send(context.Background(), codeMessage("olga@example.com", "en")); err != nil {
			t.Fatalf("starttls=%s: %v", mode, err)
		}
		if got := srv.WaitFor(t, "olga@example.com", i); got.TLS {
			t.Errorf("starttls=%s: TLS on a plain server?", mode)
		}
	}
}

// TestSendTimesOutOnSilentServer (FT-12, docs/security.md): a server that
// accepts the connection and never says a word holds Send no longer than
// its timeout.
func TestSendTimesOutOnSilentServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, silent, until the test ends
		}
	}()
	s := newSender(t, sesmail.Config{SMTPURL: "smtp://u:p@" + l.Addr().String(), From: "noreply@example.com", Timeout: 300 * time.Millisecond})
	before := runtime.NumGoroutine()
	done := make(chan error, 1)
	go func() { done <- s.Send(context.Background(), codeMessage("dave@example.com", "en")) }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Send reported success against a silent server")
		}
	case <-time.After(20 * time.Second): // far beyond the 300ms timeout: Send hangs
		t.Fatal("Send did not return")
	}
	// The delivery goroutine ends too (the SMTP client's deadline): no
	// leak per stalled mail.
	for deadline := time.Now().Add(10 * time.Second); runtime.NumGoroutine() > before; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, %d before Send", runtime.NumGoroutine(), before)
		}
	}
}

func TestSendUnreachableServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	s := newSender(t, sesmail.Config{SMTPURL: "smtp://u:p@" + addr, From: "noreply@example.com", Timeout: 2 * time.Second})
	if err := s.Send(context.Background(), codeMessage("erin@example.com", "en")); err == nil {
		t.Fatal("Send reported success with no server")
	}
}

// TestMailDirWritesRFC5322 checks the --mail-dir files: one per message,
// 0600, parseable by net/mail, multipart/alternative with a text and an
// HTML part carrying the same code.
func TestMailDirWritesRFC5322(t *testing.T) {
	dir := t.TempDir()
	s := newSender(t, sesmail.Config{Dir: dir})
	for _, to := range []string{"frank@example.com", "grace@example.com"} {
		if err := s.Send(context.Background(), codeMessage(to, "en")); err != nil {
			t.Fatal(err)
		}
	}
	files, raws := readDir(t, dir)
	if len(files) != 2 {
		t.Fatalf("%d files, want 2", len(files))
	}
	for i, raw := range raws {
		st, err := os.Stat(files[i])
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, want 0600", st.Mode().Perm())
		}
		m, err := mail.ReadMessage(strings.NewReader(string(raw)))
		if err != nil {
			t.Fatalf("not RFC 5322: %v", err)
		}
		mt, _, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
		if err != nil || mt != "multipart/alternative" {
			t.Errorf("Content-Type %q", m.Header.Get("Content-Type"))
		}
		for _, h := range []string{"From", "To", "Subject", "Date", "Message-Id"} {
			if m.Header.Get(h) == "" {
				t.Errorf("no %s header", h)
			}
		}
		if _, err := m.Header.AddressList("To"); err != nil {
			t.Errorf("To: %v", err)
		}
		if id := m.Header.Get("Message-Id"); !strings.HasSuffix(id, "@localhost>") {
			t.Errorf("Message-Id %q: want one at the sender's domain", id)
		}
		if m.Header.Get("Auto-Submitted") != "auto-generated" {
			t.Error("no Auto-Submitted: auto-generated")
		}
		text, html, err := testkit.MailParts(raw)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, "482913") || !strings.Contains(html, "<strong>482913</strong>") {
			t.Errorf("code missing from a part:\n%s\n%s", text, html)
		}
		if strings.Contains(text, "<") {
			t.Errorf("the text part holds markup:\n%s", text)
		}
	}
}

// TestHeaderInjectionRefused (IR-09, docs/security.md): a recipient with
// CR/LF, a display name or a list is refused before anything is written;
// a subject cannot be split into two headers either.
func TestHeaderInjectionRefused(t *testing.T) {
	dir := t.TempDir()
	s := newSender(t, sesmail.Config{Dir: dir})
	for _, to := range []string{"a@b.c\r\nBcc: x@y.z", "a@b.c\nBcc: x@y.z", "Alice <a@b.c>", "a@b.c, x@y.z", "", "not an address"} {
		err := s.Send(context.Background(), codeMessage(to, "en"))
		if !errors.Is(err, sesmail.ErrInvalidAddress) {
			t.Errorf("To %q: err %v, want ErrInvalidAddress", to, err)
		}
	}
	if files, _ := readDir(t, dir); len(files) != 0 {
		t.Fatalf("%d files written for refused recipients", len(files))
	}
	m := codeMessage("h@example.com", "en")
	m.Data["AppName"] = "Acme\r\nBcc: x@y.z"
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	_, raws := readDir(t, dir)
	msg, err := mail.ReadMessage(strings.NewReader(string(raws[0])))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Bcc") != "" {
		t.Error("a Bcc header was injected through the subject")
	}
}

// TestLanguages: the subject and body follow Message.Lang; an unknown
// language falls back to English.
func TestLanguages(t *testing.T) {
	subjects := map[string]string{}
	for _, lang := range []string{"en", "de", "zh-Hans", "fr"} {
		dir := t.TempDir()
		s := newSender(t, sesmail.Config{Dir: dir})
		if err := s.Send(context.Background(), codeMessage("i@example.com", lang)); err != nil {
			t.Fatal(err)
		}
		_, raws := readDir(t, dir)
		subjects[lang] = subject(t, raws[0])
		if !strings.Contains(subjects[lang], "Acme") {
			t.Errorf("%s subject %q lacks the app name", lang, subjects[lang])
		}
	}
	if subjects["de"] == subjects["en"] || subjects["zh-Hans"] == subjects["en"] || subjects["de"] == subjects["zh-Hans"] {
		t.Errorf("subjects do not differ by language: %q", subjects)
	}
	if subjects["fr"] != subjects["en"] {
		t.Errorf("fr: %q, want English %q", subjects["fr"], subjects["en"])
	}
	if !strings.Contains(subjects["de"], "Anmeldecode") || !strings.Contains(subjects["zh-Hans"], "登录验证码") {
		t.Errorf("subjects: %q", subjects)
	}
}

// TestLinksFromEndpointOnly (UI-11, docs/security.md): the only link in a
// mail is the configured endpoint, whatever URL a caller slips into Data.
func TestLinksFromEndpointOnly(t *testing.T) {
	for _, name := range sesmail.Templates {
		dir := t.TempDir()
		s := newSender(t, sesmail.Config{Dir: dir})
		m := codeMessage("j@example.com", "en")
		m.Template = name
		m.Data["Endpoint"] = "https://evil.example"
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		_, raws := readDir(t, dir)
		text, html, err := testkit.MailParts(raws[0])
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(text+html, "evil") {
			t.Errorf("%s: a caller's URL reached the mail", name)
		}
		if !strings.Contains(text, endpoint) || !strings.Contains(html, `href="`+endpoint+`"`) {
			t.Errorf("%s: the endpoint link is missing:\n%s\n%s", name, text, html)
		}
	}
}

// TestHTMLEscaped: data reaches the HTML part through html/template.
func TestHTMLEscaped(t *testing.T) {
	dir := t.TempDir()
	s := newSender(t, sesmail.Config{Dir: dir})
	m := codeMessage("k@example.com", "en")
	m.Data["AppName"] = `<script>x</script>`
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	_, raws := readDir(t, dir)
	_, html, _ := testkit.MailParts(raws[0])
	if strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;") {
		t.Errorf("AppName not escaped:\n%s", html)
	}
}

// TestLogsNoSecrets: the log names the template and a masked address,
// never the code or the full address.
func TestLogsNoSecrets(t *testing.T) {
	var buf testkit.LogBuffer
	s := newSender(t, sesmail.Config{Dir: t.TempDir(), Log: slog.New(slog.NewTextHandler(&buf, nil))})
	if err := s.Send(context.Background(), codeMessage("lena@example.com", "en")); err != nil {
		t.Fatal(err)
	}
	log := buf.String()
	if strings.Contains(log, "482913") || strings.Contains(log, "lena@") {
		t.Errorf("log leaks the code or the address:\n%s", log)
	}
	if !strings.Contains(log, "signin_code") || !strings.Contains(log, "l***@example.com") {
		t.Errorf("log lacks the template or the masked address:\n%s", log)
	}
}

func TestUnknownTemplate(t *testing.T) {
	s := newSender(t, sesmail.Config{Dir: t.TempDir()})
	m := codeMessage("m@example.com", "en")
	m.Template = "nope"
	if err := s.Send(context.Background(), m); err == nil {
		t.Fatal("sent an unknown template")
	}
}

func TestNewWithoutTransport(t *testing.T) {
	s, err := sesmail.New(sesmail.Config{Endpoint: endpoint, Web: web.FS()})
	if err != nil || s != nil {
		t.Fatalf("New() = %v, %v; want nil, nil", s, err)
	}
}

// TestSubjectsInEveryLanguage: the subject keys are built in Go code, so
// the catalogue tests cannot see them; this one does.
func TestSubjectsInEveryLanguage(t *testing.T) {
	b, err := i18n.Load(web.FS(), "i18n")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range i18n.Languages {
		for _, name := range sesmail.Templates {
			if key := "mail." + name + ".subject"; !b.Has(lang, key) {
				t.Errorf("%s lacks %s", lang, key)
			}
		}
	}
}
