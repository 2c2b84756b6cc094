package signinexp

import (
	"fmt"
	"slices"

	"github.com/sesameauth/sesame/internal/mfa"
)

// validateMFA checks the "mfa" document (Logto's shape): known factors,
// each once; BackupCode only beside a factor it backs up; a policy of
// UserControlled or Mandatory, and Mandatory only with a factor users can
// enrol. Factors empty is MFA off.
func validateMFA(p *mfa.Policy) error {
	if p.Factors == nil {
		p.Factors = []mfa.Factor{}
	}
	for i, f := range p.Factors {
		switch f {
		case mfa.TOTP, mfa.BackupCode, mfa.WebAuthn:
		default:
			return bad(fmt.Sprintf("mfa.factors[%d]", i), "one of Totp, BackupCode, WebAuthn")
		}
		if slices.Index(p.Factors, f) != i {
			return bad(fmt.Sprintf("mfa.factors[%d]", i), "listed twice")
		}
	}
	if p.Offers(mfa.BackupCode) && !p.Offers(mfa.TOTP) && !p.Offers(mfa.WebAuthn) {
		return bad("mfa.factors", "BackupCode needs Totp or WebAuthn beside it")
	}
	switch p.Policy {
	case mfa.UserControlled:
	case mfa.Mandatory:
		if !p.Offers(mfa.TOTP) && !p.Offers(mfa.WebAuthn) {
			return bad("mfa.policy", "Mandatory needs Totp or WebAuthn among the factors")
		}
	default:
		return bad("mfa.policy", "UserControlled or Mandatory")
	}
	return nil
}
