// Command bench is Sesame's token-endpoint load generator. It builds
// nothing: give it a sesame binary. It creates a fresh database (SQLite in
// a temp dir, or a PostgreSQL database on -pg), starts 1 or 2 replicas
// behind a round-robin proxy, registers the apps with the CLI, and measures
// client_credentials (with a resource: JWT access tokens) and refresh_token
// throughput and latency. With PostgreSQL it also counts database round
// trips per authorization-code exchange through a TCP proxy that parses
// the PostgreSQL protocol (each Sync or simple Query message is one round
// trip).
//
//	go build -o /tmp/sesame ./cmd/sesame
//	go run ./bench -sesame /tmp/sesame -db postgres -replicas 2 -c 12 -d 15s -runs 3
//
// See bench/README.md for results.
package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

const secret = "bench-secret-0123456789abcdef-0123456789abcdef"

var (
	bin      = flag.String("sesame", "", "path of the sesame binary (required)")
	dbKind   = flag.String("db", "postgres", "postgres or sqlite")
	pgAdmin  = flag.String("pg", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL admin DSN")
	replicas = flag.Int("replicas", 1, "number of replicas (PostgreSQL only)")
	conc     = flag.Int("c", 12, "concurrent clients")
	dur      = flag.Duration("d", 15*time.Second, "duration of each run")
	runs     = flag.Int("runs", 3, "runs per grant type")
	grants   = flag.String("grants", "client_credentials,refresh_token", "grant types to measure")
	trips    = flag.Int("trips", 50, "code exchanges for the round-trip count (PostgreSQL)")
)

func main() {
	flag.Parse()
	if *bin == "" {
		log.Fatal("-sesame is required")
	}
	var storeArgs []string
	var dbProxy *pgCounter
	switch *dbKind {
	case "sqlite":
		dir, _ := os.MkdirTemp("", "sesame-bench-")
		defer os.RemoveAll(dir)
		storeArgs = []string{"--data", dir}
		*replicas = 1
	case "postgres":
		admin, err := sql.Open("pgx", *pgAdmin)
		if err != nil {
			log.Fatal(err)
		}
		name := "sesame_bench_" + randHex(6)
		if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
			log.Fatal(err)
		}
		defer admin.Exec("DROP DATABASE " + name + " WITH (FORCE)")
		u, _ := url.Parse(*pgAdmin)
		dbProxy = newPGCounter(u.Host)
		u.Path = "/" + name
		direct := u.String()
		u.Host = dbProxy.addr
		storeArgs = []string{"--database-url", u.String()}
		cli("migrate", "--database-url", direct)
	default:
		log.Fatal("-db must be postgres or sqlite")
	}
	var app, m2m struct{ ID, Secret string }
	mustJSON(cli(append([]string{"apps", "create", "--name", "bench", "--type", "traditional", "--redirect-uri", "http://127.0.0.1:9/cb", "--json"}, storeArgs...)...), &app)
	cli(append([]string{"resources", "create", "--indicator", "https://api.bench", "--name", "API", "--scope", "read"}, storeArgs...)...)
	mustJSON(cli(append([]string{"apps", "create", "--name", "bench-m2m", "--type", "m2m", "--permission", "https://api.bench=read", "--json"}, storeArgs...)...), &m2m)
	cli(append([]string{"users", "create", "--username", "bench", "--password", "correct horse battery"}, storeArgs...)...)

	// Proxy first (its URL is the endpoint), then the replicas.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	endpoint := "http://" + ln.Addr().String()
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
	defer func() {
		for _, p := range procs {
			p.Process.Signal(syscall.SIGTERM)
			p.Wait()
		}
	}()
	var rr atomic.Uint64
	tr := &http.Transport{MaxIdleConnsPerHost: 256}
	proxy := &httputil.ReverseProxy{Transport: tr, Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(backends[rr.Add(1)%uint64(len(backends))])
		pr.Out.Host = pr.In.Host
	}}
	go http.Serve(ln, proxy)

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 30 * time.Second}
	fmt.Printf("# %s, %d replica(s), concurrency %d, %s per run, %d runs, GOMAXPROCS of the host %d cores\n",
		*dbKind, *replicas, *conc, *dur, *runs, numCPU())

	// Refresh tokens: one per worker (confidential clients rotate only late
	// in a token's life, so each worker reuses its token).
	b := newBrowser(endpoint)
	if err := b.signIn(app.ID); err != nil {
		log.Fatal(err)
	}
	rts := make([]string, *conc)
	for i := range rts {
		code, ver, err := b.code(app.ID)
		if err != nil {
			log.Fatal(err)
		}
		st, body := post(client, endpoint, app.ID, app.Secret, url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"code_verifier": {ver}, "redirect_uri": {"http://127.0.0.1:9/cb"}})
		if st != 200 {
			log.Fatalf("exchange: %d %s", st, body)
		}
		var t struct {
			RefreshToken string `json:"refresh_token"`
		}
		json.Unmarshal(body, &t)
		rts[i] = t.RefreshToken
	}

	for _, g := range strings.Split(*grants, ",") {
		var results []result
		for r := 0; r < *runs; r++ {
			res := load(*conc, *dur, func(w int) bool {
				var st int
				switch g {
				case "client_credentials":
					st, _ = post(client, endpoint, m2m.ID, m2m.Secret, url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.bench"}})
				case "refresh_token":
					st, _ = post(client, endpoint, app.ID, app.Secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rts[w]}})
				}
				return st == 200
			})
			fmt.Printf("%-18s run %d: %7.0f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d\n", g, r+1, res.rps, ms(res.p50), ms(res.p99), res.errors)
			results = append(results, res)
		}
		m := median(results)
		fmt.Printf("%-18s MEDIAN: %7.0f req/s  p50 %6.2f ms  p99 %6.2f ms\n", g, m.rps, ms(m.p50), ms(m.p99))
	}

	if dbProxy != nil && *trips > 0 {
		// Warm every pooled connection's statement cache, then count.
		codes := make([][2]string, 0, *trips*2)
		for i := 0; i < *trips*2; i++ {
			c, v, err := b.code(app.ID)
			if err != nil {
				log.Fatal(err)
			}
			codes = append(codes, [2]string{c, v})
		}
		exch := func(c [2]string) {
			st, body := post(client, endpoint, app.ID, app.Secret, url.Values{"grant_type": {"authorization_code"}, "code": {c[0]},
				"code_verifier": {c[1]}, "redirect_uri": {"http://127.0.0.1:9/cb"}})
			if st != 200 {
				log.Fatalf("exchange: %d %s", st, body)
			}
		}
		for _, c := range codes[:*trips] {
			exch(c)
		}
		before := dbProxy.trips.Load()
		txBefore := dbProxy.txs.Load()
		for _, c := range codes[*trips:] {
			exch(c)
		}
		n := dbProxy.trips.Load() - before
		tx := dbProxy.txs.Load() - txBefore
		fmt.Printf("authorization_code exchange: %.1f database round trips and %.1f BEGINs per exchange (%d exchanges, sequential, warm statement caches)\n",
			float64(n)/float64(*trips), float64(tx)/float64(*trips), *trips)
	}
}

type result struct {
	rps      float64
	p50, p99 time.Duration
	errors   int64
}

func load(conc int, d time.Duration, do func(w int) bool) result {
	var wg sync.WaitGroup
	lat := make([][]time.Duration, conc)
	var errs atomic.Int64
	deadline := time.Now().Add(d)
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for time.Now().Before(deadline) {
				t0 := time.Now()
				ok := do(w)
				lat[w] = append(lat[w], time.Since(t0))
				if !ok {
					errs.Add(1)
				}
			}
		}(w)
	}
	wg.Wait()
	el := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	if len(all) == 0 {
		return result{}
	}
	return result{rps: float64(len(all)) / el.Seconds(), p50: all[len(all)/2], p99: all[len(all)*99/100], errors: errs.Load()}
}

func median(rs []result) result {
	pick := func(f func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		sort.Float64s(v)
		return v[len(v)/2]
	}
	return result{rps: pick(func(r result) float64 { return r.rps }),
		p50: time.Duration(pick(func(r result) float64 { return float64(r.p50) })),
		p99: time.Duration(pick(func(r result) float64 { return float64(r.p99) }))}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func post(c *http.Client, base, id, sec string, form url.Values) (int, []byte) {
	req, _ := http.NewRequest(http.MethodPost, base+"/oidc/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, sec)
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
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

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(b), "processor\t:")
}

// browser signs in once and then collects codes through SSO.
type browser struct {
	base string
	c    *http.Client
}

func newBrowser(base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{base: base, c: &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if !strings.HasPrefix(req.URL.String(), base) {
			return http.ErrUseLastResponse
		}
		return nil
	}}}
}

var (
	csrfRe   = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	actionRe = regexp.MustCompile(`<form[^>]+action="([^"]+)"`)
)

func (b *browser) authURL(clientID string) (string, string) {
	v := make([]byte, 32)
	rand.Read(v)
	ver := hex.EncodeToString(v)
	s := sha256.Sum256([]byte(ver))
	q := url.Values{"client_id": {clientID}, "redirect_uri": {"http://127.0.0.1:9/cb"}, "response_type": {"code"},
		"scope": {"openid offline_access"}, "state": {"s"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(s[:])}, "code_challenge_method": {"S256"}}
	return b.base + "/oidc/auth?" + q.Encode(), ver
}

func (b *browser) signIn(clientID string) error {
	u, _ := b.authURL(clientID)
	resp, err := b.c.Get(u)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	a, c := actionRe.FindSubmatch(body), csrfRe.FindSubmatch(body)
	if a == nil || c == nil {
		return fmt.Errorf("no sign-in form")
	}
	action := strings.ReplaceAll(string(a[1]), "&amp;", "&")
	req, _ := http.NewRequest(http.MethodPost, b.base+action, strings.NewReader(url.Values{"identifier": {"bench"},
		"password": {"correct horse battery"}, "csrf_token": {string(c[1])}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	resp, err = b.c.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

func (b *browser) code(clientID string) (string, string, error) {
	u, ver := b.authURL(clientID)
	resp, err := b.c.Get(u)
	if err != nil {
		return "", "", err
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		return "", "", fmt.Errorf("no code: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code"), ver, nil
}

// pgCounter is a TCP proxy to PostgreSQL that counts the client's round
// trips: each Sync ('S') of the extended protocol and each simple Query
// ('Q') makes the server answer and the client wait.
type pgCounter struct {
	addr   string
	target string
	trips  atomic.Int64
	txs    atomic.Int64
}

func newPGCounter(target string) *pgCounter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	p := &pgCounter{addr: ln.Addr().String(), target: target}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.pipe(c)
		}
	}()
	return p
}

func (p *pgCounter) pipe(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	go func() { io.Copy(c, s); c.Close() }()
	r := io.TeeReader(c, s)
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err == nil {
		n := int(hdr[0])<<24 | int(hdr[1])<<16 | int(hdr[2])<<8 | int(hdr[3])
		io.CopyN(io.Discard, r, int64(n-4))
		var typ [5]byte
		for {
			if _, err := io.ReadFull(r, typ[:]); err != nil {
				break
			}
			n := int(typ[1])<<24 | int(typ[2])<<16 | int(typ[3])<<8 | int(typ[4])
			body := make([]byte, n-4)
			if _, err := io.ReadFull(r, body); err != nil {
				break
			}
			if typ[0] == 'S' || typ[0] == 'Q' {
				p.trips.Add(1)
			}
			if (typ[0] == 'Q' || typ[0] == 'P') && bytes.Contains(bytes.ToLower(body), []byte("begin")) {
				p.txs.Add(1)
			}
		}
	}
	s.Close()
	c.Close()
}
