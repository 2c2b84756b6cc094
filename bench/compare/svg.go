package main

// Plots as plain SVG: one row of bars per server and one panel per
// quantity, each panel scaled to its own largest value.

import (
	"fmt"
	"html"
	"strings"
)

var colors = map[string]string{"sesame": "#2b7bb9", "sesame-pg": "#6aa8d8", "node-oidc-provider": "#4a9d3f", "hydra": "#d9822b"}

type panel struct {
	title string
	unit  string
	value func(i int) float64
	label func(i int) string
}

// barSVG draws len(names) rows of bars in every panel.
func barSVG(title string, names []string, panels []panel, foot string) string {
	const rowH, left, panelW, gap, top = 26, 150, 260, 30, 54
	w := left + len(panels)*(panelW+gap) + 10
	h := top + len(names)*rowH + 40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/><text x="8" y="18" font-size="14" font-weight="bold">%s</text>`+"\n", html.EscapeString(title))
	for i, n := range names {
		fmt.Fprintf(&b, `<text x="8" y="%d">%s</text>`+"\n", top+i*rowH+17, html.EscapeString(n))
	}
	for p, pn := range panels {
		x0 := left + p*(panelW+gap)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", x0, top-12, html.EscapeString(pn.title+" ("+pn.unit+")"))
		var mx float64
		for i := range names {
			mx = max(mx, pn.value(i))
		}
		for i, n := range names {
			v := pn.value(i)
			bw := 0.0
			if mx > 0 {
				bw = v / mx * float64(panelW-90)
			}
			c := colors[n]
			if c == "" {
				c = "#888"
			}
			y := top + i*rowH
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`, x0, y+4, bw, rowH-8, c)
			fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", float64(x0)+bw+4, y+17, html.EscapeString(pn.label(i)))
		}
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#444"/>`+"\n", x0, top, x0, top+len(names)*rowH)
	}
	fmt.Fprintf(&b, `<text x="8" y="%d" fill="#555">%s</text>`+"\n", h-12, html.EscapeString(foot))
	b.WriteString("</svg>\n")
	return b.String()
}

// scenarioSVG: req/s, CPU per request and p50/p99 latency per server.
func scenarioSVG(sc scenarioResult) string {
	var names []string
	var ms []measurement
	for _, r := range sc.Results {
		if len(r.Runs) > 0 {
			names = append(names, r.Server)
			ms = append(ms, r.Median)
		}
	}
	f := func(fn func(m measurement) float64) func(int) float64 {
		return func(i int) float64 { return fn(ms[i]) }
	}
	panels := []panel{
		{"throughput", "req/s, higher is better", f(func(m measurement) float64 { return m.RPS }),
			func(i int) string { return fmt.Sprintf("%.0f", ms[i].RPS) }},
		{"server CPU per request", "µs, lower is better", f(func(m measurement) float64 { return m.CPUus }),
			func(i int) string {
				if ms[i].DBCPUus > 0 {
					return fmt.Sprintf("%.0f µs (+%.0f PostgreSQL)", ms[i].CPUus, ms[i].DBCPUus)
				}
				return fmt.Sprintf("%.0f µs", ms[i].CPUus)
			}},
		{"latency p99 (p50)", "ms, lower is better", f(func(m measurement) float64 { return m.P99us }),
			func(i int) string { return fmt.Sprintf("%.2f (%.2f)", ms[i].P99us/1000, ms[i].P50us/1000) }},
	}
	fails := int64(0)
	for _, m := range ms {
		fails += m.Failures
	}
	foot := fmt.Sprintf("%s; %d connections; medians of the rounds; failures: %d", sc.Name, sc.Conc, fails)
	return barSVG(sc.Title, names, panels, foot)
}

// footprintSVG: cold start, idle RSS and RSS under load per server.
func footprintSVG(servers []serverInfo) string {
	var ss []serverInfo
	var names []string
	for _, s := range servers {
		if s.ColdStartMedianMs > 0 || s.LoadRSSKB > 0 {
			ss = append(ss, s)
			names = append(names, s.Name)
		}
	}
	panels := []panel{
		{"cold start to discovery 200", "ms, lower is better", func(i int) float64 { return ss[i].ColdStartMedianMs },
			func(i int) string { return fmt.Sprintf("%.0f ms", ss[i].ColdStartMedianMs) }},
		{"idle RSS", "MB, lower is better", func(i int) float64 { return float64(ss[i].IdleRSSMedianKB) },
			func(i int) string { return fmt.Sprintf("%.1f MB", float64(ss[i].IdleRSSMedianKB)/1024) }},
		{"RSS under load (max)", "MB, lower is better", func(i int) float64 { return float64(ss[i].LoadRSSKB) },
			func(i int) string { return fmt.Sprintf("%.1f MB", float64(ss[i].LoadRSSKB)/1024) }},
	}
	return barSVG("Cold start and memory", names, panels, "medians of the rounds; loaded RSS: max of VmRSS sampled every 100 ms under load and VmHWM")
}
