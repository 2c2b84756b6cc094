package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/store"
)

// indexedSearches are the searches that must not read every user
// (migration 00011): case-insensitive prefix and exact, on every field.
var indexedSearches = []store.ListQuery{
	{Search: "ab%_\\", Match: store.MatchPrefix},
	{Search: "ab", Match: store.MatchPrefix, Fields: []store.SearchField{store.FieldName}},
	{Search: "ab@example.com", Match: store.MatchExact},
}

// planOf returns the plan of the count a search runs.
func planOf(t *testing.T, s *Store, q store.ListQuery, explain string) string {
	t.Helper()
	where, args, err := searchWhere(s.d, userList, q)
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	err = s.inTx(t.Context(), func(_ context.Context, tx *sql.Tx) error {
		if s.d.name != "sqlite" {
			// A tiny table is cheaper to scan: forbid it, so a plan
			// that still scans proves the index cannot serve.
			if _, err := tx.ExecContext(t.Context(), `SET LOCAL enable_seqscan = off`); err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(t.Context(), s.d.q(explain+` SELECT count(*) FROM users`+where), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				if str, ok := v.(string); ok {
					plan = append(plan, str)
				}
			}
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

func TestSearchUsesIndexesSQLite(t *testing.T) {
	s := openSQLiteT(t, t.TempDir())
	for _, q := range indexedSearches {
		plan := planOf(t, s, q, `EXPLAIN QUERY PLAN`)
		if strings.Contains(plan, "SCAN users") || !strings.Contains(plan, "users_lower_") {
			t.Errorf("%+v reads every user:\n%s", q, plan)
		}
	}
}

func TestSearchUsesIndexesPostgres(t *testing.T) {
	s := openPostgresT(t, pgSchema(t))
	for _, q := range indexedSearches {
		plan := planOf(t, s, q, `EXPLAIN`)
		if strings.Contains(plan, "Seq Scan") || !strings.Contains(plan, "users_lower_") {
			t.Errorf("%+v reads every user:\n%s", q, plan)
		}
	}
}
