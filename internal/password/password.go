package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Params are the argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	SaltLen int
	KeyLen  uint32
}

// Default follows the OWASP recommendation for argon2id (19 MiB, t=2, p=1).
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// MaxLength bounds the password length before any hashing, so a megabyte of
// input cannot be used to burn CPU.
const MaxLength = 256

var (
	ErrMismatch  = errors.New("password: mismatch")
	ErrMalformed = errors.New("password: malformed hash")
	ErrTooLong   = errors.New("password: too long")
)

// limiter bounds concurrent hash computations to the number of CPUs.
var limiter = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))

func acquire(ctx context.Context) error {
	select {
	case limiter <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func release() { <-limiter }

// Hash returns the PHC string for pw under p.
func Hash(ctx context.Context, pw string, p Params) (string, error) {
	if len(pw) > MaxLength {
		return "", ErrTooLong
	}
	pw = norm.NFKC.String(pw)
	salt := make([]byte, p.SaltLen)
	rand.Read(salt)
	if err := acquire(ctx); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	release()
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports nil when pw matches the PHC string encoded, ErrMismatch
// when it does not, and ErrMalformed for an unreadable hash.
func Verify(ctx context.Context, pw, encoded string) error {
	if len(pw) > MaxLength {
		return ErrMismatch
	}
	p, salt, want, err := decode(encoded)
	if err != nil {
		return err
	}
	pw = norm.NFKC.String(pw)
	if err := acquire(ctx); err != nil {
		return err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	release()
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

// dummy is verified against when a sign-in names an unknown user, so both
// paths cost one hash and answer in the same time (no user enumeration).
var dummy, _ = Hash(context.Background(), "sesame-dummy-password", Default)

// VerifyDummy spends the same time as a real Verify and always fails.
func VerifyDummy(ctx context.Context, pw string) error {
	_ = Verify(ctx, pw, dummy)
	return ErrMismatch
}

func decode(s string) (Params, []byte, []byte, error) {
	parts := strings.Split(s, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(parts) != 6 || parts[1] != "argon2id" {
		return Params{}, nil, nil, ErrMalformed
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return Params{}, nil, nil, ErrMalformed
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return Params{}, nil, nil, ErrMalformed
	}
	// Refuse absurd costs from a tampered row rather than allocating them.
	if p.Memory == 0 || p.Memory > 1<<21 || p.Time == 0 || p.Time > 64 || p.Threads == 0 {
		return Params{}, nil, nil, ErrMalformed
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return Params{}, nil, nil, ErrMalformed
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 128 {
		return Params{}, nil, nil, ErrMalformed
	}
	return p, salt, key, nil
}
