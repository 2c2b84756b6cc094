//go:build e2e

package goapp

import (
	"fmt"
	"strings"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
)

// button is a predicate: a submit button with exactly this text inside a
// form posting to action.
func button(action, text string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('form[method=post] button[type=submit]')].some(b => b.form.getAttribute('action') === %s && b.textContent.trim() === %s)`,
		e2etest.JSString(action), e2etest.JSString(text))
}

// buttonSel is the CSS selector of the submit button of the form posting to action.
func buttonSel(action string) string {
	return fmt.Sprintf(`form[method=post][action=%s] button[type=submit]`, e2etest.JSString(action))
}

func containsAny(list []string, substr string) bool {
	for _, s := range list {
		if strings.Contains(s, substr) {
			return true
		}
	}
	return false
}
