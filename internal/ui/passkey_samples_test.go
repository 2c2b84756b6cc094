package ui_test

import (
	"net/http"

	"github.com/sesameauth/sesame/internal/experience"
	"github.com/sesameauth/sesame/internal/ui"
)

// passkeySamples are the passkey pages (internal/experience/passkey.go).
func passkeySamples() []page {
	return []page{
		{"passkey_signin", http.StatusOK, &experience.PasskeyPage{
			Base: ui.Base{Title: "Sign in with a passkey", Nonce: "n0nce-pk"}, Action: "/passkey/signin?interaction=abc",
			OptionsURL: "/passkey/signin/options?interaction=abc", CSRFToken: "tok-123", AppName: "Acme Notes",
			BackURL: "/sign-in?interaction=abc", Error: ui.M("passkey.error.refused"),
		}},
		{"passkey_mfa", http.StatusOK, &experience.PasskeyPage{
			Base: ui.Base{Title: "Two-step verification", Nonce: "n0nce-pk"}, Action: "/passkey/mfa?interaction=abc",
			OptionsURL: "/passkey/mfa/options?interaction=abc", CSRFToken: "tok-123", AppName: "Acme Notes",
			SecondFactor: true, BackURL: "/mfa?interaction=abc",
		}},
	}
}
