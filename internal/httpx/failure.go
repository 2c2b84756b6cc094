package httpx

import (
	"context"
	"errors"
	"log/slog"
)

// LogFailure logs a request that failed with err: at ERROR, unless the
// client went away (its request context was canceled, and err is that or
// follows from it), which is no fault of the server and is logged at
// DEBUG. Every load run ends with clients closing their connections.
func LogFailure(ctx context.Context, log *slog.Logger, msg string, err error, args ...any) {
	level := slog.LevelError
	if ClientGone(ctx, err) {
		level = slog.LevelDebug
	}
	log.Log(ctx, level, msg, append(args, "err", err)...)
}

// ClientGone reports whether err is the client's going away: the request's
// context was canceled, or err is context.Canceled.
func ClientGone(ctx context.Context, err error) bool {
	return errors.Is(ctx.Err(), context.Canceled) || errors.Is(err, context.Canceled)
}
