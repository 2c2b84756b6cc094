//go:build e2e

package scale

import (
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
)

// TestMigrateKilled runs `sesame migrate` on a fresh database and kills it
// with SIGKILL after a random 0–150 ms (before, during or after the
// migration transaction and goose's advisory lock), then runs migrate
// again: it must complete, and a third run must be a no-op. PostgreSQL and
// SQLite, 8 rounds each.
func TestMigrateKilled(t *testing.T) {
	for _, kind := range []string{"postgres", "sqlite"} {
		t.Run(kind, func(t *testing.T) {
			outcomes := map[string]int{}
			for round := 0; round < 8; round++ {
				var st []string
				if kind == "postgres" {
					_, dsn := newDatabase(t)
					st = []string{"--database-url", dsn}
				} else {
					st = []string{"--data", filepath.Join(t.TempDir(), "data")}
				}
				cli := scaleCLI(t, nil)
				p := e2etest.Start(t, "migrate", e2etest.Command(cli.Bin, cli.Env, append([]string{"migrate"}, st...)...))
				time.Sleep(time.Duration(rand.IntN(150)) * time.Millisecond)
				if p.Exited() {
					outcomes["finished before the kill"]++
				} else {
					p.Kill()
					outcomes["killed"]++
				}
				ch := make(chan error, 1)
				go func() { _, err := cli.RunErr(append([]string{"migrate"}, st...)...); ch <- err }()
				select {
				case err := <-ch:
					if err != nil {
						t.Fatalf("round %d: migrate after kill -9: %v", round, err)
					}
				case <-time.After(30 * time.Second):
					t.Fatalf("round %d: migrate after kill -9 hangs (stale lock?)", round)
				}
				out := sesameCLI(t, append([]string{"migrate"}, st...)...)
				if !strings.Contains(string(out), "up to date") {
					t.Fatalf("round %d: third migrate: %q", round, out)
				}
				// The schema is whole: a CLI command that uses every table
				// family works.
				sesameCLI(t, append([]string{"apps", "create", "--name", "x", "--type", "m2m"}, st...)...)
				sesameCLI(t, append([]string{"keys", "rotate"}, st...)...)
			}
			t.Logf("%v", outcomes)
		})
	}
}

// TestSQLiteCommandsTogether starts four sesame processes at once on a
// fresh SQLite data directory (a script creating users in parallel, or
// `migrate` beside a starting `serve`): the migration lock in the data
// directory lets one migrate while the others wait, so all succeed.
func TestSQLiteCommandsTogether(t *testing.T) {
	bin := e2etest.SesameBinary(t)
	for round := range 3 {
		dir := filepath.Join(t.TempDir(), "data")
		outs := make([][]byte, 4)
		errs := make([]error, 4)
		var wg sync.WaitGroup
		for i := range outs {
			wg.Go(func() {
				outs[i], errs[i] = exec.Command(bin, "users", "create", "--data", dir,
					"--username", fmt.Sprintf("together%d", i), "--password", "long enough password").CombinedOutput()
			})
		}
		wg.Wait()
		for i := range outs {
			if errs[i] != nil {
				t.Errorf("round %d, process %d: %v: %s", round, i, errs[i], outs[i])
			}
		}
		list, err := exec.Command(bin, "users", "list", "--data", dir).CombinedOutput()
		if err != nil || strings.Count(string(list), "together") != 4 {
			t.Fatalf("round %d: users list (%v): %s", round, err, list)
		}
	}
}
