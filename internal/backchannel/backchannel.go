package backchannel

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/sesameauth/sesame/internal/store"
)

// Event is the member of a logout token's events claim that makes it one
// (OpenID Connect Back-Channel Logout 1.0, section 2.4).
const Event = "http://schemas.openid.net/event/backchannel-logout"

// TokenTTL is how long a logout token is valid: long enough for the app's
// clock to differ from ours, short enough that a token captured in
// transit is soon useless.
const TokenTTL = 2 * time.Minute

// Defaults of Options.
const (
	DefaultInterval    = time.Second
	DefaultTimeout     = 10 * time.Second
	DefaultMaxAttempts = 16
	DefaultMaxAge      = 24 * time.Hour
	DefaultMaxQueued   = 10000
	DefaultBatch       = 32
	DefaultParallel    = 8
	// firstBackoff doubles after every failed attempt, up to maxBackoff:
	// the 16 attempts span about 80 minutes (2 s + 4 s + … + 512 s, then
	// 10 min six times), so an app down for a restart or a deploy still
	// gets its logout tokens.
	firstBackoff = 2 * time.Second
	maxBackoff   = 10 * time.Minute
)

// Queue is what the worker needs of the store.
type Queue interface {
	LogoutDeliveriesDue(ctx context.Context, now time.Time) (bool, error)
	ClaimLogoutDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.LogoutDelivery, error)
	FinishLogoutDelivery(ctx context.Context, d store.LogoutDelivery) error
	RetryLogoutDelivery(ctx context.Context, d store.LogoutDelivery, next time.Time, reason string) error
	TrimLogoutDeliveries(ctx context.Context, max int, createdBefore time.Time) (int64, error)
	CountLogoutDeliveries(ctx context.Context) (int, error)
}

// Clients reads the app a delivery is for, at delivery time, so that a
// deleted app or a removed URI stops its deliveries.
type Clients interface {
	GetClient(ctx context.Context, id string) (store.Client, error)
}

// Signer signs a logout token with a key of the app's ID token algorithm
// (keys.Manager).
type Signer interface {
	SignWith(ctx context.Context, alg, typ string, build func(alg string) any) (string, error)
}

// Options tune a Worker; zero values take the defaults above.
type Options struct {
	Interval    time.Duration // how often the queue is polled
	Timeout     time.Duration // per POST
	MaxAttempts int           // then the delivery is given up
	MaxAge      time.Duration // deliveries queued longer ago are dropped
	MaxQueued   int           // the newest this many are kept
	Batch       int           // deliveries claimed at once
	Parallel    int           // POSTs in flight at once
	// HTTP posts the tokens; default: a client with Timeout that follows
	// no redirect (an app answers its logout URI itself).
	HTTP *http.Client
	Now  func() time.Time
}

// Results counts what became of deliveries, for the metrics: delivered,
// rescheduled after a failed attempt, given up after the last attempt,
// and dropped (the app gone or without a URI, or trimmed from a full or
// old queue).
type Results struct {
	Delivered, Retried, Failed, Dropped atomic.Uint64
}

// Worker drains the queue. Every replica runs one; the store's leases keep
// them from sending a token twice at once.
type Worker struct {
	Queue   Queue
	Clients Clients
	Signer  Signer
	Issuer  string
	Log     *slog.Logger
	Options
	Results Results
	// slots bounds the POSTs in flight (Parallel) across polls, so an app
	// that hangs holds one slot until its timeout and delays no other
	// delivery; inFlight counts them, for Drain and shutdown.
	slots    chan struct{}
	inFlight sync.WaitGroup
}

// New returns a Worker with opts' zero values filled in.
func New(q Queue, c Clients, s Signer, issuer string, log *slog.Logger, opts Options) *Worker {
	opts.Interval = orDefault(opts.Interval, DefaultInterval)
	opts.Timeout = orDefault(opts.Timeout, DefaultTimeout)
	opts.MaxAttempts = orDefault(opts.MaxAttempts, DefaultMaxAttempts)
	opts.MaxAge = orDefault(opts.MaxAge, DefaultMaxAge)
	opts.MaxQueued = orDefault(opts.MaxQueued, DefaultMaxQueued)
	opts.Batch = orDefault(opts.Batch, DefaultBatch)
	opts.Parallel = orDefault(opts.Parallel, DefaultParallel)
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{Timeout: opts.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Worker{Queue: q, Clients: c, Signer: s, Issuer: issuer, Log: log, Options: opts, slots: make(chan struct{}, opts.Parallel)}
}

// orDefault is v, or def when v is not positive.
func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// lease is how long a claim keeps other workers off a delivery: longer
// than a POST may take, so only a worker that died loses its claim.
func (w *Worker) lease() time.Duration { return 3 * w.Timeout }

// Run polls the queue until ctx ends, from one Interval after it starts
// (a server's start is not slowed), and trims it once a minute. An idle
// poll is one read (LogoutDeliveriesDue). A database outage is logged
// when it starts and when it ends, not at every poll.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	trimmed := w.Now()
	failing := false
	for {
		select {
		case <-ctx.Done():
			w.inFlight.Wait() // each records its outcome (attempt)
			return
		case <-t.C:
		}
		var err error
		if now := w.Now(); now.Sub(trimmed) >= trimEvery {
			if err = w.Trim(ctx); err == nil {
				trimmed = now
			}
		}
		due := false
		if err == nil {
			due, err = w.Queue.LogoutDeliveriesDue(ctx, w.Now())
		}
		for due && err == nil {
			var n int
			if n, err = w.start(ctx); n == 0 {
				break
			}
		}
		switch {
		case ctx.Err() != nil:
		case err != nil && !failing:
			w.Log.Warn("back-channel logout: queue unavailable; deliveries wait", "err", err)
			failing = true
		case err == nil && failing:
			w.Log.Info("back-channel logout: queue available again")
			failing = false
		}
	}
}

// trimEvery is how often Run trims the queue: its bounds are loose by a
// minute's sign-outs, and an idle poll stays one read.
const trimEvery = time.Minute

// Trim drops the deliveries beyond the queue's bounds (MaxQueued, MaxAge),
// counting them.
func (w *Worker) Trim(ctx context.Context) error {
	n, err := w.Queue.TrimLogoutDeliveries(ctx, w.MaxQueued, w.Now().Add(-w.MaxAge))
	if err != nil {
		return err
	}
	if n > 0 {
		w.Results.Dropped.Add(uint64(n))
		w.Log.Warn("back-channel logout: queue full or too old; deliveries dropped", "dropped", n)
	}
	return nil
}

// Drain attempts every delivery due now and waits for the outcomes; it
// reports how many it attempted.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	attempted := 0
	for {
		if len(w.slots) == cap(w.slots) {
			w.inFlight.Wait() // full: let them finish before claiming more
		}
		n, err := w.start(ctx)
		attempted += n
		if err != nil || n == 0 {
			w.inFlight.Wait()
			return attempted, err
		}
	}
}

// start claims as many due deliveries as there are free slots (at most
// Batch) and starts attempting them without waiting; it reports how many.
func (w *Worker) start(ctx context.Context) (int, error) {
	free := min(cap(w.slots)-len(w.slots), w.Batch)
	if free == 0 || ctx.Err() != nil {
		return 0, ctx.Err()
	}
	ds, err := w.Queue.ClaimLogoutDeliveries(ctx, w.Now(), w.lease(), free)
	if err != nil {
		return 0, err
	}
	for _, d := range ds {
		w.slots <- struct{}{} // never blocks: only this goroutine takes slots
		w.inFlight.Go(func() {
			defer func() { <-w.slots }()
			w.attempt(ctx, d)
		})
	}
	return len(ds), nil
}

// attempt sends d once and records the outcome.
func (w *Worker) attempt(ctx context.Context, d store.LogoutDelivery) {
	log := w.Log.With("client_id", d.ClientID, "attempt", d.Attempts)
	// The outcome is recorded even when the server is stopping (ctx
	// ended): a delivery left leased would wait for its lease to run out.
	record, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	c, err := w.Clients.GetClient(ctx, d.ClientID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.BackChannelLogoutURI == "") {
		w.finish(record, log, d, &w.Results.Dropped)
		log.Info("back-channel logout: dropped; the app is gone or no longer has a logout URI")
		return
	}
	if err == nil {
		err = w.send(ctx, c, d)
	}
	if err == nil {
		w.finish(record, log, d, &w.Results.Delivered)
		log.Debug("back-channel logout: delivered")
		return
	}
	if ctx.Err() != nil {
		// Stopping: due again at once, for whichever replica is next.
		if rerr := w.Queue.RetryLogoutDelivery(record, d, w.Now(), "interrupted: the server stopped"); rerr != nil {
			log.Warn("back-channel logout: could not release an interrupted delivery; its lease will", "err", rerr)
		}
		return
	}
	if d.Attempts >= w.MaxAttempts {
		w.finish(record, log, d, &w.Results.Failed)
		log.Warn("back-channel logout: given up", "err", err)
		return
	}
	next := w.Now().Add(Backoff(d.Attempts))
	if rerr := w.Queue.RetryLogoutDelivery(record, d, next, truncate(err.Error(), 500)); rerr != nil {
		log.Warn("back-channel logout: could not reschedule; the lease will", "err", rerr)
	}
	w.Results.Retried.Add(1)
	log.Info("back-channel logout: failed; will retry", "err", err, "next", next)
}

func (w *Worker) finish(ctx context.Context, log *slog.Logger, d store.LogoutDelivery, result *atomic.Uint64) {
	if err := w.Queue.FinishLogoutDelivery(ctx, d); err != nil {
		log.Warn("back-channel logout: could not remove a finished delivery; it may be sent again", "err", err)
	}
	result.Add(1)
}

// Backoff is the wait after the attempt-th failed attempt.
func Backoff(attempt int) time.Duration {
	d := firstBackoff
	for i := 1; i < attempt && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// Claims are a logout token's claims (section 2.4): no nonce, ever.
type Claims struct {
	Iss    string                    `json:"iss"`
	Sub    string                    `json:"sub"`
	Aud    string                    `json:"aud"`
	Iat    int64                     `json:"iat"`
	Exp    int64                     `json:"exp"`
	JTI    string                    `json:"jti"`
	SID    string                    `json:"sid,omitempty"`
	Events map[string]map[string]any `json:"events"`
}

// Token signs the logout token for d with a key of the app's ID token
// algorithm, typ "logout+jwt" (section 2.4's recommendation), so that the
// app verifies it as it verifies the app's ID tokens.
func (w *Worker) Token(ctx context.Context, c store.Client, d store.LogoutDelivery) (string, error) {
	now := w.Now()
	claims := Claims{Iss: w.Issuer, Sub: d.UserID, Aud: c.ID, Iat: now.Unix(), Exp: now.Add(TokenTTL).Unix(),
		JTI: rand.Text(), SID: d.SID, Events: map[string]map[string]any{Event: {}}}
	return w.Signer.SignWith(ctx, c.IDTokenAlg, "logout+jwt", func(string) any { return claims })
}

// send posts the token (section 2.5) and succeeds on any 2xx: the spec
// asks for 200, and some frameworks answer 204.
func (w *Worker) send(ctx context.Context, c store.Client, d store.LogoutDelivery) error {
	tok, err := w.Token(ctx, c, d)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BackChannelLogoutURI,
		strings.NewReader(url.Values{"logout_token": {tok}}.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cache-Control", "no-store")
	resp, err := w.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("the app answered %s: %s", resp.Status, truncate(strings.TrimSpace(string(body)), 200))
	}
	return nil
}

// truncate shortens s to at most n bytes, on a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
