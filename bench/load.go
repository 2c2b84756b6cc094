package main

// Load generation and its statistics.

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

type result struct {
	rps      float64
	p50, p99 time.Duration
	errors   int64
}

// load runs do from conc workers for d and reports throughput, latency
// percentiles and how many calls failed.
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
