package password

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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

// ErrBusy means every hashing slot stayed taken for 2 s: the server is
// saturated with password checks. It wraps context.DeadlineExceeded, so
// the HTTP layers answer 503 "retry shortly" rather than an internal error.
var ErrBusy = fmt.Errorf("password: every hashing slot is busy: %w", context.DeadlineExceeded)

// maxWait bounds how long a hash waits for a slot (a variable for tests).
var maxWait = 2 * time.Second

// limiter bounds password hashing, the one deliberate cost, so that with
// sign-ins saturating their share tokens, discovery and pages keep their
// latency (bench/README.md, "Password sign-ins under load"): at most half
// the CPUs (at least one) hash at once, and a slot rests after each hash
// for as long as the hash took. Without the rest, a hash holds its Go
// scheduler slot for 10 ms at a time and requests arriving meanwhile wait
// for it: on 2 cores the token p99 rose 6× under a sign-in flood instead
// of 1.3×. The rest halves the sign-ins a saturated server answers per
// second; a single sign-in waits for nothing.
var limiter = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))

func acquire(ctx context.Context) error {
	select {
	case limiter <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(maxWait)
	defer t.Stop()
	select {
	case limiter <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return ErrBusy
	}
}

// HashingMemory is the most memory password hashing holds at once with
// the default parameters: every slot's argon2id memory, in bytes. The
// serving process sizes its soft memory limit with it.
func HashingMemory() int64 {
	return int64(cap(limiter)) * int64(Default.Memory) << 10
}

// hashesStarted and hashesFinished count argon2id computations. While a
// hash runs its memory is part of the live heap, so the serving process
// uses them to tell a reading of the live heap that may include a hash
// from one that cannot (internal/cli/memory.go).
var hashesStarted, hashesFinished atomic.Uint64

// Activity returns how many password hashes have started and finished in
// this process so far; they are equal when none is running.
func Activity() (started, finished uint64) {
	return hashesStarted.Load(), hashesFinished.Load()
}

// idKey is argon2.IDKey, counted by Activity.
func idKey(pw, salt []byte, passes, memory uint32, threads uint8, keyLen uint32) []byte {
	hashesStarted.Add(1)
	defer hashesFinished.Add(1)
	return argon2.IDKey(pw, salt, passes, memory, threads, keyLen)
}

// release frees the slot taken by acquire once it has rested for as long
// as the hash took (started at start).
func release(start time.Time) {
	time.AfterFunc(time.Since(start), func() { <-limiter })
}

// Hash returns the PHC string for pw under p.
func Hash(ctx context.Context, pw string, p Params) (string, error) {
	if len(pw) > MaxLength {
		return "", ErrTooLong
	}
	pw = norm.NFKC.String(pw)
	salt := randomBytes(p.SaltLen)
	if err := acquire(ctx); err != nil {
		return "", err
	}
	start := time.Now()
	key := idKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	release(start)
	return encode(p, salt, key), nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// encode writes the PHC string of key, derived with salt under p.
func encode(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
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
	start := time.Now()
	got := idKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	release(start)
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

// dummy is verified against when a sign-in names an unknown user, so both
// paths cost one hash and answer in the same time (no user enumeration).
// Verify's cost is set by the parameters alone, so a random key under
// Default serves as well as a real hash and costs nothing to make: no
// process (a CLI command, a server start) pays a hash it may never need.
var dummy = sync.OnceValue(func() string {
	return encode(Default, randomBytes(Default.SaltLen), randomBytes(int(Default.KeyLen)))
})

// VerifyDummy spends the same time as a real Verify and fails as it would
// for a wrong password: ErrMismatch, or ErrBusy (or the context's error)
// when no slot was free, so that too tells nothing about the user.
func VerifyDummy(ctx context.Context, pw string) error {
	if err := Verify(ctx, pw, dummy()); errors.Is(err, ErrBusy) || ctx.Err() != nil {
		return cmp.Or(ctx.Err(), err)
	}
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
