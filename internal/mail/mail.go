package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/mail"
	"os"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/sesameauth/sesame/internal/i18n"
)

// Message is one email to send: the template named Template rendered in
// language Lang with Data, addressed to To.
//
// Data holds what the template shows, such as "Code" (the 6-digit code),
// "Minutes" (how long it is valid) and "AppName". The renderer adds
// "Endpoint" (the configured public URL) itself: links in a mail are built
// from it alone, never from a request (docs/security.md, UI-11).
type Message struct {
	To       string
	Lang     string
	Template string
	Data     map[string]any
}

// Sender delivers a Message. Send returns within the configured timeout;
// an error means the mail was not sent and the caller should ask the user
// to try again.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Template names.
const (
	RegisterCode    = "register_code"
	RegisterExists  = "register_exists"
	ResetCode       = "reset_code"
	SigninCode      = "signin_code"
	EmailChangeCode = "email_change_code"
)

// Templates lists every template New loads.
var Templates = []string{RegisterCode, RegisterExists, ResetCode, SigninCode, EmailChangeCode}

// ErrInvalidAddress is returned for a recipient that is not one plain
// address (for example one carrying CR/LF, a display name or a list).
var ErrInvalidAddress = errors.New("mail: invalid recipient address")

// DefaultTimeout bounds one Send, connection and delivery together.
const DefaultTimeout = 10 * time.Second

// Config configures New. At most one of SMTPURL and Dir may be set.
type Config struct {
	// Endpoint is the public base URL; the only source of links in mails.
	Endpoint string
	// From is the sender's address (SESAME_MAIL_FROM); it may carry a
	// display name. Required with SMTPURL; default for Dir:
	// sesame@localhost.
	From string
	// SMTPURL is SESAME_SMTP_URL (see ParseSMTPURL).
	SMTPURL string
	// Dir is --mail-dir: write each message as a .eml file there.
	Dir string
	// Timeout bounds one Send; 0 means DefaultTimeout.
	Timeout time.Duration
	// Web holds templates/mail/ and, when I18n is nil, i18n/ (web.FS()).
	Web fs.FS
	// I18n are the catalogues (the pages' bundle); nil: loaded from Web.
	I18n *i18n.Bundle
	// AppName is shown when a Message's Data has no "AppName"; default
	// "Sesame".
	AppName string
	// TLS is the base TLS configuration for the SMTP server (tests put
	// their own CA in RootCAs); nil: the system roots.
	TLS *tls.Config
	Log *slog.Logger
}

// Configured reports whether a transport is configured.
func (c Config) Configured() bool { return c.SMTPURL != "" || c.Dir != "" }

// Validate checks the mail settings; its errors are one line and name the
// flag or variable at fault (never the SMTP password).
func (c Config) Validate() error {
	if c.SMTPURL != "" && c.Dir != "" {
		return errors.New("SESAME_SMTP_URL and --mail-dir (SESAME_MAIL_DIR) are both set: choose one")
	}
	if c.SMTPURL != "" {
		if _, err := ParseSMTPURL(c.SMTPURL); err != nil {
			return err
		}
		if c.From == "" {
			return errors.New("SESAME_MAIL_FROM (or --mail-from) is required with SESAME_SMTP_URL")
		}
	}
	if c.From != "" {
		if _, err := mail.ParseAddress(c.From); err != nil {
			return fmt.Errorf("--mail-from (SESAME_MAIL_FROM) %q is not an email address", c.From)
		}
	}
	if c.Dir != "" {
		fi, err := os.Stat(c.Dir)
		if err != nil || !fi.IsDir() {
			return fmt.Errorf("--mail-dir (SESAME_MAIL_DIR) %q is not an existing directory", c.Dir)
		}
	}
	if c.Timeout < 0 {
		return errors.New("--mail-timeout must not be negative")
	}
	return nil
}

// Mailer renders messages and hands them to a Transport.
type Mailer struct {
	transport Transport
	from      string
	timeout   time.Duration
	render    *renderer
	log       *slog.Logger
}

// New returns the Sender cfg describes, or nil (and no error) when cfg
// configures no transport: the pages then offer nothing that needs mail.
func New(cfg Config) (Sender, error) {
	if !cfg.Configured() {
		return nil, nil
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var t Transport
	if cfg.SMTPURL != "" {
		srv, _ := ParseSMTPURL(cfg.SMTPURL) // checked by Validate
		t = &SMTPTransport{Server: srv, TLS: cfg.TLS, Timeout: cfg.timeout()}
	} else {
		t = DirTransport{Dir: cfg.Dir}
		if cfg.From == "" {
			cfg.From = "sesame@localhost"
		}
	}
	return NewWith(cfg, t)
}

// NewWith is New with a Transport of the caller's (tests).
func NewWith(cfg Config, t Transport) (*Mailer, error) {
	r, err := newRenderer(cfg)
	if err != nil {
		return nil, err
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	return &Mailer{transport: t, from: cfg.From, timeout: cfg.timeout(), render: r, log: log}, nil
}

func (c Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

// Send renders m and delivers it, waiting at most the configured timeout.
// The body is never logged: it carries codes. The log names the template,
// the language and a masked recipient.
func (s *Mailer) Send(ctx context.Context, m Message) error {
	to, err := recipient(m.To)
	if err != nil {
		s.log.WarnContext(ctx, "mail not sent", "template", m.Template, "to", Mask(m.To), "err", err)
		return err
	}
	msg, lang, err := s.render.message(s.from, to, m)
	if err != nil {
		s.log.ErrorContext(ctx, "mail not rendered", "template", m.Template, "to", Mask(to), "err", err)
		return fmt.Errorf("mail: %s: %w", m.Template, err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	// The transport runs apart so that a server that stalls inside one
	// read cannot hold the caller past the timeout; the SMTP client's own
	// deadline (the same timeout) then ends the goroutine.
	done := make(chan error, 1)
	go func() { done <- s.transport.Deliver(ctx, msg) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		s.log.WarnContext(ctx, "mail not sent", "template", m.Template, "lang", lang, "to", Mask(to), "err", err)
		return fmt.Errorf("mail: %s: %w", m.Template, err)
	}
	s.log.InfoContext(ctx, "mail sent", "template", m.Template, "lang", lang, "to", Mask(to))
	return nil
}

// Transport hands a built message to its destination.
type Transport interface {
	Deliver(ctx context.Context, m *gomail.Msg) error
}
