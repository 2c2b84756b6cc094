package main

// The soak's plot.

import (
	"fmt"
	"html"
	"strings"
)

var soakColors = []string{"#2b7bb9", "#d9822b", "#4a9d3f", "#b93b2b", "#7b4ab9", "#2bb9a5", "#777777"}

// soakSVG plots p99 per endpoint and RSS per server over time, one panel
// above the other.
func soakSVG(r soakRun) string {
	const w, ph, left, top, gap = 760, 220, 60, 40, 60
	h := top + 2*ph + gap + 50
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/><text x="8" y="18" font-size="14" font-weight="bold">Soak: %s, %s, %d workers</text>`+"\n",
		html.EscapeString(r.Name), r.Duration, r.Workers)
	var tmax float64
	for _, s := range r.Samples {
		tmax = max(tmax, s.At)
	}
	if tmax == 0 {
		tmax = 1
	}
	pw := float64(w - left - 150)
	line := func(y0 int, vmax float64, pts [][2]float64, color string) {
		if len(pts) == 0 {
			return
		}
		var p strings.Builder
		for i, pt := range pts {
			x := float64(left) + pt[0]/tmax*pw
			y := float64(y0+ph) - pt[1]/vmax*float64(ph)
			if i == 0 {
				fmt.Fprintf(&p, "M%.1f %.1f", x, y)
			} else {
				fmt.Fprintf(&p, " L%.1f %.1f", x, y)
			}
		}
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.5"/>`+"\n", p.String(), color)
	}
	axes := func(y0 int, title, unit string, vmax float64) {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold">%s (%s)</text>`+"\n", left, y0-8, html.EscapeString(title), unit)
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/><line x1="%d" y1="%d" x2="%.0f" y2="%d" stroke="black"/>`+"\n",
			left, y0, left, y0+ph, left, y0+ph, float64(left)+pw, y0+ph)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%.0f</text><text x="%d" y="%d" text-anchor="end">0</text>`+"\n", left-4, y0+8, vmax, left-4, y0+ph)
		fmt.Fprintf(&b, `<text x="%.0f" y="%d" text-anchor="end">%.0f s</text>`+"\n", float64(left)+pw, y0+ph+14, tmax)
	}
	// p99 per endpoint.
	var pmax float64
	for _, s := range r.Samples {
		for _, e := range s.Endpoints {
			pmax = max(pmax, e.P99ms)
		}
	}
	pmax = max(pmax, 1)
	axes(top, "p99 latency per endpoint", "ms", pmax)
	for i, o := range soakOps {
		var pts [][2]float64
		for _, s := range r.Samples {
			if e, ok := s.Endpoints[o.name]; ok {
				pts = append(pts, [2]float64{s.At, e.P99ms})
			}
		}
		c := soakColors[i%len(soakColors)]
		line(top, pmax, pts, c)
		fmt.Fprintf(&b, `<text x="%.0f" y="%d" fill="%s">%s</text>`+"\n", float64(left)+pw+10, top+14+i*14, c, o.name)
	}
	// RSS per server.
	y1 := top + ph + gap
	var rmax float64
	for _, s := range r.Samples {
		for _, v := range s.RSSKB {
			rmax = max(rmax, float64(v)/1024)
		}
	}
	rmax = max(rmax, 1)
	axes(y1, "RSS per server", "MB", rmax)
	nproc := 0
	if len(r.Samples) > 0 {
		nproc = len(r.Samples[0].RSSKB)
	}
	for p := range nproc {
		var pts [][2]float64
		for _, s := range r.Samples {
			if p < len(s.RSSKB) {
				pts = append(pts, [2]float64{s.At, float64(s.RSSKB[p]) / 1024})
			}
		}
		c := soakColors[p%len(soakColors)]
		line(y1, rmax, pts, c)
		fmt.Fprintf(&b, `<text x="%.0f" y="%d" fill="%s">server %d</text>`+"\n", float64(left)+pw+10, y1+14+p*14, c, p+1)
	}
	b.WriteString("</svg>\n")
	return b.String()
}
