package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache prepares each query once per pool and reuses the statement.
// modernc's SQLite driver parses the SQL of every unprepared call again,
// which profiling showed as 15–20 % of a token request; database/sql keeps
// the statement valid across the pool's connections. (pgx caches prepared
// statements itself, so PostgreSQL does not use this.) The set of queries
// is fixed by the code, so the cache is bounded.
type stmtCache struct {
	db *sql.DB
	m  sync.Map // query → *sql.Stmt
	// preparing holds the queries a transaction met before they were
	// prepared (prepared): being prepared in the background.
	preparing sync.Map // query → struct{}
}

func (c *stmtCache) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if v, ok := c.m.Load(query); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if v, loaded := c.m.LoadOrStore(query, st); loaded {
		st.Close()
		return v.(*sql.Stmt), nil
	}
	return st, nil
}

func (c *stmtCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (c *stmtCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (c *stmtCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := c.stmt(ctx, query)
	if err != nil {
		// *sql.Row cannot be built with an error; the unprepared call
		// reports the same failure.
		return c.db.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// prepared returns the pool's statement for query if it has been
// prepared. If not, it has it prepared in the background and returns nil.
// A transaction cannot prepare it itself: preparing on the pool needs a
// connection, and the writer pool's only one is the transaction's, so the
// preparation waits for the transaction to end.
func (c *stmtCache) prepared(query string) *sql.Stmt {
	if v, ok := c.m.Load(query); ok {
		return v.(*sql.Stmt)
	}
	if _, busy := c.preparing.LoadOrStore(query, struct{}{}); !busy {
		go func() {
			// An error needs no report: the transaction ran the query
			// unprepared and met the same one, and a later use tries again.
			_, _ = c.stmt(context.Background(), query)
			c.preparing.Delete(query)
		}()
	}
	return nil
}

// txStatements runs a transaction's statements with the pool's prepared
// statements, as stmtCache does for single statements: modernc parses the
// SQL of every unprepared call, a fifth of the CPU of a transaction that
// writes a few rows. A statement not prepared yet runs unprepared once.
type txStatements struct {
	tx *sql.Tx
	c  *stmtCache
}

func (t txStatements) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.c.prepared(query); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t txStatements) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.c.prepared(query); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t txStatements) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.c.prepared(query); st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

func (c *stmtCache) close() {
	c.m.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
}
