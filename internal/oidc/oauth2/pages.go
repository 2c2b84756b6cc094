package oauth2

import (
	"errors"
	"net/url"

	"github.com/sesameauth/sesame/internal/ui"
)

// Pages are the authorization response's hosted pages, for ui.New.
func Pages() []ui.Page { return []ui.Page{&FormPostPage{}} }

// FormField is one hidden input of a form_post response.
type FormField struct{ Name, Value string }

// FormPostPage is the OAuth 2.0 form_post response: a form of hidden inputs
// posted to Action by a nonce'd inline script, with a visible Continue
// button for browsers without JavaScript. Action must be an absolute http
// or https URL; anything else is refused (Check) with a plain 500, rather
// than posting the response somewhere unintended.
type FormPostPage struct {
	ui.Base
	Action string
	Fields []FormField
}

// Template implements ui.Page.
func (*FormPostPage) Template() string { return "oidc/form_post" }

// Check implements ui.Checker.
func (p *FormPostPage) Check() error {
	u, err := url.Parse(p.Action)
	if err != nil {
		return errors.New("form_post: action is not a valid URL")
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("form_post: action must be an absolute http or https URL")
	}
	return nil
}
