package store

import (
	"context"
	"errors"
	"time"
)

// ErrConflict is a compare-and-swap write that lost: the row changed since
// the caller read it. Read again and retry, or tell the person.
var ErrConflict = errors.New("store: changed meanwhile")

// SignInExperience is the stored sign-in experience settings: one JSON
// document (package signinexp owns its shape and rules).
type SignInExperience struct {
	Doc       []byte
	Version   int64 // 1 for the first write, +1 on each
	UpdatedAt time.Time
}

// SignInExperiences holds the one settings row.
type SignInExperiences interface {
	// GetSignInExperience returns the row; none yet is ErrNotFound.
	GetSignInExperience(ctx context.Context) (SignInExperience, error)
	// PutSignInExperience writes doc if the stored version is still
	// version (0: no row yet) and returns the new version; otherwise it
	// writes nothing and returns ErrConflict.
	PutSignInExperience(ctx context.Context, doc []byte, version int64, now time.Time) (int64, error)
}
