package mfa

import (
	"context"
	"slices"
)

// Step is what a sign-in needs after its first factor.
type Step int

const (
	// Done: no second factor is needed; the sign-in completes.
	Done Step = iota
	// Challenge: ask for one of the user's enrolled second factors.
	Challenge
	// Enrol: a second factor is required and the user has none; enrol
	// TOTP now (then show backup codes).
	Enrol
)

// Next decides the step after a first factor, the one rule for the sign-in
// gate and for reusing an SSO session (StepUpNeeded):
//   - a user with a second factor enrolled is always asked for it (turning
//     the policy off later does not weaken enrolled accounts);
//   - without one, acr_values asking LoA2, or policy Mandatory, enrols
//     TOTP when the policy offers it;
//   - otherwise the sign-in is done (a LoA2 request that cannot be met
//     gets an ID token whose amr shows one factor).
func (s *Service) Next(ctx context.Context, userID string, p Policy, acrValues []string) (Step, error) {
	has, err := s.HasSecondFactor(ctx, userID)
	if err != nil {
		return Done, err
	}
	if has {
		return Challenge, nil
	}
	if (slices.Contains(acrValues, LoA2) || p.Policy == Mandatory) && p.Offers(TOTP) {
		return Enrol, nil
	}
	return Done, nil
}

// StepUpNeeded reports whether a session authenticated with amr may not
// be reused for this request: it used no second factor while Next would
// ask for one now. The authorization endpoint then sends the user through
// sign-in again (docs/security.md, SS-12).
func (s *Service) StepUpNeeded(ctx context.Context, userID string, amr []string, p Policy, acrValues []string) (bool, error) {
	if slices.Contains(amr, AMRMFA) {
		return false, nil
	}
	step, err := s.Next(ctx, userID, p, acrValues)
	return step != Done, err
}
