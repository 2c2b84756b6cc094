package store

import (
	"context"
	"time"
)

// Passkey is one WebAuthn credential of a user (internal/passkey). ID is
// the credential ID the authenticator chose; PublicKey its COSE key.
// Nothing here is secret: a passkey proves possession of a private key
// that never leaves the authenticator.
type Passkey struct {
	ID              []byte
	UserID          string
	PublicKey       []byte
	AttestationType string
	Transports      []string
	AAGUID          []byte
	SignCount       uint32
	// BackupEligible never changes after registration; BackupState may.
	// UserVerified is the credential record's uvInitialized.
	BackupEligible bool
	BackupState    bool
	UserVerified   bool
	Name           string
	CreatedAt      time.Time
	LastUsedAt     time.Time // zero when never used
}

// PasskeyCeremony is the server-side state of one WebAuthn ceremony (the
// challenge and what it allows), keyed by the hash of a random id the
// browser holds in a cookie. It is consumed once.
type PasskeyCeremony struct {
	IDHash    []byte
	Kind      string // "register", "login" (known user) or "discover"
	UserID    string // empty for "discover"
	Data      []byte // the library's session data, JSON
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Passkeys stores WebAuthn credentials and ceremony state. Credentials go
// when their user is deleted; ceremonies when they expire (GarbageCollect).
type Passkeys interface {
	// CreatePasskey stores p. A credential ID already stored (for any
	// user) is ErrAlreadyExists; an unknown user is ErrNotFound.
	CreatePasskey(ctx context.Context, p Passkey) error
	// GetPasskey returns the credential with that ID or ErrNotFound.
	GetPasskey(ctx context.Context, id []byte) (Passkey, error)
	// ListPasskeys returns the user's credentials, oldest first.
	ListPasskeys(ctx context.Context, userID string) ([]Passkey, error)
	// CountPasskeys counts the user's credentials.
	CountPasskeys(ctx context.Context, userID string) (int, error)
	// RenamePasskey sets the name of the user's credential id; a
	// credential of another user or none is ErrNotFound.
	RenamePasskey(ctx context.Context, userID string, id []byte, name string) error
	// DeletePasskey removes the user's credential id; ErrNotFound as above.
	DeletePasskey(ctx context.Context, userID string, id []byte) error
	// UsePasskey records an accepted assertion with ONE conditional
	// write: the sign count must grow, or stay 0 for an authenticator
	// that keeps no counter. Anything else (a regression: a cloned
	// authenticator or a replayed assertion) is ErrReplayed and changes
	// nothing; of N concurrent calls with the same count one succeeds.
	// An unknown credential is ErrNotFound.
	UsePasskey(ctx context.Context, id []byte, signCount uint32, backupState bool, now time.Time) error
	// CreatePasskeyCeremony stores c; a duplicate IDHash is
	// ErrAlreadyExists.
	CreatePasskeyCeremony(ctx context.Context, c PasskeyCeremony) error
	// ConsumePasskeyCeremony deletes and returns the live ceremony with
	// that hash in ONE statement; a missing, expired or already consumed
	// one is ErrNotFound.
	ConsumePasskeyCeremony(ctx context.Context, idHash []byte, now time.Time) (PasskeyCeremony, error)
}
