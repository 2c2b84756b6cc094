package testkit

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPServer is a real SMTP server in the test's process (emersion/go-smtp)
// that keeps every message it accepts. It offers STARTTLS (or, with
// SMTPOptions.Implicit, TLS from the first byte) with a self-signed
// certificate made for the test, and requires AUTH PLAIN, which it offers
// only over TLS (unless SMTPOptions.Plain).
type SMTPServer struct {
	Host, Username, Password string
	Port                     int
	implicit                 bool
	roots                    *x509.CertPool

	mu     sync.Mutex
	mails  []SMTPMail
	notify chan struct{} // closed and replaced on every new mail
}

// SMTPMail is one accepted message.
type SMTPMail struct {
	From string
	To   []string
	Raw  []byte
	TLS  bool // the session was encrypted
}

// SMTPOptions tune NewSMTPServer.
type SMTPOptions struct {
	Implicit bool // smtps: TLS from the first byte instead of STARTTLS
	// Plain offers no TLS at all (and AUTH in the clear), like a
	// development mail catcher: for tests that TLS is required.
	Plain bool
}

// NewSMTPServer starts an SMTP server on 127.0.0.1 for the test's life.
func NewSMTPServer(t testing.TB, opts ...SMTPOptions) *SMTPServer {
	t.Helper()
	var o SMTPOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	cert, roots := SelfSignedCert(t, "127.0.0.1", "localhost")
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	s := &SMTPServer{Host: "127.0.0.1", Username: "sesame", Password: "p@ss word", implicit: o.Implicit, roots: roots, notify: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s, c: c}, nil }))
	srv.Domain = "localhost"
	srv.TLSConfig = tc
	if o.Plain {
		srv.TLSConfig, srv.AllowInsecureAuth = nil, true
	}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 1 << 20
	var l net.Listener
	var err error
	if o.Implicit && !o.Plain {
		l, err = tls.Listen("tcp", "127.0.0.1:0", tc)
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

// URL is the SESAME_SMTP_URL of the server (smtp:// or smtps://, with the
// credentials).
func (s *SMTPServer) URL() string {
	scheme := "smtp"
	if s.implicit {
		scheme = "smtps"
	}
	u := url.URL{Scheme: scheme, User: url.UserPassword(s.Username, s.Password), Host: net.JoinHostPort(s.Host, fmt.Sprint(s.Port))}
	return u.String()
}

// ClientTLS is a TLS configuration that trusts the server's certificate.
func (s *SMTPServer) ClientTLS() *tls.Config {
	return &tls.Config{RootCAs: s.roots, MinVersion: tls.VersionTLS12}
}

// Mails returns the messages accepted so far.
func (s *SMTPServer) Mails() []SMTPMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SMTPMail(nil), s.mails...)
}

// WaitFor returns the first message to addr that was accepted after the
// n-th message to addr, i.e. WaitFor(t, addr, 0) is the first one. It
// fails the test after 15 s.
func (s *SMTPServer) WaitFor(t testing.TB, addr string, n int) SMTPMail {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		s.mu.Lock()
		seen, ch := 0, s.notify
		for _, m := range s.mails {
			for _, to := range m.To {
				if strings.EqualFold(to, addr) {
					if seen == n {
						s.mu.Unlock()
						return m
					}
					seen++
					break
				}
			}
		}
		s.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no mail #%d to %s within 15s", n+1, addr)
		}
	}
}

// WaitForCode waits for the n-th message to addr (see WaitFor) and
// returns the 6-digit code of its plain-text part.
func (s *SMTPServer) WaitForCode(t testing.TB, addr string, n int) string {
	t.Helper()
	return MailCode(t, s.WaitFor(t, addr, n).Raw)
}

// codeRE finds a 6-digit code standing alone.
var codeRE = regexp.MustCompile(`(?:^|\D)(\d{6})(?:\D|$)`)

// MailCode returns the 6-digit code in the text/plain part of the RFC 5322
// message raw (an SMTP capture or a --mail-dir file).
func MailCode(t testing.TB, raw []byte) string {
	t.Helper()
	text, _, err := MailParts(raw)
	if err != nil {
		t.Fatal(err)
	}
	m := codeRE.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no 6-digit code in the mail's text part")
	}
	return m[1]
}

// MailParts parses raw and returns the decoded text/plain and text/html
// parts of a multipart/alternative message (or of a single-part one).
func MailParts(raw []byte) (text, html string, err error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "", "", err
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return "", "", err
	}
	if !strings.HasPrefix(mt, "multipart/") {
		b, err := decodePart(msg.Body, msg.Header.Get("Content-Transfer-Encoding"))
		if mt == "text/html" {
			return "", b, err
		}
		return b, "", err
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return text, html, nil
		}
		if err != nil {
			return "", "", err
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		// multipart.Reader decodes quoted-printable itself.
		b, err := decodePart(p, p.Header.Get("Content-Transfer-Encoding"))
		if err != nil {
			return "", "", err
		}
		switch pt {
		case "text/plain":
			text = b
		case "text/html":
			html = b
		}
	}
}

func decodePart(r io.Reader, cte string) (string, error) {
	if strings.EqualFold(strings.TrimSpace(cte), "base64") {
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, err := io.ReadAll(r)
	return string(b), err
}

// SelfSignedCert makes a certificate for hosts (names or IPs) valid for an
// hour, and a pool that trusts it.
func SelfSignedCert(t testing.TB, hosts ...string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// smtpSession is one client connection. Mail is refused until AUTH PLAIN
// succeeded, which go-smtp offers only once TLS is on (AllowInsecureAuth
// is false).
type smtpSession struct {
	s    *SMTPServer
	c    *smtp.Conn
	auth bool
	from string
	to   []string
}

func (ss *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.s.Username || password != ss.s.Password {
			return smtp.ErrAuthFailed
		}
		ss.auth = true
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if !ss.auth {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !ss.auth {
		return smtp.ErrAuthRequired
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	if !ss.auth {
		return smtp.ErrAuthRequired
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := ss.c.TLSConnectionState()
	ss.s.mu.Lock()
	ss.s.mails = append(ss.s.mails, SMTPMail{From: ss.from, To: ss.to, Raw: b, TLS: isTLS})
	close(ss.s.notify)
	ss.s.notify = make(chan struct{})
	ss.s.mu.Unlock()
	return nil
}

func (ss *smtpSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *smtpSession) Logout() error { return nil }
