package configcache_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/configcache"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
	"github.com/sesameauth/sesame/internal/testkit"
)

// replicas opens the same database twice: the first handle cached, as a
// replica serves it, the second plain, as the CLI or another replica
// writes it.
type replicas func(t *testing.T) (cached *configcache.Store, other store.Store)

func open(t testing.TB, opts sqlstore.Options) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(t.Context(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func sqlite(t *testing.T) (*configcache.Store, store.Store) {
	dir := t.TempDir()
	a := open(t, sqlstore.Options{DataDir: dir})
	return configcache.New(a, 0), open(t, sqlstore.Options{DataDir: dir})
}

func postgres(t *testing.T) (*configcache.Store, store.Store) {
	dsn := testkit.NewSchema(t, testkit.PostgresDSN(t), "sesame_cache_")
	a := open(t, sqlstore.Options{DatabaseURL: dsn})
	return configcache.New(a, 0), open(t, sqlstore.Options{DatabaseURL: dsn})
}

func bothDialects(t *testing.T, f func(t *testing.T, open replicas)) {
	t.Run("sqlite", func(t *testing.T) { f(t, sqlite) })
	t.Run("postgres", func(t *testing.T) { f(t, postgres) })
}

const api = "https://api.example"

var t0 = time.Unix(1700000000, 0)

// seed registers api (read, write), an M2M app "m2m" with a role granting
// read, and a SPA "spa".
func seed(t *testing.T, s store.Store) {
	t.Helper()
	ctx := t.Context()
	must(t, s.CreateResource(ctx, store.Resource{ID: "res", Indicator: api, Name: "API", Scopes: []string{"read", "write"},
		AccessTokenTTL: time.Hour, CreatedAt: t0}))
	must(t, s.CreateClientWithRole(ctx, store.Client{ID: "m2m", Name: "job", Type: store.AppM2M, CreatedAt: t0,
		Secrets: []store.ClientSecret{{Name: store.SecretDefault, Hash: []byte("h1"), CreatedAt: t0}}},
		store.Role{ID: "role", Name: "job role", Type: store.RoleM2M, CreatedAt: t0,
			Permissions: []store.Permission{{Resource: api, Scope: "read"}}}))
	must(t, s.CreateClient(ctx, store.Client{ID: "spa", Name: "web", Type: store.AppSPA, CreatedAt: t0,
		RedirectURIs: []string{"https://web.example/cb"}}))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestChangeOnAnotherHandle: every kind of change made through a second
// handle (another replica, the CLI) is seen by the next read of the
// cached one, while unchanged configuration is served from memory.
func TestChangeOnAnotherHandle(t *testing.T) {
	bothDialects(t, func(t *testing.T, open replicas) {
		c, other := open(t)
		ctx := t.Context()
		seed(t, other)

		read := func() string {
			t.Helper()
			var b strings.Builder
			if cl, err := c.GetClient(ctx, "m2m"); err != nil {
				fmt.Fprintf(&b, "m2m:%v ", err)
			} else {
				var secrets []string
				for _, s := range cl.Secrets {
					secrets = append(secrets, s.Name+"="+string(s.Hash))
				}
				fmt.Fprintf(&b, "m2m:%s %v revoked=%v ", cl.Name, secrets, cl.TokensRevokedBefore.UnixNano())
			}
			if cl, err := c.GetClient(ctx, "spa"); err != nil {
				fmt.Fprintf(&b, "spa:%v ", err)
			} else {
				fmt.Fprintf(&b, "spa:%s %v %v ", cl.Name, cl.RedirectURIs, cl.CORSOrigins)
			}
			if r, err := c.GetResourceByIndicator(ctx, api); err != nil {
				fmt.Fprintf(&b, "res:%v ", err)
			} else {
				fmt.Fprintf(&b, "res:%s %v %v ", r.Name, r.Scopes, r.AccessTokenTTL)
			}
			p, err := c.ClientPermissions(ctx, "m2m")
			fmt.Fprintf(&b, "perms:%v %v ", p, err)
			x, err := c.GetSignInExperience(ctx)
			fmt.Fprintf(&b, "settings:%s %v", x.Doc, err)
			return b.String()
		}
		// direct is what the database holds, read through the plain handle.
		direct := func() string {
			t.Helper()
			d := configcache.New(noVersion{other}, 0) // reads through every time
			saved := c
			c = d
			defer func() { c = saved }()
			return read()
		}

		first := read()
		h0, _ := c.Stats()
		if second := read(); second != first {
			t.Fatalf("unchanged configuration read differently:\n%s\n%s", first, second)
		}
		if h1, _ := c.Stats(); h1-h0 != 5 {
			t.Fatalf("second read: %d hits, want 5 (served from memory)", h1-h0)
		}

		changes := []struct {
			name string
			do   func() error
		}{
			{"UpdateClient", func() error {
				_, err := other.UpdateClient(ctx, "m2m", func(x store.Client) (store.Client, error) { x.Name = "renamed"; return x, nil })
				return err
			}},
			{"SetClientCORSOrigins", func() error { return other.SetClientCORSOrigins(ctx, "spa", []string{"https://o.example"}) }},
			{"AddClientSecret", func() error {
				return other.AddClientSecret(ctx, "m2m", store.ClientSecret{Name: "extra", Hash: []byte("h2"), CreatedAt: t0.Add(time.Second)})
			}},
			{"RotateClientSecret", func() error {
				return other.RotateClientSecret(ctx, "m2m", store.ClientSecret{Name: store.SecretDefault, Hash: []byte("h3"), CreatedAt: t0.Add(2 * time.Second)}, t0.Add(time.Hour))
			}},
			{"DeleteClientSecret", func() error { return other.DeleteClientSecret(ctx, "m2m", "extra") }},
			{"UpdateResource", func() error {
				_, err := other.UpdateResource(ctx, store.Resource{ID: "res", Name: "API 2", AccessTokenTTL: time.Minute})
				return err
			}},
			{"CreateResourceScope", func() error {
				return other.CreateResourceScope(ctx, store.ResourceScope{ID: "sc-admin", ResourceID: "res", Name: "admin", CreatedAt: t0.Add(time.Hour)})
			}},
			{"SetRolePermissions", func() error {
				return other.SetRolePermissions(ctx, "role", []store.Permission{{Resource: api, Scope: "read"}, {Resource: api, Scope: "write"}}, t0.Add(time.Minute))
			}},
			{"AddRoleScopes", func() error { return other.AddRoleScopes(ctx, "role", []string{"sc-admin"}, t0.Add(2*time.Minute)) }},
			{"RemoveRoleScope", func() error { return other.RemoveRoleScope(ctx, "role", "sc-admin", t0.Add(3*time.Minute)) }},
			{"UnassignClientRole", func() error { return other.UnassignClientRole(ctx, "m2m", "role", t0.Add(4*time.Minute)) }},
			{"AssignClientRole", func() error { return other.AssignClientRole(ctx, "m2m", "role") }},
			{"PutSignInExperience", func() error { _, err := other.PutSignInExperience(ctx, []byte(`{"v":1}`), 0, t0); return err }},
			{"PutSignInExperience again", func() error { _, err := other.PutSignInExperience(ctx, []byte(`{"v":2}`), 1, t0); return err }},
			{"DeleteRole", func() error { return other.DeleteRole(ctx, "role", t0.Add(5*time.Minute)) }},
			{"DeleteClient", func() error { return other.DeleteClient(ctx, "spa") }},
			{"DeleteResource", func() error { return other.DeleteResource(ctx, "res") }},
			{"CreateClient", func() error {
				return other.CreateClient(ctx, store.Client{ID: "spa", Name: "back", Type: store.AppSPA, CreatedAt: t0})
			}},
		}
		prev := first
		for _, ch := range changes {
			read() // make sure the cache holds the state before the change
			if err := ch.do(); err != nil {
				t.Fatalf("%s: %v", ch.name, err)
			}
			got, want := read(), direct()
			if got != want {
				t.Errorf("after %s through another handle, the cached handle reads\n%s\nthe database holds\n%s", ch.name, got, want)
			}
			if got == prev {
				t.Errorf("%s changed nothing the test sees: %s", ch.name, got)
			}
			prev = got
		}
	})
}

// noVersion hides the version so that New's result always reads through.
type noVersion struct{ store.Store }

func (noVersion) ConfigVersion(context.Context) (int64, error) { return 0, errors.New("no version") }

// TestConcurrentReadersAndWriter: while another handle renames an app
// over and over, every read through the cached handle that starts after
// a rename committed sees that rename or a later one (run with -race).
func TestConcurrentReadersAndWriter(t *testing.T) {
	bothDialects(t, func(t *testing.T, open replicas) {
		c, other := open(t)
		ctx := t.Context()
		seed(t, other)
		var committed atomic.Int64 // the last rename known committed
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var failures atomic.Int64
		for r := range 4 {
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					min := committed.Load()
					rctx := ctx
					if (r+i)%2 == 0 {
						rctx = configcache.WithRequest(ctx) // a new request
					}
					cl, err := c.GetClient(rctx, "m2m")
					if err != nil {
						t.Errorf("GetClient: %v", err)
						return
					}
					n, _ := strconv.ParseInt(strings.TrimPrefix(cl.Name, "n"), 10, 64)
					if cl.Name != "job" && !strings.HasPrefix(cl.Name, "n") || n < min {
						if failures.Add(1) < 5 {
							t.Errorf("read began after rename n%d committed, saw %q", min, cl.Name)
						}
					}
				}
			})
		}
		for i := int64(1); i <= 40; i++ {
			name := "n" + strconv.FormatInt(i, 10)
			if _, err := other.UpdateClient(ctx, "m2m", func(x store.Client) (store.Client, error) { x.Name = name; return x, nil }); err != nil {
				t.Fatal(err)
			}
			committed.Store(i)
			time.Sleep(time.Millisecond)
		}
		close(stop)
		wg.Wait()
		if h, m := c.Stats(); h == 0 || m == 0 {
			t.Errorf("hits %d, misses %d: want both", h, m)
		}
	})
}

// TestBounded: unknown ids are remembered only up to the bound, and a
// miss for one does not push out the known apps' entries beyond it.
func TestBounded(t *testing.T) {
	c, other := sqlite(t)
	ctx := t.Context()
	seed(t, other)
	c = configcache.New(c.Unwrap(), 8)
	for i := range 100 {
		if _, err := c.GetClient(ctx, "nobody-"+strconv.Itoa(i)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown app: %v", err)
		}
	}
	if n := c.Len(); n > 8 {
		t.Fatalf("%d entries after 100 unknown ids, bound 8", n)
	}
	if _, err := c.GetClient(ctx, "m2m"); err != nil {
		t.Fatal(err)
	}
	h, _ := c.Stats()
	if _, err := c.GetClient(ctx, "nobody-99"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	if _, err := c.GetClient(ctx, "m2m"); err != nil {
		t.Fatal(err)
	}
	if h2, _ := c.Stats(); h2-h != 2 {
		t.Errorf("recent miss and known app: %d hits, want 2", h2-h)
	}
}

// TestCopies: changing a value a lookup returned does not change what
// the next lookup returns.
func TestCopies(t *testing.T) {
	c, other := sqlite(t)
	ctx := t.Context()
	seed(t, other)
	for range 2 {
		cl, err := c.GetClient(ctx, "spa")
		must(t, err)
		if !slices.Equal(cl.RedirectURIs, []string{"https://web.example/cb"}) {
			t.Fatalf("RedirectURIs = %v", cl.RedirectURIs)
		}
		cl.RedirectURIs[0] = "https://evil.example/"
		p, err := c.ClientPermissions(ctx, "m2m")
		must(t, err)
		if len(p) != 1 || p[0].Scope != "read" {
			t.Fatalf("permissions = %v", p)
		}
		p[0].Scope = "write"
	}
}

// TestConcurrentChanges: configuration changes from several handles at
// once all commit (on PostgreSQL the counter is locked last, at commit, so
// they cannot deadlock on it) and each moves the version.
func TestConcurrentChanges(t *testing.T) {
	bothDialects(t, func(t *testing.T, open replicas) {
		c, other := open(t)
		ctx := t.Context()
		seed(t, other)
		v0, err := c.Unwrap().ConfigVersion(ctx)
		must(t, err)
		const rounds = 15
		writers := []func(i int) error{
			func(i int) error {
				_, err := other.UpdateClient(ctx, "m2m", func(x store.Client) (store.Client, error) { x.Name = fmt.Sprint("m", i); return x, nil })
				return err
			},
			func(i int) error {
				_, err := c.UpdateResource(ctx, store.Resource{ID: "res", Name: fmt.Sprint("r", i), AccessTokenTTL: time.Hour})
				return err
			},
			func(i int) error {
				scopes := []string{"read", "write"}[:1+i%2]
				var perms []store.Permission
				for _, s := range scopes {
					perms = append(perms, store.Permission{Resource: api, Scope: s})
				}
				return other.SetRolePermissions(ctx, "role", perms, t0.Add(time.Duration(i)*time.Second))
			},
			func(i int) error {
				return c.SetClientCORSOrigins(ctx, "spa", []string{fmt.Sprintf("https://o%d.example", i)})
			},
		}
		var wg sync.WaitGroup
		for _, w := range writers {
			wg.Go(func() {
				for i := range rounds {
					if err := w(i); err != nil {
						t.Errorf("change %d: %v", i, err)
						return
					}
				}
			})
		}
		wg.Wait()
		v1, err := c.Unwrap().ConfigVersion(ctx)
		must(t, err)
		if n := int64(len(writers) * rounds); v1-v0 < n {
			t.Errorf("version moved %d for %d committed changes", v1-v0, n)
		}
	})
}
