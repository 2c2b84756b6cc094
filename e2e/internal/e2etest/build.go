//go:build e2e

package e2etest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var builds struct {
	mu   sync.Mutex
	dir  string
	bins map[string]*build
}

type build struct {
	once sync.Once
	path string
	err  error
}

// Main runs the tests (call it from TestMain) and then removes the binaries
// that Binary built.
func Main(m *testing.M) {
	code := m.Run()
	builds.mu.Lock()
	if builds.dir != "" {
		os.RemoveAll(builds.dir)
	}
	builds.mu.Unlock()
	os.Exit(code)
}

// Binary builds the main package pkg (a path relative to the repository
// root, e.g. "./examples/go-app") once per test binary and returns the path
// of the executable.
func Binary(t testing.TB, pkg string) string {
	t.Helper()
	builds.mu.Lock()
	if builds.bins == nil {
		builds.bins = map[string]*build{}
	}
	b := builds.bins[pkg]
	if b == nil {
		b = &build{}
		builds.bins[pkg] = b
	}
	builds.mu.Unlock()
	b.once.Do(func() { b.path, b.err = buildBinary(pkg) })
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

func buildBinary(pkg string) (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	builds.mu.Lock()
	if builds.dir == "" {
		builds.dir, err = os.MkdirTemp("", "sesame-e2e-bin-")
	}
	dir := builds.dir
	builds.mu.Unlock()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, filepath.Base(pkg))
	start := time.Now()
	// Several test binaries build at once on a shared build cache; a
	// failure is retried once in case it was a transient cache race.
	for attempt := 1; ; attempt++ {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Dir = root
		b, err := cmd.CombinedOutput()
		if err == nil {
			break
		}
		if attempt == 2 {
			return "", fmt.Errorf("go build -o %s %s: %v\n%s", out, pkg, err, b)
		}
		fmt.Fprintf(os.Stderr, "e2e: go build %s failed, retrying: %v\n%s", pkg, err, b)
		time.Sleep(time.Second)
	}
	if testing.Verbose() {
		fmt.Printf("e2e: built %s in %s\n", pkg, time.Since(start).Round(time.Millisecond))
	}
	return out, nil
}

// SesameBinary is the sesame executable: the prebuilt binary named by
// SESAME_E2E_BIN, or ./cmd/sesame built by Binary.
func SesameBinary(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv("SESAME_E2E_BIN"); bin != "" {
		return bin
	}
	return Binary(t, "./cmd/sesame")
}
