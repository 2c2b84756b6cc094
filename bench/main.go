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
// See bench/README.md for results. The files: main.go runs the steps,
// setup.go prepares the database and the replicas, load.go measures,
// flow.go gets codes and tokens.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"strings"
	"time"
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
	db := setupDatabase()
	defer db.cleanup()
	app, m2m := register(db.args)
	endpoint, stop := startReplicas(db.args)
	defer stop()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 30 * time.Second}
	fmt.Printf("# %s, %d replica(s), concurrency %d, %s per run, %d runs, GOMAXPROCS of the host %d cores\n",
		*dbKind, *replicas, *conc, *dur, *runs, numCPU())

	b := signIn(endpoint, app.ID)
	rts := refreshTokens(b, client, endpoint, app)
	for _, g := range strings.Split(*grants, ",") {
		measure(g, func(w int) bool {
			var st int
			switch g {
			case "client_credentials":
				st, _ = post(client, endpoint, m2m.ID, m2m.Secret, url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.bench"}})
			case "refresh_token":
				st, _ = post(client, endpoint, app.ID, app.Secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rts[w]}})
			}
			return st == 200
		})
	}
	if db.proxy != nil && *trips > 0 {
		countTrips(b, client, endpoint, app, db)
	}
}

// measure runs the load *runs times and prints each run and the median.
func measure(grant string, do func(w int) bool) {
	var results []result
	for r := 0; r < *runs; r++ {
		res := load(*conc, *dur, do)
		fmt.Printf("%-18s run %d: %7.0f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d\n", grant, r+1, res.rps, ms(res.p50), ms(res.p99), res.errors)
		results = append(results, res)
	}
	m := median(results)
	fmt.Printf("%-18s MEDIAN: %7.0f req/s  p50 %6.2f ms  p99 %6.2f ms\n", grant, m.rps, ms(m.p50), ms(m.p99))
}

// countTrips counts database round trips and BEGINs per code exchange,
// after warming every pooled connection's statement cache.
func countTrips(b *browser, client *http.Client, endpoint string, app appCreds, db database) {
	codes := make([][2]string, 0, *trips*2)
	for i := 0; i < *trips*2; i++ {
		c, v, err := b.code(app.ID)
		if err != nil {
			log.Fatal(err)
		}
		codes = append(codes, [2]string{c, v})
	}
	for _, c := range codes[:*trips] {
		exchange(client, endpoint, app, c[0], c[1])
	}
	before, txBefore := db.proxy.Trips(), db.proxy.Begins()
	for _, c := range codes[*trips:] {
		exchange(client, endpoint, app, c[0], c[1])
	}
	n, tx := db.proxy.Trips()-before, db.proxy.Begins()-txBefore
	fmt.Printf("authorization_code exchange: %.1f database round trips and %.1f BEGINs per exchange (%d exchanges, sequential, warm statement caches)\n",
		float64(n)/float64(*trips), float64(tx)/float64(*trips), *trips)
}
