package main

// The soak (bench/README.md, "Soak"): a mixed load for a long time against
// Sesame on SQLite and against two replicas on one PostgreSQL database,
// sampled every few seconds: per-endpoint requests, errors and p99, each
// server's RSS, and the database's size.

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"html"
	"log"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// soakOps are the operations of the mixed load, with their weights.
var soakOps = []struct {
	name   string
	weight int
}{{"signin", 1}, {"code", 4}, {"refresh", 4}, {"client_credentials", 6}, {"introspection", 4}, {"userinfo", 4}, {"signout", 1}}

type soakSample struct {
	At        float64                     `json:"at_s"` // seconds since the start
	Endpoints map[string]soakEndpointStat `json:"endpoints"`
	RSSKB     []int64                     `json:"rss_kb"` // per server process
	DBBytes   int64                       `json:"db_bytes"`
}

type soakEndpointStat struct {
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	P99ms    float64 `json:"p99_ms"`
}

type soakRun struct {
	Name        string       `json:"name"` // "sqlite" or "postgres, 2 replicas"
	Duration    string       `json:"duration"`
	Workers     int          `json:"workers"`
	Samples     []soakSample `json:"samples"`
	Errors      int64        `json:"errors"`
	FirstErrors []string     `json:"first_errors,omitempty"`
	Shed        int64        `json:"shed_signins"` // sign-ins answered 503 with Retry-After, then tried again
	Requests    int64        `json:"requests"`
	RSSLevels   bool         `json:"rss_levels_off"`
	RSSMidMaxKB int64        `json:"rss_middle_third_max_kb"`
	RSSEndMaxKB int64        `json:"rss_last_third_max_kb"`
}

// long reports whether the run is long enough for its memory to have to
// level off: a short one (CI's) is mostly warm-up.
func (r soakRun) long() bool {
	d, _ := time.ParseDuration(r.Duration)
	return d >= 5*time.Minute
}

// window collects one sampling interval's latencies per endpoint.
type window struct {
	mu   sync.Mutex
	lat  map[string][]time.Duration
	errs map[string]int64
}

func (w *window) add(op string, d time.Duration, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lat[op] = append(w.lat[op], d)
	if err != nil {
		w.errs[op]++
	}
}

func (w *window) take() map[string]soakEndpointStat {
	w.mu.Lock()
	lat, errs := w.lat, w.errs
	w.lat, w.errs = map[string][]time.Duration{}, map[string]int64{}
	w.mu.Unlock()
	out := map[string]soakEndpointStat{}
	for op, l := range lat {
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
		out[op] = soakEndpointStat{Requests: int64(len(l)), Errors: errs[op], P99ms: us(l[min(len(l)-1, len(l)*99/100)]) / 1000}
	}
	return out
}

// soak runs the mixed load against the servers for d, sampling every
// every, and returns the run.
func soak(name string, s *server, procs []*proc, bases []string, dbSize func() int64, workers int, d, every time.Duration) soakRun {
	run := soakRun{Name: name, Duration: d.String(), Workers: workers}
	win := &window{lat: map[string][]time.Duration{}, errs: map[string]int64{}}
	var total int
	for _, o := range soakOps {
		total += o.weight
	}
	var errMu sync.Mutex
	var shed atomic.Int64
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for i := range workers {
		w := &soakWorker{s: s, bases: bases, c: newClient(1), n: i, user: soakUser(i), shed: &shed}
		rng := rand.New(rand.NewPCG(uint64(i), 42))
		wg.Go(func() {
			for time.Now().Before(deadline) {
				pick := rng.IntN(total)
				op := soakOps[0].name
				for _, o := range soakOps {
					if pick < o.weight {
						op = o.name
						break
					}
					pick -= o.weight
				}
				if err := w.run(op, win); err != nil {
					errMu.Lock()
					if len(run.FirstErrors) < 10 {
						run.FirstErrors = append(run.FirstErrors, op+": "+firstLine(err.Error()))
					}
					errMu.Unlock()
				}
			}
		})
	}
	tick := time.NewTicker(every)
	sample := func() {
		sm := soakSample{At: time.Since(start).Seconds(), Endpoints: win.take(), DBBytes: dbSize()}
		for _, p := range procs {
			rss, _ := memKB(p.pid())
			sm.RSSKB = append(sm.RSSKB, rss)
		}
		var req, errs int64
		for _, e := range sm.Endpoints {
			req, errs = req+e.Requests, errs+e.Errors
		}
		run.Requests, run.Errors = run.Requests+req, run.Errors+errs
		log.Printf("soak %-22s %6.0fs  %6d requests  %d errors  RSS %v kB  database %.1f MB", name, sm.At, req, errs, sm.RSSKB, float64(sm.DBBytes)/1e6)
		run.Samples = append(run.Samples, sm)
	}
	for time.Now().Before(deadline) {
		<-tick.C
		sample()
	}
	tick.Stop()
	wg.Wait()
	if rest := win.take(); len(rest) > 0 {
		sample()
	}
	run.RSSMidMaxKB, run.RSSEndMaxKB, run.RSSLevels = levelsOff(run.Samples)
	run.Shed = shed.Load()
	return run
}

// levelsOff compares the largest RSS (summed over the servers) of the
// middle third of the samples with that of the last third: memory levels
// off when the last third's is within 10 % of the middle third's.
func levelsOff(ss []soakSample) (mid, end int64, ok bool) {
	n := len(ss)
	if n < 3 {
		return 0, 0, true
	}
	sum := func(s soakSample) int64 {
		var t int64
		for _, r := range s.RSSKB {
			t += r
		}
		return t
	}
	for i, s := range ss {
		switch {
		case i >= n/3 && i < 2*n/3:
			mid = max(mid, sum(s))
		case i >= 2*n/3:
			end = max(end, sum(s))
		}
	}
	return mid, end, float64(end) <= 1.1*float64(mid)
}

// runSoaks runs the soak on SQLite and on two PostgreSQL replicas (unless
// pgAdmin is "off") and writes the results into out.
func runSoaks(bin, pgAdmin, out string, d, every time.Duration, workers int) error {
	var runs []soakRun
	// SQLite: one server.
	s, err := newSesame(bin, "ES384", "")
	if err != nil {
		return err
	}
	trustLoadGenerator(s)
	if err := soakUsers(bin, s, workers); err != nil {
		s.cleanup()
		return err
	}
	if err := s.start(); err != nil {
		s.cleanup()
		return err
	}
	dataDir := argAfter(s.command().args, "--data")
	runs = append(runs, soak("sqlite", s, []*proc{s.p}, []string{s.base}, func() int64 { return dirSize(dataDir) }, workers, d, every))
	s.stop()
	s.cleanup()

	if pgAdmin != "off" {
		s, err := newSesame(bin, "ES384", pgAdmin)
		if err != nil {
			return err
		}
		defer s.cleanup()
		trustLoadGenerator(s)
		if err := soakUsers(bin, s, workers); err != nil {
			return err
		}
		if err := s.start(); err != nil {
			return err
		}
		defer s.stop()
		// The second replica: the same database and endpoint (issuer), its
		// own port.
		spec := s.command()
		port := freePort()
		args := slices.Clone(spec.args)
		for i, a := range args {
			if a == "--addr" {
				args[i+1] = "127.0.0.1:" + strconv.Itoa(port)
			}
		}
		spec.args = args
		p2, err := startProc(spec.cmd())
		if err != nil {
			return err
		}
		defer p2.stop()
		base2 := "http://127.0.0.1:" + strconv.Itoa(port)
		if _, err := waitDiscovery(base2+"/oidc/.well-known/openid-configuration", p2, time.Minute); err != nil {
			return fmt.Errorf("second replica: %v\n%s", err, p2.tail())
		}
		dsn := argAfter(spec.args, "--database-url")
		u, _ := url.Parse(dsn)
		dbName := strings.TrimPrefix(u.Path, "/")
		db, err := sql.Open("pgx", pgAdmin)
		if err != nil {
			return err
		}
		defer db.Close()
		size := func() int64 {
			var n int64
			db.QueryRow(`SELECT pg_database_size($1)`, dbName).Scan(&n) //nolint:errcheck // 0 on error
			return n
		}
		runs = append(runs, soak("postgres, 2 replicas", s, []*proc{s.p, p2}, []string{s.base, base2}, size, workers, d, every))
	}
	return writeSoak(out, runs)
}

func soakUser(i int) string { return "soak" + strconv.Itoa(i) }

// soakUsers creates a user per worker: concurrent sign-ins to one account
// are what the per-account limit is there to stop (docs/security.md).
func soakUsers(bin string, s *server, workers int) error {
	args := s.command().args
	store := []string{"--data", argAfter(args, "--data")}
	if dsn := argAfter(args, "--database-url"); dsn != "" {
		store = []string{"--database-url", dsn}
	}
	for i := range workers {
		if _, err := sesameCLI(bin, append([]string{"users", "create", "--username", soakUser(i), "--password", benchPass}, store...)...); err != nil {
			return err
		}
	}
	return nil
}

// trustLoadGenerator makes s's servers believe the load generator's
// X-Forwarded-For, as they would a load balancer's.
func trustLoadGenerator(s *server) {
	command := s.command
	s.command = func() *execSpec {
		spec := command()
		spec.args = append(spec.args, "--trusted-proxies", "127.0.0.1/32")
		return spec
	}
}

func argAfter(args []string, flag string) string {
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

func dirSize(dir string) int64 {
	var n int64
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if fi, err := e.Info(); err == nil && !e.IsDir() {
			n += fi.Size()
		}
	}
	return n
}

// writeSoak writes samples.json, a plot per run and summary.md, and
// reports an error if any request failed or the memory did not level off.
func writeSoak(out string, runs []soakRun) error {
	b, err := json.MarshalIndent(runs, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "samples.json"), b, 0o644); err != nil {
		return err
	}
	var md strings.Builder
	fmt.Fprintf(&md, "# Soak, %s\n\n", time.Now().UTC().Format(time.RFC3339))
	var problems []string
	for i, r := range runs {
		file := fmt.Sprintf("soak-%d.svg", i+1)
		if err := os.WriteFile(filepath.Join(out, file), []byte(soakSVG(r)), 0o644); err != nil {
			return err
		}
		last := soakSample{}
		if len(r.Samples) > 0 {
			last = r.Samples[len(r.Samples)-1]
		}
		fmt.Fprintf(&md, "## %s (%s, %d workers)\n\n", r.Name, r.Duration, r.Workers)
		fmt.Fprintf(&md, "- requests %d, errors %d; sign-ins shed (503 with Retry-After, tried again) %d\n", r.Requests, r.Errors, r.Shed)
		fmt.Fprintf(&md, "- RSS (sum of the servers): largest %.1f MB in the middle third, %.1f MB in the last third: %s\n",
			float64(r.RSSMidMaxKB)/1024, float64(r.RSSEndMaxKB)/1024, map[bool]string{true: "levels off", false: "still growing"}[r.RSSLevels])
		if len(r.Samples) > 0 {
			fmt.Fprintf(&md, "- database: %.1f MB at the first sample, %.1f MB at the end\n", float64(r.Samples[0].DBBytes)/1e6, float64(last.DBBytes)/1e6)
		}
		fmt.Fprintf(&md, "\n| endpoint | p99 ms, first sample | p99 ms, median of samples | p99 ms, last sample |\n|---|---:|---:|---:|\n")
		for _, o := range soakOps {
			var ps []float64
			for _, s := range r.Samples {
				if e, ok := s.Endpoints[o.name]; ok {
					ps = append(ps, e.P99ms)
				}
			}
			if len(ps) == 0 {
				continue
			}
			fmt.Fprintf(&md, "| %s | %.1f | %.1f | %.1f |\n", o.name, ps[0], medianF(ps), ps[len(ps)-1])
		}
		fmt.Fprintf(&md, "\n![%s](%s)\n\n", html.EscapeString(r.Name), file)
		for _, e := range r.FirstErrors {
			fmt.Fprintf(&md, "- error: %s\n", e)
		}
		if r.Errors > 0 {
			problems = append(problems, fmt.Sprintf("%s: %d errors", r.Name, r.Errors))
		}
		if !r.RSSLevels && r.long() {
			problems = append(problems, r.Name+": RSS still growing")
		}
	}
	if err := os.WriteFile(filepath.Join(out, "summary.md"), []byte(md.String()), 0o644); err != nil {
		return err
	}
	fmt.Print(md.String())
	if len(problems) > 0 {
		return fmt.Errorf("soak: %s", strings.Join(problems, "; "))
	}
	return nil
}
