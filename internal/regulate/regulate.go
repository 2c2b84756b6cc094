package regulate

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// Rule is a limit: at most Limit actions per subject per Window.
type Rule struct {
	Name   string // the counter's prefix: distinct per rule
	Limit  int
	Window time.Duration
}

// The rules of emailed codes (docs/security.md, UI-08): sends per address
// stop mail bombing one inbox, sends per client address stop one sender
// from mailing many, and checks per client address bound guessing across
// codes (each code also allows only five wrong tries).
var (
	SendPerAddress = Rule{Name: "code-send-to", Limit: 5, Window: time.Hour}
	SendPerIP      = Rule{Name: "code-send-ip", Limit: 30, Window: time.Hour}
	CheckPerIP     = Rule{Name: "code-check-ip", Limit: 60, Window: 15 * time.Minute}
)

// Limit is a rule applied to one subject (an address, a client IP).
type Limit struct {
	Rule    Rule
	Subject string
}

// Decision is the answer to Take.
type Decision struct {
	OK      bool
	Rule    string    // the rule that refused ("" when OK)
	RetryAt time.Time // when it would allow again (zero when OK)
}

// RetryAfter is the Retry-After value for d at now: whole seconds, at
// least 1.
func (d Decision) RetryAfter(now time.Time) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.RetryAt.Sub(now).Seconds()))))
}

// Limiter applies rules.
type Limiter struct {
	Store store.Throttle
	Now   func() time.Time // default time.Now
}

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Take takes one slot of each limit in order and stops at the first that
// is exhausted. Slots taken before a refusal stay taken: under attack the
// limits err on the closed side. Each slot is one atomic database write,
// so of N concurrent calls at most Limit pass.
func (l *Limiter) Take(ctx context.Context, limits ...Limit) (Decision, error) {
	now := l.now()
	for _, lim := range limits {
		ok, retry, err := l.Store.ReserveAttempt(ctx, lim.Rule.Name+":"+lim.Subject, lim.Rule.Limit, lim.Rule.Window, now)
		if err != nil {
			return Decision{}, err
		}
		if !ok {
			return Decision{Rule: lim.Rule.Name, RetryAt: retry}, nil
		}
	}
	return Decision{OK: true}, nil
}
