package sqlstore

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pressly/goose/v3"

	"github.com/sesameauth/sesame/internal/store"
)

// dialect holds the few things that differ between SQLite and PostgreSQL.
// Queries are written once with PostgreSQL's numbered placeholders ($1, $2);
// SQLite accepts the same numbering as ?1, ?2, so rebinding is a character
// swap, not a translation. Upserts (INSERT ... ON CONFLICT ... DO UPDATE) and
// RETURNING have the same syntax in both dialects and need no entry here.
type dialect struct {
	name  string        // "sqlite" or "postgres"
	goose goose.Dialect // migration dialect
	dir   string        // migrations subdirectory
	// forUpdate is appended to a SELECT that reads a row the transaction will
	// then write back (compare-and-swap). SQLite needs nothing: every write
	// transaction begins IMMEDIATE and so already holds the write lock.
	forUpdate string
	// uniqueViolation and unavailable classify driver errors.
	uniqueViolation func(error) bool
	unavailable     func(error) bool
}

// q adapts a query written with $N placeholders to the dialect.
func (d *dialect) q(query string) string {
	if d.name == "sqlite" {
		return strings.ReplaceAll(query, "$", "?")
	}
	return query
}

// mapErr turns driver errors into the store's sentinel errors: unique
// violations become store.ErrAlreadyExists, connection-level failures wrap
// store.ErrUnavailable. Other errors pass through unchanged.
func (d *dialect) mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrAlreadyExists),
		errors.Is(err, store.ErrReplayed), errors.Is(err, store.ErrUnavailable):
		return err
	case d.uniqueViolation(err):
		return store.ErrAlreadyExists
	case d.unavailable(err):
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}
