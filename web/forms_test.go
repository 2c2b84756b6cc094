package web_test

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/web"
)

var (
	inputTag  = regexp.MustCompile(`<(?:input|textarea|select)\b[^>]*>`)
	attr      = func(name string) *regexp.Regexp { return regexp.MustCompile(`\b` + name + `="([^"]*)"`) }
	typeAttr  = attr("type")
	idAttr    = attr("id")
	autoAttr  = attr("autocomplete")
	labelFor  = attr("for")
	labelTags = regexp.MustCompile(`<label\b[^>]*>`)
	// hiddenAttr is the boolean attribute hidden (not type="hidden").
	hiddenAttr = regexp.MustCompile(`\shidden[\s>]`)
)

// noTextInput are the input types that take no typed text.
var noTextInput = map[string]bool{"hidden": true, "submit": true, "button": true, "checkbox": true, "radio": true}

// TestEndUserFormsLabelledAndAutocompleted: every text input of an
// end-user page (every area but the admin console and mail) has an id, a
// <label for> that id and an autocomplete token, so password managers and
// assistive technology work (issue 11, part 9).
func TestEndUserFormsLabelledAndAutocompleted(t *testing.T) {
	err := fs.WalkDir(web.FS(), "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") ||
			strings.HasPrefix(p, "templates/console/") || strings.HasPrefix(p, "templates/mail/") {
			return err
		}
		raw, err := fs.ReadFile(web.FS(), p)
		if err != nil {
			return err
		}
		src := string(raw)
		labels := map[string]bool{}
		for _, l := range labelTags.FindAllString(src, -1) {
			if m := labelFor.FindStringSubmatch(l); m != nil {
				labels[m[1]] = true
			}
		}
		for _, tag := range inputTag.FindAllString(src, -1) {
			if m := typeAttr.FindStringSubmatch(tag); m != nil && noTextInput[m[1]] || hiddenAttr.MatchString(tag) {
				continue // no typed text, or not shown (a username for password managers)
			}
			id := idAttr.FindStringSubmatch(tag)
			if id == nil || !labels[id[1]] {
				t.Errorf("%s: input without a <label for> its id: %s", p, tag)
			}
			if a := autoAttr.FindStringSubmatch(tag); a == nil || a[1] == "" {
				t.Errorf("%s: input without an autocomplete token: %s", p, tag)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
