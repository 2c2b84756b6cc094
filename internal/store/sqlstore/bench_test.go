package sqlstore

import (
	"crypto/rand"
	"database/sql"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

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
				return store.CodeIssue{AccessToken: benchAccess(g, n), RefreshToken: &rt}, nil
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
				return store.RefreshIssue{AccessToken: benchAccess(g, n), Rotate: &next}, nil
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
				s = &Store{d: s.d, w: s.w, r: s.w}
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

// benchUsers stores n users, one created per millisecond, in one
// transaction, with usernames user000000, user000001, ...
func benchUsers(b *testing.B, s *Store, n int) {
	ctx := b.Context()
	t0 := time.Now().Add(-time.Duration(n) * time.Millisecond)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for i := range n {
			u := store.User{ID: rand.Text(), Username: fmt.Sprintf("user%06d", i), Email: fmt.Sprintf("user%06d@example.com", i),
				Name: fmt.Sprintf("User %d", i), CreatedAt: t0.Add(time.Duration(i) * time.Millisecond)}
			if _, err := s.txExec(ctx, tx, `INSERT INTO users (`+userCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
				userArgs(u)...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkListUsersPage: page 500 (rows 9,981 to 10,000) of 100,000
// users with its total, and a case-insensitive prefix search on every
// searchable field (one match, so it scans and counts the whole table).
func BenchmarkListUsersPage(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *Store) {
		benchUsers(b, s, 100_000)
		for _, c := range []struct {
			name string
			q    store.ListQuery
			n    int
		}{
			{"page500", store.ListQuery{Page: 500, PageSize: 20}, 20},
			{"prefix", store.ListQuery{Search: "user04242", Match: store.MatchPrefix}, 10},
			{"prefixUsername", store.ListQuery{Search: "user042424", Match: store.MatchPrefix, Fields: []store.SearchField{store.FieldUsername}}, 1},
		} {
			b.Run(c.name, func(b *testing.B) {
				for b.Loop() {
					page, total, err := s.ListUsersPage(b.Context(), c.q)
					if err != nil || len(page) != c.n {
						b.Fatalf("%d users (total %d): %v", len(page), total, err)
					}
				}
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
