package app_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/admin"
)

// BenchmarkManagementAPI100k: the Management API end to end (HTTP over
// loopback to the real server, a client_credentials bearer token checked
// by the gate on every call) with 100,000 users, on SQLite and PostgreSQL.
// Each case reports its median and 99th percentile (p50-ms, p99-ms).
// Run with
//
//	go test -run '^$' -bench ManagementAPI100k -benchtime 200x ./internal/app
//
// (set SESAME_TEST_POSTGRES_DSN for the postgres half). Figures: bench/README.md.
func BenchmarkManagementAPI100k(b *testing.B) {
	for _, db := range []string{"sqlite", "postgres"} {
		b.Run(db, func(b *testing.B) {
			var opts []envOption
			if db == "postgres" {
				opts = append(opts, onPostgres(b))
			}
			m := newMgmtWith(b, opts, nil)
			seedUsers(b, m.env, db, 100_000)
			tok := m.token(b, m.appID, m.secret, admin.APIIndicator(m.URL), admin.Scope)
			for _, c := range []struct{ name, path string }{
				{"page1", "/api/users?page=1&page_size=100"},
				{"page500", "/api/users?page=500&page_size=100"},
				{"page1000", "/api/users?page=1000&page_size=100"},
				{"prefix", "/api/users?" + url.Values{"search": {"user04242%"}, "mode": {"like"}}.Encode()},
				{"prefixWide", "/api/users?" + url.Values{"search": {"user01%"}, "mode": {"like"}}.Encode()},
				{"prefixUsername", "/api/users?" + url.Values{"search.username": {"user04242%"}}.Encode()},
				{"app", "/api/applications/" + m.appID},
			} {
				b.Run(c.name, func(b *testing.B) {
					var ds []time.Duration
					for b.Loop() {
						t := time.Now()
						st, _, raw := m.call(b, tok, http.MethodGet, c.path, nil)
						ds = append(ds, time.Since(t))
						if st != http.StatusOK {
							b.Fatalf("%s: %d %s", c.path, st, raw)
						}
						m.seen = nil // call keeps every body for the secret scans of the tests
					}
					slices.Sort(ds)
					ms := func(p float64) float64 { return float64(ds[int(p*float64(len(ds)-1))]) / 1e6 }
					b.ReportMetric(ms(0.5), "p50-ms")
					b.ReportMetric(ms(0.99), "p99-ms")
				})
			}
		})
	}
}

// seedUsers stores n users (user000000, user000001, …, one created per
// millisecond) in one INSERT … SELECT with one fixed dummy password hash:
// n users through the API and argon2 would take hours. Statistics are
// then refreshed, as autovacuum (PostgreSQL) or the periodic optimize
// (SQLite) would on a live directory.
func seedUsers(b *testing.B, e *env, dialect string, n int) {
	const hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"
	t0 := time.Now().Add(-time.Duration(n) * time.Millisecond).UnixNano()
	cols := `id, username, email, phone, name, picture, password_hash, suspended, created_at, updated_at, last_sign_in_at`
	var db *sql.DB
	var err error
	var stmt, analyze string
	if dialect == "sqlite" {
		db, err = sql.Open("sqlite", filepath.Join(e.DataDir, "sesame.db")+"?_pragma=busy_timeout(600000)")
		stmt = `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ?1 - 1)
INSERT INTO users (` + cols + `) SELECT printf('bench%06d', i), printf('user%06d', i), printf('user%06d@example.com', i),
'', 'User ' || i, '', ?2, 0, ?3 + i * 1000000, 0, 0 FROM s`
		analyze = "ANALYZE"
	} else {
		db, err = sql.Open("pgx", e.DBURL)
		stmt = `INSERT INTO users (` + cols + `) SELECT 'bench' || lpad(i::text, 6, '0'), 'user' || lpad(i::text, 6, '0'),
'user' || lpad(i::text, 6, '0') || '@example.com', '', 'User ' || i, '', $2, false, $3::bigint + i::bigint * 1000000, 0, 0
FROM generate_series(0, $1::int - 1) AS i`
		analyze = "VACUUM ANALYZE users"
	}
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(b.Context(), stmt, n, hash, t0); err != nil {
		b.Fatal(fmt.Errorf("seeding %d users: %w", n, err))
	}
	if _, err := db.ExecContext(b.Context(), analyze); err != nil {
		b.Fatal(err)
	}
}
