package testkit

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// PGCluster is a PostgreSQL server of the test's own, in a temporary
// directory, for tests that stop or restart the database: the machine's
// shared server must keep serving every other test. It runs as the
// postgres system user, so the test must run as root (CI does); elsewhere
// it is skipped, never under CI.
type PGCluster struct {
	DSN  string // postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
	dir  string
	port int
	bin  string
	cred *syscall.Credential
}

// NewPGCluster initialises and starts a cluster; it is stopped when the
// test ends.
func NewPGCluster(t testing.TB) *PGCluster {
	t.Helper()
	skip := func(format string, a ...any) {
		t.Helper()
		if os.Getenv("CI") != "" {
			t.Fatalf(format, a...)
		}
		t.Skipf(format, a...)
	}
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(bins) == 0 {
		skip("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")
	}
	pg, err := user.Lookup("postgres")
	if err != nil || os.Geteuid() != 0 {
		skip("a private PostgreSQL needs root and the postgres user (%v)", err)
	}
	uid, _ := strconv.Atoi(pg.Uid)
	gid, _ := strconv.Atoi(pg.Gid)
	dir, err := os.MkdirTemp("", "sesame-pg-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	c := &PGCluster{dir: dir, port: port, bin: filepath.Dir(bins[len(bins)-1]),
		cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)},
		DSN:  fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)}
	t.Cleanup(func() {
		c.run("pg_ctl", "-D", c.data(), "stop", "-m", "immediate") //nolint:errcheck // best effort
		os.RemoveAll(dir)
	})
	if out, err := c.run("initdb", "-D", c.data(), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *PGCluster) data() string { return filepath.Join(c.dir, "data") }

func (c *PGCluster) run(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	return cmd.CombinedOutput()
}

// Start starts the server and waits until it accepts connections.
func (c *PGCluster) Start() error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", c.port, c.dir)
	if out, err := c.run("pg_ctl", "-D", c.data(), "-o", opts, "-l", filepath.Join(c.dir, "log"), "-w", "start"); err != nil {
		return fmt.Errorf("pg_ctl start: %v\n%s", err, out)
	}
	return nil
}

// Restart stops the server the way an operator's restart does (fast
// shutdown: every session is ended, open transactions are rolled back)
// and starts it again; it reports how long the server was down.
func (c *PGCluster) Restart() (time.Duration, error) {
	start := time.Now()
	if out, err := c.run("pg_ctl", "-D", c.data(), "-m", "fast", "-w", "stop"); err != nil {
		return 0, fmt.Errorf("pg_ctl stop: %v\n%s", err, out)
	}
	err := c.Start()
	return time.Since(start), err
}
