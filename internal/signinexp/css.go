package signinexp

import (
	"fmt"
	"strconv"
	"strings"
)

// CSS is the brand stylesheet: the colours as the variables of
// web/static/sesame.css. It is served as a file, not inlined, so the
// pages' CSP keeps style-src 'self' with no inline style
// (docs/security.md). Only validated #rrggbb values reach it; anything
// else falls back to the defaults.
func (s Settings) CSS() string {
	d := Defaults(false).Color
	light, dark := color(s.Color.PrimaryColor, d.PrimaryColor), color(s.Color.DarkPrimaryColor, d.DarkPrimaryColor)
	var b strings.Builder
	b.WriteString("/* Generated from the sign-in experience settings. */\n")
	vars(&b, ":root", light)
	if !s.Color.IsDarkModeEnabled {
		// Light only: the pages carry class "light-only", which keeps
		// sesame.css's light palette; the brand colour is the light one.
		b.WriteString(":root {\n  color-scheme: light;\n}\n")
		return b.String()
	}
	b.WriteString("@media (prefers-color-scheme: dark) {\n")
	vars(&b, "  :root", dark)
	b.WriteString("}\n")
	return b.String()
}

func vars(b *strings.Builder, sel string, c [3]int64) {
	fmt.Fprintf(b, "%s {\n  --primary: %s;\n  --primary-hover: %s;\n  --link: %s;\n  --focus: %s;\n  --focus-ring: rgba(%d, %d, %d, 0.28);\n}\n",
		sel, hex(c), hex(scale(c, 0.85)), hex(c), hex(c), c[0], c[1], c[2])
}

func color(v, def string) [3]int64 {
	if !hexColor.MatchString(v) {
		v = def
	}
	var c [3]int64
	for i := range c {
		c[i], _ = strconv.ParseInt(v[1+2*i:3+2*i], 16, 64)
	}
	return c
}

func scale(c [3]int64, f float64) [3]int64 {
	for i := range c {
		c[i] = int64(float64(c[i]) * f)
	}
	return c
}

func hex(c [3]int64) string { return fmt.Sprintf("#%02x%02x%02x", c[0], c[1], c[2]) }
