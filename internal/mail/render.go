package mail

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"net/mail"
	"strings"
	texttemplate "text/template"

	gomail "github.com/wneessen/go-mail"

	"github.com/sesameauth/sesame/internal/i18n"
)

// renderer holds the parsed mail templates: per name a text/template for
// the plain part and an html/template (which escapes) for the HTML part.
type renderer struct {
	i18n     *i18n.Bundle
	endpoint string
	appName  string
	text     map[string]*texttemplate.Template
	html     map[string]*htmltemplate.Template
}

// view is what a mail template sees: the Message's Data plus Endpoint,
// and {{.T "key" "name" value}} for catalogue texts. A method on a map
// type wins over a key of the same name in templates.
type view map[string]any

const printerKey = "\x00printer" // not a name a template can spell

// T prints a catalogue text in the message's language.
func (v view) T(key string, args ...any) string {
	p, _ := v[printerKey].(*i18n.Printer)
	return p.T(key, args...)
}

func newRenderer(cfg Config) (*renderer, error) {
	if cfg.Web == nil {
		return nil, errors.New("mail: no templates (Config.Web)")
	}
	b := cfg.I18n
	if b == nil {
		var err error
		if b, err = i18n.Load(cfg.Web, "i18n"); err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
	}
	r := &renderer{i18n: b, endpoint: strings.TrimRight(cfg.Endpoint, "/"), appName: cfg.AppName,
		text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	if r.appName == "" {
		r.appName = "Sesame"
	}
	for _, name := range Templates {
		src, err := fs.ReadFile(cfg.Web, "templates/mail/"+name+".txt")
		if err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
		tt, err := texttemplate.New(name).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
		if src, err = fs.ReadFile(cfg.Web, "templates/mail/"+name+".html"); err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
		ht, err := htmltemplate.New(name).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
		r.text[name], r.html[name] = tt, ht
		// A trial render surfaces template errors at start, not when a
		// user waits for a code.
		trial := Message{To: "trial@example.com", Template: name, Data: map[string]any{"Code": "123456", "Minutes": 10}}
		if _, err := r.render(trial); err != nil {
			return nil, fmt.Errorf("mail: %s: %w", name, err)
		}
	}
	return r, nil
}

// rendered is a message's three texts.
type rendered struct {
	lang, subject, text, html string
}

// render fills m's templates in m's language.
func (r *renderer) render(m Message) (rendered, error) {
	tt, ok := r.text[m.Template]
	if !ok {
		return rendered{}, fmt.Errorf("no template %q", m.Template)
	}
	lang := i18n.Match(m.Lang)
	p := r.i18n.Printer(lang)
	v := view{"AppName": r.appName}
	for k, val := range m.Data {
		v[k] = val
	}
	// Set last, so no caller can put a URL of its own here.
	v["Endpoint"] = r.endpoint
	v["Lang"] = lang
	v[printerKey] = p
	var text, html bytes.Buffer
	if err := tt.Execute(&text, v); err != nil {
		return rendered{}, err
	}
	if err := r.html[m.Template].Execute(&html, v); err != nil {
		return rendered{}, err
	}
	subjectKey := "mail." + m.Template + ".subject"
	subject := p.T(subjectKey, "app", v["AppName"])
	return rendered{lang: lang, subject: oneLine(subject), text: text.String(), html: html.String()}, nil
}

// oneLine replaces control characters (CR, LF …) with spaces: a subject
// is one header line whatever the catalogue or AppName hold.
func oneLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s))
}

// messageID is a random id at the sender's domain (not this host's name,
// which says nothing to the recipient and something to an attacker).
func messageID(from string) string {
	domain := "localhost"
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" {
			domain = d
		}
	}
	return rand.Text() + "@" + domain
}

// message builds the RFC 5322 message of m: multipart/alternative with
// the plain text first and the HTML second.
func (r *renderer) message(from, to string, m Message) (*gomail.Msg, string, error) {
	out, err := r.render(m)
	if err != nil {
		return nil, "", err
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(from); err != nil {
		return nil, "", err
	}
	if err := msg.To(to); err != nil {
		return nil, "", ErrInvalidAddress
	}
	msg.Subject(out.subject)
	msg.SetDate()
	msg.SetMessageIDWithValue(messageID(from))
	// RFC 3834: no vacation replies to a code.
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetGenHeader(gomail.HeaderContentLang, out.lang)
	msg.SetBodyString(gomail.TypeTextPlain, out.text)
	msg.AddAlternativeString(gomail.TypeTextHTML, out.html)
	return msg, out.lang, nil
}
