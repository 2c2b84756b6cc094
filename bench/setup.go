package main

// The database, the apps and the replicas under test.

import (
	"bytes"
	"context"
	"encoding/json"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sesameauth/sesame/internal/testkit"
)

// database is the store the replicas share.
type database struct {
	args    []string         // --data … or --database-url …
	proxy   *testkit.PGProxy // PostgreSQL only: counts round trips
	cleanup func()
}

func setupDatabase() database {
	switch *dbKind {
	case "sqlite":
		dir, _ := os.MkdirTemp("", "sesame-bench-")
		*replicas = 1
		return database{args: []string{"--data", dir}, cleanup: func() { os.RemoveAll(dir) }}
	case "postgres":
		_, direct, drop, err := testkit.CreateDatabase(context.Background(), *pgAdmin, "sesame_bench_")
		if err != nil {
			log.Fatal(err)
		}
		u, _ := url.Parse(direct)
		proxy, err := testkit.NewPGProxy(u.Host)
		if err != nil {
			log.Fatal(err)
		}
		u.Host = proxy.Addr
		cli("migrate", "--database-url", direct)
		return database{args: []string{"--database-url", u.String()}, proxy: proxy, cleanup: func() { proxy.Close(); drop() }}
	}
	log.Fatal("-db must be postgres or sqlite")
	return database{}
}

type appCreds struct{ ID, Secret string }

// register creates a traditional app, an API resource, an M2M app allowed
// on it, and the user "bench".
func register(storeArgs []string) (app, m2m appCreds) {
	mustJSON(cli(append([]string{"apps", "create", "--name", "bench", "--type", "traditional", "--redirect-uri", "http://127.0.0.1:9/cb", "--json"}, storeArgs...)...), &app)
	cli(append([]string{"resources", "create", "--indicator", "https://api.bench", "--name", "API", "--scope", "read"}, storeArgs...)...)
	mustJSON(cli(append([]string{"apps", "create", "--name", "bench-m2m", "--type", "m2m", "--permission", "https://api.bench=read", "--json"}, storeArgs...)...), &m2m)
	cli(append([]string{"users", "create", "--username", "bench", "--password", "correct horse battery"}, storeArgs...)...)
	return app, m2m
}

// startReplicas starts the round-robin proxy (its URL is the endpoint),
// then the replicas, and waits until they are ready.
func startReplicas(storeArgs []string) (endpoint string, stop func()) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	endpoint = "http://" + ln.Addr().String()
	var backends []*url.URL
	var procs []*exec.Cmd
	for i := 0; i < *replicas; i++ {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := l.Addr().String()
		l.Close()
		cmd := exec.Command(*bin, append([]string{"serve", "--addr", addr, "--endpoint", endpoint, "--secret", secret, "--log-level", "error"}, storeArgs...)...)
		cmd.Stderr = os.Stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			log.Fatal(err)
		}
		procs = append(procs, cmd)
		u, _ := url.Parse("http://" + addr)
		backends = append(backends, u)
		waitReady("http://" + addr)
	}
	var rr atomic.Uint64
	tr := &http.Transport{MaxIdleConnsPerHost: 256}
	proxy := &httputil.ReverseProxy{Transport: tr, Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(backends[rr.Add(1)%uint64(len(backends))])
		pr.Out.Host = pr.In.Host
	}}
	go http.Serve(ln, proxy)
	return endpoint, func() {
		for _, p := range procs {
			p.Process.Signal(syscall.SIGTERM)
			p.Wait()
		}
	}
}

func cli(args ...string) []byte {
	var out, errb bytes.Buffer
	cmd := exec.Command(*bin, args...)
	cmd.Env = append(os.Environ(), "SESAME_SECRET="+secret)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		log.Fatalf("sesame %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.Bytes()
}

func mustJSON(b []byte, v any) {
	if err := json.Unmarshal(b, v); err != nil {
		log.Fatalf("%v: %s", err, b)
	}
}

func waitReady(base string) {
	for i := 0; i < 300; i++ {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	log.Fatalf("%s not ready", base)
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(b), "processor\t:")
}
