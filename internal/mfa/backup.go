package mfa

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"strings"

	"github.com/sesameauth/sesame/internal/store"
)

// BackupCodeCount is how many codes one generation makes.
const BackupCodeCount = 10

// Backup codes are 12 symbols of Crockford's base32 (60 random bits),
// shown as xxxx-xxxx-xxxx. They are stored as a plain SHA-256: a slow
// password hash guards low-entropy secrets against guessing from a
// stolen hash, and 2^60 guesses per code is out of reach for any
// offline attacker, so SHA-256 loses nothing here; online guessing is
// throttled per user by the front ends (docs/security.md).
const (
	backupAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"
	backupLen      = 12
)

// GenerateBackupCodes replaces all the user's backup codes with
// BackupCodeCount fresh ones and returns them, the only time they exist
// in clear.
func (s *Service) GenerateBackupCodes(ctx context.Context, userID string) ([]string, error) {
	codes := make([]string, BackupCodeCount)
	hashes := make([][]byte, BackupCodeCount)
	for i := range codes {
		codes[i] = newBackupCode()
		hashes[i] = backupHash(codes[i])
	}
	if err := s.Store.ReplaceBackupCodes(ctx, userID, hashes, s.now()); err != nil {
		return nil, err
	}
	return codes, nil
}

// UseBackupCode spends one of the user's unused codes (one conditional
// write); a wrong or used code is ErrInvalidCode.
func (s *Service) UseBackupCode(ctx context.Context, userID, code string) error {
	n := normalizeBackup(code)
	if len(n) != backupLen {
		return ErrInvalidCode
	}
	err := s.Store.UseBackupCode(ctx, userID, backupHash(n), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return ErrInvalidCode
	}
	return err
}

// BackupCodesLeft counts the user's unused codes.
func (s *Service) BackupCodesLeft(ctx context.Context, userID string) (int, error) {
	return s.Store.BackupCodesLeft(ctx, userID)
}

func newBackupCode() string {
	b := make([]byte, backupLen)
	rand.Read(b)
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(backupAlphabet[c&31]) // 256 is a multiple of 32: unbiased
	}
	return sb.String()
}

// normalizeBackup reads a code as typed: case, spaces and dashes do not
// matter, and Crockford's look-alikes (i, l → 1; o → 0) are forgiven.
func normalizeBackup(code string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\t', '\u00a0':
			return -1
		case 'i', 'I', 'l', 'L':
			return '1'
		case 'o', 'O':
			return '0'
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, code)
}

func backupHash(code string) []byte {
	h := sha256.Sum256([]byte(normalizeBackup(code)))
	return h[:]
}
