package sqlstore

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// TestTransactionStatementsPrepared: the statements a transaction runs on
// SQLite become the writer pool's prepared statements, which later
// transactions reuse instead of parsing the SQL again; preparing one must
// not wait for the writer connection the transaction holds (that would
// deadlock on the pool's only connection).
func TestTransactionStatementsPrepared(t *testing.T) {
	s := openSQLiteT(t, t.TempDir())
	if _, err := s.w.ExecContext(t.Context(), `CREATE TABLE tx_stmt_test (k TEXT PRIMARY KEY, n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	const insert = `INSERT INTO tx_stmt_test (k, n) VALUES ($1, $2)`
	write := func(k string, n int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
			if _, err := s.txExec(ctx, tx, insert, k, n); err != nil {
				return err
			}
			_, err := s.txExec(ctx, tx, `UPDATE tx_stmt_test SET n = n + 1 WHERE k = $1`, k)
			return err
		})
		if err != nil {
			t.Fatalf("transaction %s: %v", k, err)
		}
	}
	write("a", 1)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := s.wc.m.Load(s.d.q(insert)); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the transaction's INSERT was never prepared")
		}
		time.Sleep(5 * time.Millisecond)
	}
	write("b", 10) // with the prepared statements
	write("c", 20)
	for k, want := range map[string]int{"a": 2, "b": 11, "c": 21} {
		var n int
		if err := s.r.QueryRowContext(t.Context(), `SELECT n FROM tx_stmt_test WHERE k = ?`, k).Scan(&n); err != nil || n != want {
			t.Errorf("%s: n = %d (%v), want %d", k, n, err, want)
		}
	}
}
