package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLS modes of an SMTP server.
const (
	TLSStartTLS      = "starttls"      // smtp://: STARTTLS required (the default)
	TLSImplicit      = "implicit"      // smtps://: TLS from the first byte
	TLSOpportunistic = "opportunistic" // smtp://…?starttls=opportunistic: STARTTLS when offered
	TLSNone          = "none"          // smtp://…?starttls=none: plain text
)

// SMTPServer is a parsed SESAME_SMTP_URL.
type SMTPServer struct {
	Host     string
	Port     int
	TLS      string // one of the TLS* modes
	Username string // empty: no AUTH
	Password string
}

// ParseSMTPURL parses SESAME_SMTP_URL:
//
//	smtp://user:pass@host:port    STARTTLS required (port default 587)
//	smtps://user:pass@host:port   implicit TLS (port default 465)
//
// The query option starttls=opportunistic (STARTTLS when offered) or
// starttls=none (plain text) is for development against a mail catcher on
// the same machine, and is refused for any host but localhost or a
// loopback address. User and password are percent-encoded; AUTH (PLAIN) is
// used when a user is given. Errors never repeat the URL: it holds the
// password.
func ParseSMTPURL(raw string) (SMTPServer, error) {
	bad := func(why string) (SMTPServer, error) {
		return SMTPServer{}, errors.New("SESAME_SMTP_URL: " + why)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("not a URL (smtp://user:pass@host:port or smtps://…)")
	}
	s := SMTPServer{Host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		s.TLS, s.Port = TLSStartTLS, 587
	case "smtps":
		s.TLS, s.Port = TLSImplicit, 465
	default:
		return bad("the scheme must be smtp:// (STARTTLS) or smtps:// (implicit TLS)")
	}
	if s.Host == "" {
		return bad("no host")
	}
	if u.Path != "" && u.Path != "/" || u.Fragment != "" {
		return bad("no path or fragment allowed")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return bad("the port must be 1 to 65535")
		}
		s.Port = n
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	q := u.Query()
	for k := range q {
		if k != "starttls" {
			return bad(fmt.Sprintf("unknown option %q (only starttls)", k))
		}
	}
	switch mode := q.Get("starttls"); mode {
	case "", "required":
	case TLSOpportunistic, TLSNone:
		if s.TLS == TLSImplicit {
			return bad("starttls= does not apply to smtps://")
		}
		if !loopback(s.Host) {
			return bad("starttls=" + mode + " is allowed only for localhost (a development mail catcher)")
		}
		s.TLS = mode
	default:
		return bad("starttls must be required, opportunistic or none")
	}
	return s, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// SMTPTransport delivers over SMTP with github.com/wneessen/go-mail, one
// connection per message (codes are rare; no pool to keep healthy).
type SMTPTransport struct {
	Server  SMTPServer
	TLS     *tls.Config   // nil: system roots
	Timeout time.Duration // per connection; 0: DefaultTimeout
}

// Deliver connects, authenticates, sends msg and quits.
func (t *SMTPTransport) Deliver(ctx context.Context, msg *gomail.Msg) error {
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.TLS != nil {
		tc = t.TLS.Clone()
	}
	tc.ServerName = t.Server.Host
	opts := []gomail.Option{gomail.WithTimeout(timeout), gomail.WithTLSConfig(tc)}
	switch t.Server.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	opts = append(opts, gomail.WithPort(t.Server.Port))
	if t.Server.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
			gomail.WithUsername(t.Server.Username), gomail.WithPassword(t.Server.Password))
	}
	c, err := gomail.NewClient(t.Server.Host, opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}
