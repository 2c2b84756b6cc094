package mfa

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/sesameauth/sesame/internal/secret"
	"github.com/sesameauth/sesame/internal/store"
)

// Factor names a second factor, as Logto's sign-in experience spells it.
type Factor string

const (
	TOTP       Factor = "Totp"
	BackupCode Factor = "BackupCode"
	WebAuthn   Factor = "WebAuthn"
)

// Policies (Logto's mfa.policy).
const (
	UserControlled = "UserControlled"
	Mandatory      = "Mandatory"
)

// LoA2 is the acr value with which a client asks for a second factor.
const LoA2 = "urn:sesame:loa:2"

// AMR values a completed second factor adds to the first factor's (RFC
// 8176): "otp" for a TOTP code and for a backup code (docs/security.md
// says why), and "mfa" for having used two factors.
const (
	AMROTP = "otp"
	AMRMFA = "mfa"
)

// BoxPurpose is the secret.Box purpose of sealed TOTP secrets.
const BoxPurpose = "mfa-totp"

// Policy is the sign-in experience's "mfa" document (Logto's shape):
// which factors users may enrol and whether one is mandatory. Factors
// empty turns MFA enrolment off.
type Policy struct {
	Factors []Factor `json:"factors"`
	Policy  string   `json:"policy"`
}

// DefaultPolicy lets users choose, with every factor offered.
func DefaultPolicy() Policy {
	return Policy{Factors: []Factor{TOTP, BackupCode, WebAuthn}, Policy: UserControlled}
}

// Offers reports whether users may enrol f.
func (p Policy) Offers(f Factor) bool { return slices.Contains(p.Factors, f) }

// Errors. Front ends map ErrInvalidCode and ErrReplayed to a form error,
// never to the reason a code failed beyond that.
var (
	ErrInvalidCode     = errors.New("mfa: wrong or expired code")
	ErrReplayed        = errors.New("mfa: code already used")
	ErrNotEnrolled     = errors.New("mfa: factor not enrolled")
	ErrAlreadyEnrolled = errors.New("mfa: factor already enrolled")
	ErrBadSecret       = errors.New("mfa: not a TOTP secret of this server's shape")
)

// FactorSource is a second factor kept by another domain package (the
// passkeys of internal/passkey): Factors lists it, the gate asks for it,
// ResetAll removes it.
type FactorSource interface {
	Factor() Factor
	Enrolled(ctx context.Context, userID string) (bool, error)
	RemoveAll(ctx context.Context, userID string) error
}

// enrolledIn is a FactorSource whose enrolment a user read can carry
// (store.SecondFactors): the step-up check then asks no more of the store.
type enrolledIn interface {
	EnrolledIn(f store.SecondFactors) bool
}

// Service is the MFA domain. Box must be secret.NewBox(master,
// BoxPurpose).
type Service struct {
	Store  store.MFA
	Box    *secret.Box
	Issuer string           // the issuer label in authenticator apps; default "Sesame"
	Now    func() time.Time // default time.Now
	Others []FactorSource   // further second factors (passkeys)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Factors lists the user's enrolled factors: TOTP, BackupCode while
// unused codes are left, then the others'.
func (s *Service) Factors(ctx context.Context, userID string) ([]Factor, error) {
	var out []Factor
	if _, err := s.Store.GetTOTP(ctx, userID); err == nil {
		out = append(out, TOTP)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	n, err := s.Store.BackupCodesLeft(ctx, userID)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		out = append(out, BackupCode)
	}
	for _, o := range s.Others {
		ok, err := o.Enrolled(ctx, userID)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, o.Factor())
		}
	}
	return out, nil
}

// HasSecondFactor reports whether the user has a factor a sign-in can
// ask for on its own (TOTP or another source's; backup codes are only
// the fallback of those).
func (s *Service) HasSecondFactor(ctx context.Context, userID string) (bool, error) {
	return s.hasSecondFactor(ctx, store.User{ID: userID})
}

// hasSecondFactor is HasSecondFactor for u, from what u.SecondFactors
// says where the read of u looked, from the store otherwise.
func (s *Service) hasSecondFactor(ctx context.Context, u store.User) (bool, error) {
	known := u.SecondFactors
	switch {
	case known != nil:
		if known.TOTP {
			return true, nil
		}
	default:
		_, err := s.Store.GetTOTP(ctx, u.ID)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return false, err
		}
	}
	for _, o := range s.Others {
		if k, ok := o.(enrolledIn); ok && known != nil {
			if k.EnrolledIn(*known) {
				return true, nil
			}
			continue
		}
		if ok, err := o.Enrolled(ctx, u.ID); err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// Remove removes one factor of the user (not enrolled: ErrNotEnrolled).
// Removing the last factor a sign-in can ask for also deletes the backup
// codes, which are no factor on their own.
func (s *Service) Remove(ctx context.Context, userID string, f Factor) error {
	switch f {
	case TOTP:
		if err := s.Store.DeleteTOTP(ctx, userID); errors.Is(err, store.ErrNotFound) {
			return ErrNotEnrolled
		} else if err != nil {
			return err
		}
	case BackupCode:
		n, err := s.Store.BackupCodesLeft(ctx, userID)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrNotEnrolled
		}
		return s.Store.DeleteBackupCodes(ctx, userID)
	default:
		i := slices.IndexFunc(s.Others, func(o FactorSource) bool { return o.Factor() == f })
		if i < 0 {
			return ErrNotEnrolled
		}
		ok, err := s.Others[i].Enrolled(ctx, userID)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotEnrolled
		}
		if err := s.Others[i].RemoveAll(ctx, userID); err != nil {
			return err
		}
	}
	has, err := s.HasSecondFactor(ctx, userID)
	if err != nil || has {
		return err
	}
	return s.Store.DeleteBackupCodes(ctx, userID)
}

// ResetAll removes every second factor of the user (an administrator's
// reset-mfa): TOTP, backup codes and the others'.
func (s *Service) ResetAll(ctx context.Context, userID string) error {
	if err := s.Store.DeleteTOTP(ctx, userID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := s.Store.DeleteBackupCodes(ctx, userID); err != nil {
		return err
	}
	for _, o := range s.Others {
		if err := o.RemoveAll(ctx, userID); err != nil {
			return err
		}
	}
	return nil
}
