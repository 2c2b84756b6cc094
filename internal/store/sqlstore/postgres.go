package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
)

// This is the only file that imports the PostgreSQL driver.

var postgresDialect = &dialect{
	name:            "postgres",
	goose:           goose.DialectPostgres,
	dir:             "migrations/postgres",
	forUpdate:       " FOR UPDATE",
	uniqueViolation: pgUnique,
	unavailable:     pgUnavailable,
}

const postgresDriver = "pgx"

// DefaultConnectTimeout bounds each PostgreSQL connection attempt when the
// URL sets no connect_timeout. Without it pgx waits for the operating
// system's TCP timeout (minutes) when the database host is unreachable, and
// requests hang instead of answering 503 (catalogue FT-04).
const DefaultConnectTimeout = 3 // seconds

// postgresDSN adds connect_timeout=DefaultConnectTimeout to a postgres://
// URL that has none.
func postgresDSN(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s // pgx reports the parse error
	}
	q := u.Query()
	if q.Get("connect_timeout") != "" {
		return s
	}
	q.Set("connect_timeout", fmt.Sprint(DefaultConnectTimeout))
	u.RawQuery = q.Encode()
	return u.String()
}

func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

func pgUnique(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

func pgUnavailable(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exception. 57P01..57P03: admin/crash
		// shutdown, cannot connect now. 53300: too many connections.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" ||
			pe.Code == "57P03" || pe.Code == "53300"
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		// The caller's deadline, not the database's; connect timeouts
		// arrive as *pgconn.ConnectError above.
		return false
	}
	var ne net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &ne)
}
