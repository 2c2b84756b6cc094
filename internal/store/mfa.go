package store

import (
	"context"
	"time"
)

// TOTP is a user's enrolled authenticator app. Secret is sealed by the
// caller (internal/mfa uses a secret.Box of its own purpose); the store
// never sees the plain secret. LastStep is the last accepted time step
// (unix time / 30 s), 0 before the first accepted code.
type TOTP struct {
	UserID    string
	Secret    []byte
	LastStep  int64
	CreatedAt time.Time
}

// BackupCode is one single-use recovery code, kept as a hash of the code.
type BackupCode struct {
	UserID    string
	Hash      []byte
	CreatedAt time.Time
	UsedAt    time.Time // zero until used
}

// MFA stores the second factors of internal/mfa: at most one TOTP per user
// and a set of backup codes. Rows go when their user is deleted.
type MFA interface {
	// CreateTOTP enrols t. A user who already has a TOTP is
	// ErrAlreadyExists; an unknown user is ErrNotFound.
	CreateTOTP(ctx context.Context, t TOTP) error
	// GetTOTP returns the user's TOTP or ErrNotFound.
	GetTOTP(ctx context.Context, userID string) (TOTP, error)
	// AdvanceTOTPStep records step as the last accepted one with ONE
	// conditional write (… WHERE last_step < step). A step at or below
	// the stored one is ErrReplayed; of N concurrent calls with the same
	// step exactly one succeeds. No TOTP is ErrNotFound.
	AdvanceTOTPStep(ctx context.Context, userID string, step int64) error
	// DeleteTOTP removes the user's TOTP; none is ErrNotFound.
	DeleteTOTP(ctx context.Context, userID string) error
	// ReplaceBackupCodes deletes every backup code of the user and stores
	// hashes in their place, in one transaction. An unknown user is
	// ErrNotFound.
	ReplaceBackupCodes(ctx context.Context, userID string, hashes [][]byte, now time.Time) error
	// UseBackupCode marks the user's unused code with hash used at now,
	// with ONE conditional write (… WHERE used_at = 0). An unknown or used
	// code is ErrNotFound; of N concurrent uses exactly one succeeds.
	UseBackupCode(ctx context.Context, userID string, hash []byte, now time.Time) error
	// BackupCodesLeft counts the user's unused backup codes.
	BackupCodesLeft(ctx context.Context, userID string) (int, error)
	// DeleteBackupCodes removes every backup code of the user (none is
	// not an error).
	DeleteBackupCodes(ctx context.Context, userID string) error
}
