// Command startup measures a sesame binary's start-up and footprint: the
// time from exec to the first 200 from discovery on a fresh SQLite data
// directory and on an existing one, the idle RSS once the server settles,
// and the peak RSS under a load of discovery and JWKS requests. Each figure
// is the median of -runs runs of the given binaries, alternated so that a
// busy machine hurts each the same (bench/README.md, "Start-up and
// footprint").
//
//	go build -o /tmp/sesame ./cmd/sesame
//	go run ./bench/startup -runs 15 /tmp/sesame-before /tmp/sesame
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	runs := flag.Int("runs", 11, "runs per binary and scenario")
	load := flag.Duration("load", 3*time.Second, "how long the load for the loaded RSS lasts (0: skip)")
	conc := flag.Int("c", 10, "concurrent connections of the load")
	settle := flag.Duration("settle", 2*time.Second, "how long the server idles before its idle RSS is read")
	flag.Parse()
	bins := flag.Args()
	if len(bins) == 0 {
		fmt.Fprintln(os.Stderr, "usage: startup [flags] BINARY...")
		os.Exit(2)
	}
	type result struct{ fresh, existing, idle, loaded []float64 }
	res := make([]result, len(bins))
	for i := range *runs {
		for b, bin := range bins {
			dir, err := os.MkdirTemp("", "sesame-startup-")
			check(err)
			fresh, s := start(bin, dir)
			s.stop()
			existing, s := start(bin, dir)
			res[b].fresh = append(res[b].fresh, ms(fresh))
			res[b].existing = append(res[b].existing, ms(existing))
			if i < 3 || *runs <= 3 { // RSS varies little; three samples suffice
				time.Sleep(*settle)
				res[b].idle = append(res[b].idle, s.rssMB("VmRSS"))
				if *load > 0 {
					hammer(s.base, *conc, *load)
					res[b].loaded = append(res[b].loaded, s.rssMB("VmHWM"))
				}
			}
			s.stop()
			os.RemoveAll(dir)
		}
	}
	fmt.Printf("%d runs each (medians; RSS from %d runs)\n\n", *runs, min(3, *runs))
	fmt.Println("| binary | cold start, fresh dir | cold start, existing dir | idle RSS | peak RSS under load |")
	fmt.Println("|---|---:|---:|---:|---:|")
	for b, bin := range bins {
		r := res[b]
		fmt.Printf("| %s | %.1f ms | %.1f ms | %.1f MB | %s |\n", bin, median(r.fresh), median(r.existing), median(r.idle), loadedCell(r.loaded))
	}
	for b, bin := range bins {
		fmt.Printf("\n%s fresh: %s\n%s existing: %s\n", bin, list(res[b].fresh), bin, list(res[b].existing))
	}
}

func loadedCell(v []float64) string {
	if len(v) == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f MB", median(v))
}

type server struct {
	cmd  *exec.Cmd
	base string
}

// start runs bin serve on dir and returns the time to the first 200 from
// discovery, polled every 0.5 ms.
func start(bin, dir string) (time.Duration, *server) {
	addr := freeAddr()
	base := "http://" + addr
	cmd := exec.Command(bin, "serve", "--data", dir, "--addr", addr, "--endpoint", base, "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	t0 := time.Now()
	check(cmd.Start())
	for {
		resp, err := client.Get(base + "/oidc/.well-known/openid-configuration")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return time.Since(t0), &server{cmd, base}
			}
		}
		if time.Since(t0) > 20*time.Second {
			cmd.Process.Kill()
			check(fmt.Errorf("%s: no discovery 200 within 20 s (%v)", bin, err))
		}
		time.Sleep(500 * time.Microsecond)
	}
}

func (s *server) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

// rssMB reads a field of /proc/PID/status (VmRSS now, VmHWM the peak).
func (s *server) rssMB(field string) float64 {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(s.cmd.Process.Pid), "status"))
	check(err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			check(err)
			return float64(kb) / 1024
		}
	}
	check(fmt.Errorf("no %s in /proc status", field))
	return 0
}

// hammer requests discovery and JWKS from c connections for d.
func hammer(base string, c int, d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c}}
	var wg sync.WaitGroup
	for i := range c {
		wg.Go(func() {
			urls := []string{base + "/oidc/.well-known/openid-configuration", base + "/oidc/jwks"}
			for n := i; ctx.Err() == nil; n++ {
				req, _ := http.NewRequestWithContext(ctx, "GET", urls[n%2], nil)
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	client.CloseIdleConnections()
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer l.Close()
	return l.Addr().String()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func list(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.FormatFloat(x, 'f', 1, 64)
	}
	return strings.Join(parts, " ")
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "startup:", err)
		os.Exit(1)
	}
}
