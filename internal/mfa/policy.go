package mfa

import (
	"context"
	"slices"

	"github.com/sesameauth/sesame/internal/store"
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
	return s.next(ctx, store.User{ID: userID}, p, acrValues)
}

func (s *Service) next(ctx context.Context, u store.User, p Policy, acrValues []string) (Step, error) {
	has, err := s.hasSecondFactor(ctx, u)
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
// sign-in again (docs/security.md, SS-12). The user's enrolled factors
// come from u.SecondFactors when the read of u carried them (the session's
// read does), from the store otherwise.
func (s *Service) StepUpNeeded(ctx context.Context, u store.User, amr []string, p Policy, acrValues []string) (bool, error) {
	if MultiFactor(amr) {
		return false, nil
	}
	step, err := s.next(ctx, u, p, acrValues)
	return step != Done, err
}

// SettingsGate is StepUpNeeded with the policy read from the sign-in
// experience settings on each call, for the authorization endpoint.
type SettingsGate struct {
	MFA    *Service
	Policy func(ctx context.Context) (Policy, error)
}

// StepUpNeeded is Service.StepUpNeeded under the current policy.
func (g SettingsGate) StepUpNeeded(ctx context.Context, u store.User, amr, acrValues []string) (bool, error) {
	p, err := g.Policy(ctx)
	if err != nil {
		return false, err
	}
	return g.MFA.StepUpNeeded(ctx, u, amr, p, acrValues)
}

// WithSecondFactor is amr after a second factor: first's values, then
// "otp" (TOTP and backup codes alike: docs/security.md) and "mfa", each
// once.
func WithSecondFactor(first []string) []string {
	out := slices.Clone(first)
	for _, v := range []string{AMROTP, AMRMFA} {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// MultiFactor reports whether amr records a second factor: "mfa", or two
// distinct methods (the rule by which the ID token's acr says loa:2).
func MultiFactor(amr []string) bool {
	distinct := 0
	for i, v := range amr {
		if v == AMRMFA {
			return true
		}
		if v != "" && !slices.Contains(amr[:i], v) {
			distinct++
		}
	}
	return distinct >= 2
}
