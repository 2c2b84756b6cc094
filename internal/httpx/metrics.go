package httpx

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics counts and times requests per route pattern, for Prometheus.
// Labels are the mux pattern ("POST /oidc/token"), never the raw path, so
// their number stays bounded whatever clients send.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	cache    sync.Map // routeStatus → seriesPair
}

// NewMetrics returns a registry with Go and process collectors and the HTTP
// request metrics.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sesame_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "sesame_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	m.reg.MustRegister(m.requests, m.duration, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Middleware records every request. It must wrap the ServeMux directly, so
// that the request's Pattern is set when the handler returns.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := wrapStatus(w)
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" || route == "/" {
			route = "unmatched"
		}
		m.series(route, sw.outcome(r)).record(time.Since(start))
	})
}

// routeStatus keys the label children already looked up: patterns are few
// and fixed, so the cache is bounded like the labels themselves.
type routeStatus struct {
	route  string
	status int
}

type seriesPair struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

func (p seriesPair) record(d time.Duration) {
	p.requests.Inc()
	p.duration.Observe(d.Seconds())
}

// series returns the counter and histogram of a route and status, looked
// up by label values (hashing, formatting the code) once per pair.
func (m *Metrics) series(route string, status int) seriesPair {
	k := routeStatus{route, status}
	if p, ok := m.cache.Load(k); ok {
		return p.(seriesPair)
	}
	p := seriesPair{m.requests.WithLabelValues(route, strconv.Itoa(status)), m.duration.WithLabelValues(route)}
	m.cache.Store(k, p)
	return p
}

// Register adds collectors that other packages define (the audit log's
// drop counter) to the registry.
func (m *Metrics) Register(cs ...prometheus.Collector) { m.reg.MustRegister(cs...) }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
