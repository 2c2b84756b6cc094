// Command compare runs the same scenarios against Sesame, node-oidc-provider
// (Logto's engine) and Ory Hydra in one run, alternating between them
// (S, N, H, S, N, H … per round), on loopback, bounded in time. For each
// scenario and server it reports req/s, p50, p99, failures and the server's
// CPU per request (utime+stime of its process tree from /proc over the run,
// divided by completed requests); and per server the cold start to the first
// discovery 200, idle RSS and RSS under load.
//
//	go run ./bench/compare                        # everything, peers installed into bench/.cache
//	go run ./bench/compare -peers none -d 2s -rounds 1   # Sesame only, as CI does
//
// It writes results.json, table.md and one SVG plot per scenario into -out
// (bench/results/<UTC time> by default). docs/benchmarks.md explains the
// numbers. The files: main.go runs the phases, peers.go prepares each
// server, scenarios.go defines the requests, load.go measures, proc.go
// reads /proc, report.go and svg.go write the results.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

var (
	flagPeers     = flag.String("peers", "all", "peers besides Sesame: all, none, or a comma list of node,hydra")
	flagDur       = flag.Duration("d", 5*time.Second, "measured duration of each scenario on each server per round")
	flagWarm      = flag.Duration("warm", -1, "unmeasured warm-up before each measurement (default: d/5, at most 1s)")
	flagRounds    = flag.Int("rounds", 5, "rounds; each round measures every server once per scenario, alternating")
	flagConc      = flag.Int("c", 10, "connections (workers) of the scenarios that do not fix their own")
	flagScenarios = flag.String("scenarios", "all", "comma list of scenario names, or all (coldstart is one)")
	flagOut       = flag.String("out", "", "results folder (default bench/results/<UTC time>)")
	flagSesame    = flag.String("sesame", "", "sesame binary to use (default: built from ./cmd/sesame)")
	flagPG        = flag.String("pg", defaultPG(), "PostgreSQL admin DSN for Sesame's flows on PostgreSQL; off to skip")
	flagInstall   = flag.Bool("install", true, "install missing peers with bench/peers/install-*.sh")
	flagCache     = flag.String("cache", "", "where the peers and the sesame binary go (default bench/.cache)")
	flagSoak      = flag.Duration("soak", 0, "run the soak instead of the comparison: a mixed load for this long on SQLite and on two PostgreSQL replicas (bench/README.md, \"Soak\")")
	flagSoakEvery = flag.Duration("soak-every", 10*time.Second, "the soak's sampling interval")
	flagSoakConc  = flag.Int("soak-c", 8, "the soak's workers (simulated users)")
)

func defaultPG() string {
	if v := os.Getenv("SESAME_TEST_POSTGRES_DSN"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

func main() {
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("compare: ")
	root, err := os.Getwd()
	if err != nil {
		log.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "cmd", "sesame")); err != nil {
		log.Fatal("run from the repository's root (go run ./bench/compare)")
	}
	benchDir := filepath.Join(root, "bench")
	cache := *flagCache
	if cache == "" {
		cache = filepath.Join(benchDir, ".cache")
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		log.Fatal(err)
	}
	if cache, err = filepath.Abs(cache); err != nil {
		log.Fatal(err)
	}
	if *flagWarm < 0 {
		*flagWarm = min(*flagDur/5, time.Second)
	}
	out := *flagOut
	if out == "" {
		out = filepath.Join(benchDir, "results", time.Now().UTC().Format("20060102-150405"))
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		log.Fatal(err)
	}

	res := &results{Started: time.Now().UTC(), Command: strings.TrimSpace("go run ./bench/compare " + strings.Join(os.Args[1:], " ")),
		Settings: settings{Duration: flagDur.String(), Warm: flagWarm.String(), Rounds: *flagRounds, Conc: *flagConc}}
	res.LoadAvg[0] = loadAvg()

	bin := *flagSesame
	if bin == "" {
		bin = filepath.Join(cache, "sesame")
		// Built as docs/production.md says to build the binary you deploy:
		// static, without cgo.
		log.Printf("building ./cmd/sesame (CGO_ENABLED=0)")
		build := exec.Command("go", "build", "-o", bin, "./cmd/sesame")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := build.CombinedOutput(); err != nil {
			log.Fatalf("go build ./cmd/sesame: %v\n%s", err, b)
		}
	}

	if *flagSoak > 0 {
		if err := runSoaks(bin, *flagPG, out, *flagSoak, min(*flagSoakEvery, *flagSoak), *flagSoakConc); err != nil {
			log.Fatal(err)
		}
		log.Printf("wrote %s", out)
		return
	}

	wantNode, wantHydra := wantPeer("node"), wantPeer("hydra")
	status := map[string]string{"sesame": "ok"}
	if wantNode {
		status["node-oidc-provider"] = ensure(benchDir, cache, "install-node-oidc-provider.sh", func() error { return nodeInstalled(cache) })
	}
	if wantHydra {
		status["hydra"] = ensure(benchDir, cache, "install-hydra.sh", func() error { return hydraInstalled(cache) })
	}
	if *flagPG != "off" {
		status["sesame-pg"] = "ok"
	}
	res.Machine = describeMachine(bin, cache, status)

	want := func(name string) bool {
		return *flagScenarios == "all" || slices.Contains(strings.Split(*flagScenarios, ","), name)
	}
	all := scenarios(*flagConc)
	cold := map[string][]float64{}
	idle := map[string][]int64{}
	loaded := map[string]int64{}
	for pi, alg := range []string{"ES256", "ES384"} {
		var phase []scenario
		for _, sc := range all {
			if sc.Alg == alg && want(sc.Name) {
				phase = append(phase, sc)
			}
		}
		coldHere := pi == 0 && want("coldstart")
		if len(phase) == 0 && !coldHere {
			continue
		}
		log.Printf("phase %s: preparing the servers", alg)
		servers := prepare(bin, cache, benchDir, alg, status)
		if coldHere {
			coldStarts(servers, cold, idle)
		}
		runPhase(res, phase, servers, status, loaded)
		for _, s := range servers {
			s.stop()
			if s.cleanup != nil {
				s.cleanup()
			}
		}
	}
	for _, name := range []string{"sesame", "sesame-pg", "node-oidc-provider", "hydra"} {
		st, ok := status[name]
		if !ok {
			continue
		}
		info := serverInfo{Name: name, Version: res.Machine.Versions[name], Status: st, ColdStartMs: cold[name], IdleRSSKB: idle[name], LoadRSSKB: loaded[name]}
		info.ColdStartMedianMs = medianF(cold[name])
		info.IdleRSSMedianKB = int64(medianF(toF(idle[name])))
		res.Servers = append(res.Servers, info)
	}
	res.Finished = time.Now().UTC()
	res.LoadAvg[1] = loadAvg()
	if err := res.write(out); err != nil {
		log.Fatal(err)
	}
	fmt.Print(res.markdown(""))
	log.Printf("wrote %s", out)
	if bad := res.sesameProblems(); len(bad) > 0 {
		log.Fatalf("Sesame did not pass every scenario:\n%s", strings.Join(bad, "\n"))
	}
}

// sesameProblems lists the scenarios Sesame failed or could not run; the
// peers' problems are only reported.
func (r *results) sesameProblems() []string {
	var bad []string
	for _, s := range r.Servers {
		if strings.HasPrefix(s.Name, "sesame") && s.Status != "ok" {
			bad = append(bad, s.Name+": "+s.Status)
		}
	}
	for _, sc := range r.Scenarios {
		for _, sr := range sc.Results {
			if !strings.HasPrefix(sr.Server, "sesame") {
				continue
			}
			if len(sr.Runs) < r.Settings.Rounds || sr.Median.Failures > 0 {
				bad = append(bad, fmt.Sprintf("%s on %s: %d of %d rounds measured, %d failures %s %s", sc.Name, sr.Server,
					len(sr.Runs), r.Settings.Rounds, sr.Median.Failures, sr.Note, firstLine(sr.Median.FirstError)))
			}
		}
	}
	return bad
}

func wantPeer(name string) bool {
	switch *flagPeers {
	case "all":
		return true
	case "none", "":
		return false
	}
	return slices.Contains(strings.Split(*flagPeers, ","), name)
}

// ensure installs a peer when it is missing and -install is set, and says
// whether it can run ("ok" or why not).
func ensure(benchDir, cache, script string, installed func() error) string {
	if installed() == nil {
		return "ok"
	}
	if !*flagInstall {
		return "skipped: " + installed().Error()
	}
	log.Printf("installing: bench/peers/%s", script)
	cmd := exec.Command("bash", filepath.Join(benchDir, "peers", script))
	cmd.Env = append(os.Environ(), "BENCH_CACHE="+cache)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		log.Printf("bench/peers/%s failed (%v); going on without it", script, err)
		return fmt.Sprintf("install failed: bench/peers/%s: %v", script, err)
	}
	if err := installed(); err != nil {
		return "install failed: " + err.Error()
	}
	return "ok"
}

// prepare sets up every server for alg, in the order they alternate.
// Hydra signs access tokens only in the ES256 phase. A server that cannot
// be prepared is left out, and status says why.
func prepare(bin, cache, benchDir, alg string, status map[string]string) []*server {
	var out []*server
	s, err := newSesame(bin, alg, "")
	if err != nil {
		log.Fatalf("sesame: %v", err)
	}
	out = append(out, s)
	if status["sesame-pg"] == "ok" {
		if pg, err := newSesame(bin, alg, *flagPG); err != nil {
			status["sesame-pg"] = "skipped: " + firstLine(err.Error())
			log.Printf("sesame on PostgreSQL: %v", err)
		} else {
			out = append(out, pg)
		}
	}
	if status["node-oidc-provider"] == "ok" {
		if n, err := newNode(cache, benchDir, alg, s); err != nil {
			status["node-oidc-provider"] = "failed: " + firstLine(err.Error())
		} else {
			out = append(out, n)
		}
	}
	if status["hydra"] == "ok" && alg == hydraAlg {
		if h, err := newHydra(cache, s); err != nil {
			status["hydra"] = "failed: " + firstLine(err.Error())
			log.Printf("hydra: %v", err)
		} else {
			out = append(out, h)
		}
	}
	return out
}

// coldStarts starts each server from its prepared state rounds times,
// alternating, and records the time from exec to the first discovery 200
// and the RSS one second later.
func coldStarts(servers []*server, cold map[string][]float64, idle map[string][]int64) {
	for r := 0; r < *flagRounds; r++ {
		for _, s := range servers {
			p, err := startProc(s.command().cmd())
			if err != nil {
				log.Printf("%s: %v", s.name, err)
				continue
			}
			d, err := waitDiscovery(s.discovery, p, 60*time.Second)
			if err != nil {
				log.Printf("cold start %s: %v\n%s", s.name, err, p.tail())
				p.stop()
				continue
			}
			time.Sleep(time.Second)
			rss, _ := memKB(p.pid())
			p.stop()
			cold[s.name] = append(cold[s.name], float64(d.Microseconds())/1000)
			idle[s.name] = append(idle[s.name], rss)
			log.Printf("coldstart  round %d %-18s %7.1f ms  idle RSS %5.1f MB", r+1, s.name, float64(d.Microseconds())/1000, float64(rss)/1024)
		}
	}
}

// runPhase starts the servers and measures every scenario of the phase on
// each of them, alternating, for -rounds rounds.
func runPhase(res *results, phase []scenario, servers []*server, status map[string]string, loaded map[string]int64) {
	var live []*server
	for _, s := range servers {
		if err := s.start(); err != nil {
			status[s.name] = "failed to start: " + firstLine(err.Error())
			log.Print(err)
			continue
		}
		live = append(live, s)
	}
	type key struct{ sc, srv string }
	notes := map[key]string{}
	runs := map[key][]measurement{}
	for r := 0; r < *flagRounds; r++ {
		for _, sc := range phase {
			for _, s := range live {
				k := key{sc.Name, s.name}
				if !sc.supports(s) || s.p.exited() {
					continue
				}
				// Prepared right before each measurement: node-oidc-provider's
				// in-memory store is an LRU of 1,000 entries, so a session
				// made rounds earlier may be gone.
				c := newClient(sc.Conc)
				do, note, err := sc.prepare(s, c)
				if err != nil {
					notes[k] = fmt.Sprintf("not measured in round %d: %s", r+1, firstLine(err.Error()))
					log.Printf("%s on %s: %v", sc.Name, s.name, err)
					continue
				}
				if notes[k] == "" {
					notes[k] = note
				}
				m := run(s.p.pid(), sc.Conc, *flagWarm, *flagDur, do, s.dbCPU)
				c.CloseIdleConnections()
				runs[k] = append(runs[k], m)
				loaded[s.name] = max(loaded[s.name], m.MaxRSSKB)
				db := ""
				if s.dbCPU != nil {
					db = fmt.Sprintf(" + %.0f in PostgreSQL", m.DBCPUus)
				}
				log.Printf("%-12s round %d %-18s %8.0f req/s  p50 %7.2f ms  p99 %7.2f ms  CPU %7.0f µs/req%s  failures %d %s",
					sc.Name, r+1, s.name, m.RPS, m.P50us/1000, m.P99us/1000, m.CPUus, db, m.Failures, firstLine(m.FirstError))
			}
		}
	}
	for _, s := range live {
		if s.p.exited() {
			status[s.name] = "exited during the run: " + firstLine(s.p.tail())
			continue
		}
		_, hwm := memKB(s.p.pid())
		loaded[s.name] = max(loaded[s.name], hwm)
	}
	for _, sc := range phase {
		sr := scenarioResult{scenario: sc}
		for _, s := range servers {
			k := key{sc.Name, s.name}
			if !sc.supports(s) {
				continue
			}
			if rs := runs[k]; len(rs) > 0 || notes[k] != "" {
				sr.Results = append(sr.Results, serverResult{Server: s.name, Note: notes[k], Runs: rs, Median: median(rs)})
			}
		}
		res.Scenarios = append(res.Scenarios, sr)
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
