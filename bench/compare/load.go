package main

// The load generator: keep-alive connections, a fixed number of workers,
// bounded in time, and the server's CPU and memory read from /proc.

import (
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// measurement is one timed load of one scenario on one server.
type measurement struct {
	Requests   int64   `json:"requests"`
	Failures   int64   `json:"failures"`
	RPS        float64 `json:"rps"`
	P50us      float64 `json:"p50_us"`
	P99us      float64 `json:"p99_us"`
	CPUus      float64 `json:"cpu_us_per_request"`              // server CPU (user+system, its process tree) per completed request
	DBCPUus    float64 `json:"db_cpu_us_per_request,omitempty"` // PostgreSQL backends' CPU per completed request (sesame-pg)
	MaxRSSKB   int64   `json:"max_rss_kb"`                      // largest VmRSS seen while loaded
	FirstError string  `json:"first_error,omitempty"`
}

// op is one request (or one flow) of a worker; it returns an error when the
// answer is not the expected one.
type op func(w int) error

// newClient returns a client whose connections are kept alive, one per worker.
func newClient(conc int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{MaxIdleConns: conc * 2, MaxIdleConnsPerHost: conc * 2, IdleConnTimeout: time.Minute, DisableCompression: true},
		Timeout:   30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// run drives do from conc workers: warm for warm (not counted), then for d,
// reading the server's CPU time at both ends of the measured part.
func run(pid, conc int, warm, d time.Duration, do op, dbCPU func() map[int]time.Duration) measurement {
	if warm > 0 {
		drive(conc, warm, do, nil)
	}
	var maxRSS atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if rss, _ := memKB(pid); rss > maxRSS.Load() {
				maxRSS.Store(rss)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	var db0 map[int]time.Duration
	if dbCPU != nil {
		db0 = dbCPU()
	}
	cpu0 := cpuTime(pid)
	var m measurement
	el := drive(conc, d, do, &m)
	cpu := cpuTime(pid) - cpu0
	var db time.Duration
	if dbCPU != nil {
		// A backend that ended during the run loses its last part; one
		// that began during it counts whole.
		for pid, t := range dbCPU() {
			db += t - db0[pid]
		}
	}
	close(stop)
	<-sampled
	m.MaxRSSKB = maxRSS.Load()
	m.RPS = float64(m.Requests) / el.Seconds()
	if m.Requests > 0 {
		m.CPUus = float64(cpu.Microseconds()) / float64(m.Requests)
		m.DBCPUus = float64(db.Microseconds()) / float64(m.Requests)
	}
	return m
}

// drive runs the workers for d and, when m is not nil, fills its counts and
// latency percentiles. Every started request is let finish.
func drive(conc int, d time.Duration, do op, m *measurement) time.Duration {
	var wg sync.WaitGroup
	lat := make([][]time.Duration, conc)
	var fails atomic.Int64
	var firstErr atomic.Value
	start := time.Now()
	deadline := start.Add(d)
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for time.Now().Before(deadline) {
				t0 := time.Now()
				err := do(w)
				lat[w] = append(lat[w], time.Since(t0))
				if err != nil {
					fails.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		}(w)
	}
	wg.Wait()
	el := time.Since(start)
	if m == nil {
		return el
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	m.Requests, m.Failures = int64(len(all)), fails.Load()
	if e, ok := firstErr.Load().(string); ok {
		m.FirstError = e
	}
	if len(all) > 0 {
		m.P50us = us(all[len(all)/2])
		m.P99us = us(all[min(len(all)-1, len(all)*99/100)])
	}
	return el
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// median returns the run whose value is the median, per field.
func median(ms []measurement) measurement {
	pick := func(f func(measurement) float64) float64 {
		v := make([]float64, 0, len(ms))
		for _, m := range ms {
			v = append(v, f(m))
		}
		sort.Float64s(v)
		if len(v) == 0 {
			return 0
		}
		return v[len(v)/2]
	}
	var out measurement
	out.RPS = pick(func(m measurement) float64 { return m.RPS })
	out.P50us = pick(func(m measurement) float64 { return m.P50us })
	out.P99us = pick(func(m measurement) float64 { return m.P99us })
	out.CPUus = pick(func(m measurement) float64 { return m.CPUus })
	out.DBCPUus = pick(func(m measurement) float64 { return m.DBCPUus })
	out.Requests = int64(pick(func(m measurement) float64 { return float64(m.Requests) }))
	out.MaxRSSKB = int64(pick(func(m measurement) float64 { return float64(m.MaxRSSKB) }))
	for _, m := range ms {
		out.Failures += m.Failures // failures add up: any is worth seeing
		if out.FirstError == "" {
			out.FirstError = m.FirstError
		}
	}
	return out
}
