package sqlitetest

import (
	"context"
	"testing"

	"github.com/sesameauth/sesame/internal/store/sqlstore"
)

// Open opens a SQLite store in a fresh temporary directory of t, closed
// when t ends.
func Open(t testing.TB) *sqlstore.Store {
	t.Helper()
	// Not t.Context(): it is cancelled before the cleanups run.
	st, err := sqlstore.Open(context.Background(), sqlstore.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
