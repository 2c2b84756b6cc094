package mfa

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/sesameauth/sesame/internal/store"
)

// TOTP parameters: what every authenticator app supports (RFC 6238's
// defaults). Skew is one step either way, for clocks up to 30 s apart.
const (
	period     = 30
	digits     = otp.DigitsSix
	secretSize = 20 // bytes: 160 bits, RFC 4226's recommendation for SHA-1
	skew       = 1
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// Enrolment is a TOTP secret offered to a user before it is confirmed.
// Secret (base32, no padding) is shown as text for manual entry; URL is
// the otpauth:// URL; QR is a PNG of URL.
type Enrolment struct {
	Secret string
	URL    string
	QR     []byte
}

// QRDataURL is QR as a data: URL for an <img src> (the CSP allows img
// data:).
func (e Enrolment) QRDataURL() string {
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QR)
}

// BeginTOTP draws a fresh secret for u. Nothing is stored until
// ConfirmTOTP proves the user's app produces codes for it.
func (s *Service) BeginTOTP(u store.User) (Enrolment, error) {
	raw := make([]byte, secretSize)
	rand.Read(raw)
	return s.enrolment(u, raw)
}

// TOTPEnrolment is the enrolment of a secret BeginTOTP drew, again (to
// show the form once more after a wrong code). A secret of another shape
// is ErrBadSecret.
func (s *Service) TOTPEnrolment(u store.User, secret string) (Enrolment, error) {
	raw, err := b32.DecodeString(strings.ToUpper(strings.TrimSpace(secret)))
	if err != nil || len(raw) != secretSize {
		return Enrolment{}, ErrBadSecret
	}
	return s.enrolment(u, raw)
}

func (s *Service) enrolment(u store.User, raw []byte) (Enrolment, error) {
	account := u.Username
	if account == "" {
		account = u.Email
	}
	if account == "" {
		account = u.ID
	}
	issuer := s.Issuer
	if issuer == "" {
		issuer = "Sesame"
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: period,
		Secret: raw, Digits: digits, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Enrolment{}, err
	}
	png, err := qrcode.Encode(key.URL(), qrcode.Medium, 256)
	if err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: key.Secret(), URL: key.URL(), QR: png}, nil
}

// ConfirmTOTP enrols secret (from BeginTOTP, which the form carried back)
// for the user once code is a valid code of it. The step of that code is
// stored as used, so the enrolment code cannot sign in afterwards. A
// secret of another shape (a user's own weak one) is ErrBadSecret; a user
// with a TOTP already is ErrAlreadyEnrolled.
func (s *Service) ConfirmTOTP(ctx context.Context, userID, secret, code string) error {
	secret = strings.ToUpper(strings.TrimSpace(secret))
	if raw, err := b32.DecodeString(secret); err != nil || len(raw) != secretSize {
		return ErrBadSecret
	}
	step, ok := matchStep(secret, NormalizeCode(code), s.now())
	if !ok {
		return ErrInvalidCode
	}
	err := s.Store.CreateTOTP(ctx, store.TOTP{UserID: userID, Secret: s.seal(userID, secret), LastStep: step, CreatedAt: s.now()})
	if errors.Is(err, store.ErrAlreadyExists) {
		return ErrAlreadyEnrolled
	}
	return err
}

// VerifyTOTP accepts code for the user at most once: a valid code
// advances the stored last step with one conditional write, so the same
// code, or one of an earlier step, fails afterwards (ErrReplayed), also
// on another replica or in a concurrent request. No TOTP is
// ErrNotEnrolled.
func (s *Service) VerifyTOTP(ctx context.Context, userID, code string) error {
	t, err := s.Store.GetTOTP(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotEnrolled
	}
	if err != nil {
		return err
	}
	secret, err := s.open(userID, t.Secret)
	if err != nil {
		return err
	}
	step, ok := matchStep(secret, NormalizeCode(code), s.now())
	if !ok {
		return ErrInvalidCode
	}
	if step <= t.LastStep {
		return ErrReplayed // the write below would refuse it too
	}
	err = s.Store.AdvanceTOTPStep(ctx, userID, step)
	switch {
	case errors.Is(err, store.ErrReplayed):
		return ErrReplayed
	case errors.Is(err, store.ErrNotFound): // removed meanwhile
		return ErrNotEnrolled
	}
	return err
}

// NormalizeCode strips the spaces (and dashes) people paste with codes.
func NormalizeCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' || r == '\u00a0' {
			return -1
		}
		return r
	}, code)
}

// matchStep returns the time step, within the skew around now, whose
// code is code. The newest step is tried first, so a code that matched
// two steps records the later one. hotp compares in constant time.
func matchStep(secret, code string, now time.Time) (int64, bool) {
	if len(code) != digits.Length() {
		return 0, false
	}
	cur := now.Unix() / period
	opts := hotp.ValidateOpts{Digits: digits, Algorithm: otp.AlgorithmSHA1}
	for step := cur + skew; step >= cur-skew; step-- {
		if step < 1 {
			continue
		}
		if ok, err := hotp.ValidateCustom(code, uint64(step), secret, opts); err == nil && ok {
			return step, true
		}
	}
	return 0, false
}

// seal binds the secret to its user, so a sealed secret copied onto
// another user's row does not open.
func (s *Service) seal(userID, secret string) []byte {
	return s.Box.Seal([]byte(userID + "\x00" + secret))
}

func (s *Service) open(userID string, sealed []byte) (string, error) {
	b, err := s.Box.Open(sealed)
	if err != nil {
		return "", err
	}
	owner, secret, ok := bytes.Cut(b, []byte{0})
	if !ok || string(owner) != userID {
		return "", errors.New("mfa: sealed TOTP secret belongs to another user")
	}
	return string(secret), nil
}
