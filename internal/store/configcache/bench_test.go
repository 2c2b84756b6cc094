package configcache_test

import (
	"context"
	"testing"

	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/configcache"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
	"github.com/sesameauth/sesame/internal/testkit"
)

// BenchmarkTokenLookups: the configuration a client_credentials token
// reads (the app with its secrets, the resource, the app's permissions),
// straight from the database, through the cache with one counter read per
// lookup, and through the cache with one counter read per request.
func BenchmarkTokenLookups(b *testing.B) {
	for _, db := range []string{"sqlite", "postgres"} {
		b.Run(db, func(b *testing.B) {
			opts := sqlstore.Options{DataDir: b.TempDir()}
			if db == "postgres" {
				opts = sqlstore.Options{DatabaseURL: testkit.NewSchema(b, testkit.PostgresDSN(b), "sesame_cache_bench_")}
			}
			raw := open(b, opts)
			seedB(b, raw)
			cached := configcache.New(raw, 0)
			lookups := func(b *testing.B, s store.Store, ctx context.Context) {
				if _, err := s.GetClient(ctx, "m2m"); err != nil {
					b.Fatal(err)
				}
				if _, err := s.GetResourceByIndicator(ctx, api); err != nil {
					b.Fatal(err)
				}
				if _, err := s.ClientPermissions(ctx, "m2m"); err != nil {
					b.Fatal(err)
				}
			}
			b.Run("uncached", func(b *testing.B) {
				for b.Loop() {
					lookups(b, raw, b.Context())
				}
			})
			b.Run("per-lookup", func(b *testing.B) {
				for b.Loop() {
					lookups(b, cached, b.Context())
				}
			})
			b.Run("per-request", func(b *testing.B) {
				for b.Loop() {
					lookups(b, cached, configcache.WithRequest(b.Context()))
				}
			})
			b.Run("per-request-parallel", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						lookups(b, cached, configcache.WithRequest(context.Background()))
					}
				})
			})
		})
	}
}

func seedB(b *testing.B, s store.Store) {
	ctx := b.Context()
	for _, err := range []error{
		s.CreateResource(ctx, store.Resource{ID: "res", Indicator: api, Name: "API", Scopes: []string{"read", "write"}, CreatedAt: t0}),
		s.CreateClientWithRole(ctx, store.Client{ID: "m2m", Name: "job", Type: store.AppM2M, CreatedAt: t0,
			Secrets: []store.ClientSecret{{Name: store.SecretDefault, Hash: []byte("h1"), CreatedAt: t0}}},
			store.Role{ID: "role", Name: "job role", Type: store.RoleM2M, CreatedAt: t0,
				Permissions: []store.Permission{{Resource: api, Scope: "read"}}}),
	} {
		if err != nil {
			b.Fatal(err)
		}
	}
}
