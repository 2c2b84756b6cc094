package app_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"
)

// discardWriter is the least a ResponseWriter can be, so the request-path
// benchmark counts the middleware and not a recorder.
type discardWriter struct {
	h      http.Header
	status int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) WriteHeader(code int)        { d.status = code }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// BenchmarkRequestPath measures the middleware every request goes through
// (request id, recovery, access log at the default level, security
// headers, limits, deadline, metrics) around a handler that writes two
// bytes: the fixed cost of a request before any endpoint's own work.
func BenchmarkRequestPath(b *testing.B) {
	e := newEnv(b)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /trivial", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	h := e.Server.Middleware(mux)
	req := httptest.NewRequest(http.MethodGet, "/trivial", nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	before := cpuTime()
	for b.Loop() {
		clear(w.h)
		w.status = 0
		h.ServeHTTP(w, req)
	}
	// CPU time (GC included) is steadier than ns/op on a shared machine.
	b.ReportMetric(float64(cpuTime()-before)/float64(b.N), "cpu-ns/op")
	if w.status != 0 && w.status != http.StatusOK {
		b.Fatal(w.status)
	}
}

// BenchmarkStaticOverHTTP compares the CPU per request (client and server
// together, from getrusage, in µs) of discovery and JWKS through Sesame's
// whole handler with a bare net/http handler writing the same bytes and
// headers, both over loopback HTTP with keep-alive connections from
// parallel clients. The target is sesame within 1.5× of bare.
func BenchmarkStaticOverHTTP(b *testing.B) {
	e := newEnv(b)
	sesame := httptest.NewServer(e.Server.Handler())
	defer sesame.Close()
	for _, path := range []string{"/oidc/.well-known/openid-configuration", "/oidc/jwks"} {
		resp, err := http.Get(sesame.URL + path)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ctype, cache := resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control")
		bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			w.Header().Set("Cache-Control", cache)
			w.Write(body)
		}))
		name := path[len("/oidc/"):]
		if name != "jwks" {
			name = "discovery"
		}
		for _, srv := range []struct {
			name string
			url  string
		}{{"bare", bare.URL}, {"sesame", sesame.URL}} {
			b.Run(name+"/"+srv.name, func(b *testing.B) {
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
				defer client.CloseIdleConnections()
				before := cpuTime()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						resp, err := client.Get(srv.url + path)
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != http.StatusOK {
							b.Errorf("%s: %d", path, resp.StatusCode)
							return
						}
					}
				})
				b.ReportMetric(float64((cpuTime()-before).Microseconds())/float64(b.N), "cpu-µs/op")
			})
		}
		bare.Close()
	}
}

// cpuTime is the CPU the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
