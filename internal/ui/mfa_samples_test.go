package ui_test

import (
	"net/http"

	"github.com/sesameauth/sesame/internal/experience"
	"github.com/sesameauth/sesame/internal/ui"
)

// mfaSamples are the second-factor pages (internal/experience/mfa.go).
func mfaSamples() []page {
	return []page{
		{"mfa", http.StatusOK, &experience.MFAPage{
			Base: ui.Base{Title: "Two-step verification"}, Action: "/mfa?interaction=abc", CSRFToken: "tok-123",
			AppName: "Acme Notes", HasTOTP: true, SwitchURL: "/mfa?interaction=abc&method=backup",
			Error: ui.M("mfa.error.invalid"),
		}},
		{"mfa_enroll", http.StatusOK, &experience.MFAEnrollPage{
			Base: ui.Base{Title: "Set up two-step verification"}, Action: "/mfa/enroll?interaction=abc", CSRFToken: "tok-123",
			AppName: "Acme Notes", Secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
			QRPNG: []byte("\x89PNG\r\n\x1a\n"),
		}},
		{"mfa_backup_codes", http.StatusOK, &experience.MFABackupCodesPage{
			Base: ui.Base{Title: "Your backup codes"}, AppName: "Acme Notes",
			Codes: []string{"0123-4567-89ab", "cdef-ghjk-mnpq"}, ContinueURL: "/oidc/auth/abc",
		}},
	}
}
