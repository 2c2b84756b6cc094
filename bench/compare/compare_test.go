package main

import (
	"encoding/xml"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestStatFieldsOfThisProcess(t *testing.T) {
	f := statFields(os.Getpid())
	if len(f) < 15 {
		t.Fatalf("statFields: %d fields", len(f))
	}
	if f[1] != strconv.Itoa(os.Getppid()) {
		t.Errorf("parent %s, want %d", f[1], os.Getppid())
	}
	if !strings.Contains("RSD", f[0]) {
		t.Errorf("state %q", f[0])
	}
}

func TestCPUTimeCountsWork(t *testing.T) {
	before := cpuTime(os.Getpid())
	deadline := time.Now().Add(5 * time.Second)
	x := 0
	for cpuTime(os.Getpid())-before < 30*time.Millisecond {
		if time.Now().After(deadline) {
			t.Fatal("5 s of spinning did not show 30 ms of CPU in /proc")
		}
		for i := 0; i < 1_000_000; i++ {
			x += i
		}
	}
	_ = x
	if rss, hwm := memKB(os.Getpid()); rss <= 0 || hwm < rss {
		t.Errorf("memKB: rss %d, hwm %d", rss, hwm)
	}
}

func TestMedianPerFieldAndFailuresAdded(t *testing.T) {
	m := median([]measurement{
		{RPS: 10, P50us: 5, P99us: 90, CPUus: 300, Failures: 1, FirstError: "boom"},
		{RPS: 30, P50us: 1, P99us: 10, CPUus: 100},
		{RPS: 20, P50us: 3, P99us: 50, CPUus: 200, Failures: 2},
	})
	if m.RPS != 20 || m.P50us != 3 || m.P99us != 50 || m.CPUus != 200 {
		t.Errorf("median %+v", m)
	}
	if m.Failures != 3 || m.FirstError != "boom" {
		t.Errorf("failures %d %q, want 3 and the first error", m.Failures, m.FirstError)
	}
}

func TestDriveCountsFailures(t *testing.T) {
	var m measurement
	n := 0
	drive(1, 50*time.Millisecond, func(int) error {
		n++
		if n%2 == 0 {
			return errors.New("even")
		}
		return nil
	}, &m)
	if m.Requests == 0 || m.Failures != m.Requests/2 || m.FirstError != "even" {
		t.Errorf("requests %d, failures %d, first error %q", m.Requests, m.Failures, m.FirstError)
	}
}

func TestPlotsAreWellFormedXML(t *testing.T) {
	sc := scenarioResult{scenario: scenario{Name: "x", Title: "a <b> & c", Conc: 10}, Results: []serverResult{
		{Server: "sesame", Runs: []measurement{{}}, Median: measurement{RPS: 100, CPUus: 50, P50us: 900, P99us: 2000}},
		{Server: "sesame-pg", Runs: []measurement{{}}, Median: measurement{RPS: 80, CPUus: 60, DBCPUus: 40}},
		{Server: "hydra", Note: "not measured"},
	}}
	for name, svg := range map[string]string{"scenario": scenarioSVG(sc),
		"footprint": footprintSVG([]serverInfo{{Name: "sesame", ColdStartMedianMs: 60, IdleRSSMedianKB: 1000, LoadRSSKB: 2000}})} {
		d := xml.NewDecoder(strings.NewReader(svg))
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v\n%s", name, err, svg)
			}
		}
	}
	if s := scenarioSVG(sc); strings.Contains(s, ">hydra<") || !strings.Contains(s, "+40 PostgreSQL") {
		t.Errorf("a server without runs is drawn, or the database CPU is missing:\n%s", s)
	}
}

func TestTokenAlg(t *testing.T) {
	// {"alg":"ES256","typ":"at+jwt"}
	if a := tokenAlg("eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.e30.sig"); a != "ES256" {
		t.Errorf("alg %q", a)
	}
	if a := tokenAlg("opaque-token"); a != "" {
		t.Errorf("opaque token gave alg %q", a)
	}
}
