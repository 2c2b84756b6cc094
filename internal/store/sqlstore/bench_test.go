package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/opaque"
	"github.com/sesameauth/sesame/internal/store"
)

// Run with: go test -run '^$' -bench . -count 5 ./internal/store/sqlstore
// (set SESAME_TEST_POSTGRES_DSN for the postgres variants).

func benchBackends(b *testing.B, fn func(b *testing.B, s *Store)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, openSQLiteT(b, b.TempDir())) })
	b.Run("postgres", func(b *testing.B) { fn(b, openPostgresT(b, pgSchema(b))) })
}

func benchHash() []byte {
	h := make([]byte, 32)
	rand.Read(h)
	return h
}

// benchGrant stores a client, a user and a grant and returns the grant.
func benchGrant(b *testing.B, s *Store) store.Grant {
	ctx := b.Context()
	n := time.Now()
	g := store.Grant{ID: rand.Text(), ClientID: "c", UserID: "u", SID: "sid", Scopes: []string{"openid", "offline_access"},
		Resources: []string{"https://api.example"}, AuthTime: n, CreatedAt: n, ExpiresAt: n.Add(24 * time.Hour)}
	if err := s.CreateClient(ctx, store.Client{ID: "c", Name: "c", Type: store.AppTraditional,
		Secrets:      []store.ClientSecret{{Name: store.SecretDefault, Hash: benchHash()}, {Name: "ci", Hash: benchHash()}},
		RedirectURIs: []string{"https://app.example/cb"}, CreatedAt: n}); err != nil {
		b.Fatal(err)
	}
	if err := s.CreateUser(ctx, store.User{ID: "u", Username: "u", CreatedAt: n}); err != nil {
		b.Fatal(err)
	}
	if err := s.CreateGrant(ctx, g); err != nil {
		b.Fatal(err)
	}
	return g
}

func benchAccess(g store.Grant, n time.Time) store.AccessToken {
	return store.AccessToken{Hash: benchHash(), GrantID: g.ID, ClientID: g.ClientID, UserID: g.UserID,
		Scopes: g.Scopes, Audience: "https://api.example", CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
}

func benchRefresh(g store.Grant, n time.Time) store.RefreshToken {
	return store.RefreshToken{Hash: benchHash(), GrantID: g.ID, ClientID: g.ClientID, UserID: g.UserID,
		Scopes: g.Scopes, Resources: g.Resources, CreatedAt: n, ExpiresAt: n.Add(24 * time.Hour)}
}

// BenchmarkRedeemCode: consume a code and issue an access and a refresh
// token in one transaction (the authorization_code grant).
func BenchmarkRedeemCode(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *Store) {
		ctx := b.Context()
		g := benchGrant(b, s)
		n := time.Now()
		codes := make([][]byte, b.N)
		for i := range codes {
			codes[i] = benchHash()
			if err := s.CreateCode(ctx, store.AuthCode{Hash: codes[i], GrantID: g.ID, ClientID: g.ClientID, UserID: g.UserID,
				SID: g.SID, RedirectURI: "https://app.example/cb", Scopes: g.Scopes, Resources: g.Resources,
				CodeChallenge: "x", CodeChallengeMethod: "S256", AuthTime: n, CreatedAt: n, ExpiresAt: n.Add(time.Hour)}); err != nil {
				b.Fatal(err)
			}
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			rt := benchRefresh(g, n)
			if _, err := s.RedeemCode(ctx, codes[i], n, func(store.AuthCode) (store.CodeIssue, error) {
				return store.CodeIssue{AccessToken: ptr(benchAccess(g, n)), RefreshToken: &rt}, nil
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkUseRefreshToken: the refresh_token grant with rotation.
func BenchmarkUseRefreshToken(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *Store) {
		ctx := b.Context()
		g := benchGrant(b, s)
		n := time.Now()
		cur := benchRefresh(g, n)
		if err := s.insertRefreshToken(ctx, s.w, cur); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			next := benchRefresh(g, n)
			if _, err := s.UseRefreshToken(ctx, cur.Hash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
				return store.RefreshIssue{AccessToken: ptr(benchAccess(g, n)), Rotate: &next}, nil
			}); err != nil {
				b.Fatal(err)
			}
			cur = next
		}
	})
}

// BenchmarkCreateAccessToken: one insert (client_credentials, JWT jti
// records).
func BenchmarkCreateAccessToken(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *Store) {
		ctx := b.Context()
		g := benchGrant(b, s)
		n := time.Now()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := s.CreateAccessToken(ctx, benchAccess(g, n)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSQLiteMixedParallel measures the SQLite pool layout under a
// parallel load of 90% reads (GetAccessToken) and 10% writes
// (CreateAccessToken): "split" is the shipped layout (one writer connection
// plus a reader pool), "single" routes everything through the one writer
// connection (SetMaxOpenConns(1) for the whole store).
func BenchmarkSQLiteMixedParallel(b *testing.B) {
	for _, layout := range []string{"split", "single"} {
		b.Run(layout, func(b *testing.B) {
			s := openSQLiteT(b, b.TempDir())
			if layout == "single" {
				s = &Store{d: s.d, w: s.w, r: s.w, wq: s.wq, rq: s.wq, caches: s.caches}
			}
			ctx := b.Context()
			g := benchGrant(b, s)
			n := time.Now()
			hashes := make([][]byte, 1000)
			for i := range hashes {
				at := benchAccess(g, n)
				hashes[i] = at.Hash
				if err := s.CreateAccessToken(ctx, at); err != nil {
					b.Fatal(err)
				}
			}
			var ctr atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := ctr.Add(1)
					var err error
					if i%10 == 0 {
						err = s.CreateAccessToken(ctx, benchAccess(g, n))
					} else {
						_, err = s.GetAccessToken(ctx, hashes[i%int64(len(hashes))], n)
					}
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// benchUsers stores n users, one created per millisecond, with usernames
// user000000, user000001, ... It inserts many rows per statement with one
// fixed dummy password hash: seeding 100,000 users through CreateUser and
// argon2 would take far longer than the measurements. Statistics are then
// refreshed, as autovacuum (PostgreSQL) or the periodic optimize (SQLite)
// would on a live directory.
func benchUsers(b *testing.B, s *Store, n int) {
	ctx := b.Context()
	t0 := time.Now().Add(-time.Duration(n) * time.Millisecond)
	const batch = 500
	const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for start := 0; start < n; start += batch {
			var sb strings.Builder
			sb.WriteString(`INSERT INTO users (` + userCols + `) VALUES `)
			var args []any
			for i := start; i < min(start+batch, n); i++ {
				u := store.User{ID: rand.Text(), Username: fmt.Sprintf("user%06d", i), Email: fmt.Sprintf("user%06d@example.com", i),
					Name: fmt.Sprintf("User %d", i), PasswordHash: dummyHash, CreatedAt: t0.Add(time.Duration(i) * time.Millisecond)}
				ua, err := userArgs(u)
				if err != nil {
					return err
				}
				if i > start {
					sb.WriteString(", ")
				}
				sb.WriteString("(")
				for j := range ua {
					if j > 0 {
						sb.WriteString(", ")
					}
					fmt.Fprintf(&sb, "$%d", len(args)+j+1)
				}
				sb.WriteString(")")
				args = append(args, ua...)
			}
			if _, err := tx.ExecContext(ctx, s.d.q(sb.String()), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	analyze := "ANALYZE"
	if s.d.name != "sqlite" {
		analyze = "VACUUM ANALYZE users"
	}
	if _, err := s.w.ExecContext(ctx, analyze); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkListUsersPage: the admin list at 100,000 users. Each case
// reports its median and 99th percentile (p50-ms, p99-ms) besides ns/op.
// Every call also counts its total, so "count" (a page past the end,
// which reads nothing else) is the cost of the total alone.
func BenchmarkListUsersPage(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *Store) {
		benchUsers(b, s, 100_000)
		user := []store.SearchField{store.FieldUsername}
		for _, c := range []struct {
			name string
			q    store.ListQuery
			n    int
		}{
			{"page1", store.ListQuery{PageSize: 100, NewestFirst: true}, 100},
			{"page500", store.ListQuery{Page: 500, PageSize: 100, NewestFirst: true}, 100},
			{"page1000", store.ListQuery{Page: 1000, PageSize: 100, NewestFirst: true}, 100},
			{"count", store.ListQuery{Page: 1 << 30, PageSize: 100}, 0},
			{"prefix", store.ListQuery{Search: "user04242", Match: store.MatchPrefix, PageSize: 100, NewestFirst: true}, 10},
			{"prefixWide", store.ListQuery{Search: "user01", Match: store.MatchPrefix, PageSize: 100, NewestFirst: true}, 100},
			{"prefixName", store.ListQuery{Search: "User 4242", Match: store.MatchPrefix, Fields: []store.SearchField{store.FieldName}, PageSize: 100, NewestFirst: true}, 11},
			{"prefixUsername", store.ListQuery{Search: "USER042424", Match: store.MatchPrefix, Fields: user, PageSize: 100}, 1},
			{"exactEmail", store.ListQuery{Search: "user042424@example.com", Match: store.MatchExact, PageSize: 100}, 1},
			// 0 never occurs in an ID (base32: A–Z, 2–7), so no random ID matches too.
			{"contains", store.ListQuery{Search: "042424", PageSize: 100, NewestFirst: true}, 1},
		} {
			b.Run(c.name, func(b *testing.B) {
				var ds []time.Duration
				for b.Loop() {
					t := time.Now()
					page, total, err := s.ListUsersPage(b.Context(), c.q)
					ds = append(ds, time.Since(t))
					if err != nil || len(page) != c.n {
						b.Fatalf("%d users (total %d): %v", len(page), total, err)
					}
				}
				slices.Sort(ds)
				ms := func(p float64) float64 { return float64(ds[int(p*float64(len(ds)-1))]) / 1e6 }
				b.ReportMetric(ms(0.5), "p50-ms")
				b.ReportMetric(ms(0.99), "p99-ms")
			})
		}
	})
}

// BenchmarkGetClient: read one app with its secrets (client authentication
// on every token request), one query.
func BenchmarkGetClient(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *Store) {
		ctx := b.Context()
		benchGrant(b, s)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			c, err := s.GetClient(ctx, "c")
			if err != nil || len(c.Secrets) != 2 {
				b.Fatal(c, err)
			}
		}
	})
}

func ptr[T any](v T) *T { return &v }

// BenchmarkAppendAuditGrowth: the audit writer's batch of 100 token
// entries on an empty log and on one of SESAME_BENCH_AUDIT_ROWS (default
// 300,000) entries: appending must not cost more as the log grows.
func BenchmarkAppendAuditGrowth(b *testing.B) {
	rows := 300_000
	if n, err := strconv.Atoi(os.Getenv("SESAME_BENCH_AUDIT_ROWS")); err == nil && n > 0 {
		rows = n
	}
	batch := func(n time.Time) []store.AuditEntry {
		es := make([]store.AuditEntry, 100)
		for i := range es {
			es[i] = store.AuditEntry{ID: opaque.NewTimeID(n), Key: "ExchangeTokenBy.ClientCredentials", Result: "Success",
				ApplicationID: "m2m-app", IP: "127.0.0.1", UserAgent: "Go-http-client/1.1", CreatedAt: n}
		}
		return es
	}
	for _, prefill := range []int{0, rows} {
		b.Run(fmt.Sprintf("rows=%d", prefill), func(b *testing.B) {
			s := openSQLiteT(b, b.TempDir())
			ctx := b.Context()
			for i := 0; i < prefill; i += 100 {
				if err := s.AppendAudit(ctx, batch(time.Now())...); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				if err := s.AppendAudit(ctx, batch(time.Now())...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
