package app

// The metrics listener's handler and the metrics New registers.

import (
	"context"
	"math"
	"net/http"
	"net/http/pprof"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// MetricsHandler serves Prometheus metrics at /metrics and, with
// cfg.Pprof, Go's profiler under /debug/pprof/; Run serves it on
// cfg.MetricsAddr only, apart from the public port.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler())
	if s.cfg.Pprof {
		// No /debug/pprof/cmdline: the command line may hold --secret or a
		// database URL with its password.
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// registerLogoutMetrics exports what became of back-channel logout
// deliveries, and how many are queued (read from the database at each
// scrape: the queue is bounded, so counting it is cheap).
func (s *Server) registerLogoutMetrics() {
	r := &s.logouts.Results
	for result, n := range map[string]*atomic.Uint64{"delivered": &r.Delivered, "retried": &r.Retried, "failed": &r.Failed, "dropped": &r.Dropped} {
		s.metrics.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "sesame_backchannel_logout_total",
			Help:        "Back-channel logout deliveries by result: delivered, retried (an attempt failed), failed (given up), dropped (app gone, queue full or too old).",
			ConstLabels: prometheus.Labels{"result": result}},
			func() float64 { return float64(n.Load()) }))
	}
	s.metrics.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sesame_backchannel_logout_queued",
		Help: "Back-channel logout deliveries queued, on every replica together."},
		func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := s.store.CountLogoutDeliveries(ctx)
			if err != nil {
				return math.NaN()
			}
			return float64(n)
		}))
}
