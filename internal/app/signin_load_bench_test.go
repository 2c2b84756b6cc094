package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/experience"
	"github.com/sesameauth/sesame/internal/password"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/testkit"
)

// BenchmarkP99UnderSignInLoad (issue 12, item 3): argon2id is the one
// deliberate cost, and password.limiter gives it at most half the cores.
// It measures, over loopback TCP, the p99 of discovery and of an ES256
// client_credentials token alone, then with 8 browsers signing in with
// production-cost passwords (password.Default) as fast as they can, and
// reports both and their ratio (target: within 2×). Run it alone:
//
//	go test -run '^$' -bench P99UnderSignInLoad -benchtime 1x ./internal/app/
func BenchmarkP99UnderSignInLoad(b *testing.B) {
	const phase = 8 * time.Second
	e := newEnv(b, func(c *config.Config, o *app.Options) {
		c.SigningAlg, c.TrustedProxies = "ES256", "127.0.0.1/32,::1/128"
		o.PasswordParams = password.Default
	})
	r := "https://app.example/cb"
	web, _ := e.app(b, store.AppTraditional, []string{r}, nil)
	m2m, secret := e.app(b, store.AppM2M, nil, nil)
	e.resource(b, "https://api.example.com", "read")
	e.permit(b, m2m, map[string][]string{"https://api.example.com": {"read"}})
	for w := range 8 { // one user per browser: a user's concurrent checks are limited
		u, err := experience.NewUser(b.Context(), fmt.Sprintf("loaded%d", w), "", "password-loaded", password.Default, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if err := e.Store.CreateUser(b.Context(), u); err != nil {
			b.Fatal(err)
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	tokenForm := url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.example.com"}, "scope": {"read"}}.Encode()

	// probe measures one kind of request, back to back, until stop.
	probe := func(stop <-chan struct{}, do func() (int, error)) []time.Duration {
		var lat []time.Duration
		for {
			select {
			case <-stop:
				return lat
			default:
			}
			start := time.Now()
			st, err := do()
			if err != nil || st != 200 {
				b.Errorf("probe: %d %v", st, err)
				return lat
			}
			lat = append(lat, time.Since(start))
		}
	}
	discovery := func() (int, error) {
		resp, err := client.Get(e.URL + "/oidc/.well-known/openid-configuration")
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	token := func() (int, error) {
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/oidc/token", strings.NewReader(tokenForm))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(m2m, secret)
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	p99 := func(lat []time.Duration) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		slices.Sort(lat)
		return lat[len(lat)*99/100]
	}
	run := func(loaded bool) (disc, tok time.Duration, signIns, busy int64) {
		stop := make(chan struct{})
		var loader *exec.Cmd
		if loaded {
			// The browsers run in a process of their own, as they would on
			// their own machines: in this one they would take the free
			// core from the server.
			loader = exec.Command("nice", "-n", "19", os.Args[0], "-test.run=^TestSignInLoader$")
			loader.Env = append(os.Environ(), "SESAME_SIGNIN_LOADER="+e.URL+" "+web+" "+r)
			var out strings.Builder
			loader.Stdout, loader.Stderr = &out, &out
			if err := loader.Start(); err != nil {
				b.Fatal(err)
			}
			defer func() {
				loader.Process.Signal(os.Interrupt)
				loader.Wait()
				for _, line := range strings.Split(out.String(), "\n") {
					if v, ok := strings.CutPrefix(line, "signins "); ok {
						fmt.Sscan(v, &signIns, &busy)
					}
				}
			}()
			time.Sleep(2 * time.Second) // let the hashing queue fill
		}
		var dl, tl []time.Duration
		var pw sync.WaitGroup
		pw.Go(func() { dl = probe(stop, discovery) })
		pw.Go(func() { tl = probe(stop, token) })
		time.Sleep(phase)
		close(stop)
		pw.Wait()
		return p99(dl), p99(tl), 0, 0
	}
	for b.Loop() {
		d0, t0, _, _ := run(false)
		d1, t1, n, busy := run(true)
		b.ReportMetric(float64(d0.Microseconds()), "µs-discovery-p99-alone")
		b.ReportMetric(float64(d1.Microseconds()), "µs-discovery-p99-loaded")
		b.ReportMetric(float64(t0.Microseconds()), "µs-token-p99-alone")
		b.ReportMetric(float64(t1.Microseconds()), "µs-token-p99-loaded")
		b.ReportMetric(float64(n)/(phase.Seconds()+2), "sign-ins/s")
		b.ReportMetric(float64(busy), "busy-answers")
	}
}

// TestSignInLoader is BenchmarkP99UnderSignInLoad's load: 8 browsers
// signing in as loaded0…7 until interrupted, then "signins N BUSY" on
// stdout. It runs only as that benchmark's child process.
func TestSignInLoader(t *testing.T) {
	args := strings.Fields(os.Getenv("SESAME_SIGNIN_LOADER"))
	if len(args) != 3 {
		t.Skip("run by BenchmarkP99UnderSignInLoad")
	}
	endpoint, web, r := args[0], args[1], args[2]
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	done := make(chan struct{})
	var n, nbusy atomic.Int64
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				br := testkit.NewBrowser(endpoint, nil)
				br.Client.Transport = &forwardedFor{addr: fmt.Sprintf("198.19.%d.%d", w, i%250+1)}
				_, challenge := pkce()
				u := endpoint + "/oidc/auth?" + url.Values{"client_id": {web}, "redirect_uri": {r}, "response_type": {"code"},
					"scope": {"openid"}, "state": {"s"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}.Encode()
				resp, err := br.Get(u)
				if err == nil {
					resp, err = br.SignIn(resp, fmt.Sprintf("loaded%d", w), "password-loaded")
				}
				if err == nil && resp.StatusCode == http.StatusServiceUnavailable {
					nbusy.Add(1)
					continue
				}
				if err == nil {
					_, err = testkit.RedirectTo(resp, r)
				}
				select {
				case <-done:
					return
				default:
				}
				if err != nil {
					t.Errorf("sign-in: %v", err)
					return
				}
				n.Add(1)
			}
		})
	}
	<-stop
	close(done)
	wg.Wait()
	fmt.Printf("signins %d %d\n", n.Load(), nbusy.Load())
}
