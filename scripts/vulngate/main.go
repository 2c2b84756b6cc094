// Command vulngate reads `govulncheck -format json` on standard input and
// decides what fails the build: a vulnerability that our code calls in a
// module we require fails it (exit 1); one in the Go standard library is
// listed with the Go release that fixes it, and fails it only with
// -strict, because the fix is a toolchain upgrade, not a code change
// (docs/testing.md says why and what release builds must use).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// finding is the part of govulncheck's JSON "finding" message we read.
type finding struct {
	OSV          string `json:"osv"`
	FixedVersion string `json:"fixed_version"`
	Trace        []struct {
		Module   string `json:"module"`
		Version  string `json:"version"`
		Package  string `json:"package"`
		Function string `json:"function"`
	} `json:"trace"`
}

func main() {
	strict := flag.Bool("strict", false, "fail on standard-library findings too")
	flag.Parse()
	lines, fail, err := gate(os.Stdin, *strict)
	for _, l := range lines {
		fmt.Println(l)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulngate:", err)
		os.Exit(2)
	}
	if fail {
		os.Exit(1)
	}
}

// gate returns the report lines and whether the build fails.
func gate(r io.Reader, strict bool) ([]string, bool, error) {
	dec := json.NewDecoder(r)
	called := map[string]finding{} // by OSV id: findings whose trace reaches a function we call
	for {
		var msg struct {
			Finding *finding `json:"finding"`
		}
		if err := dec.Decode(&msg); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, false, fmt.Errorf("reading govulncheck output: %w", err)
		}
		f := msg.Finding
		if f == nil || len(f.Trace) == 0 || f.Trace[0].Function == "" {
			continue // imported or required only: not reachable from our code
		}
		called[f.OSV] = *f
	}
	var lines []string
	fail := false
	ids := make([]string, 0, len(called))
	for id := range called {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		f := called[id]
		t := f.Trace[0]
		fixed := f.FixedVersion
		if fixed == "" {
			fixed = "no fix yet"
		}
		where := t.Package + "." + t.Function
		if t.Module == "stdlib" {
			lines = append(lines, fmt.Sprintf("standard library: %s in %s (%s; fixed in Go %s)", id, where, t.Version, strings.TrimPrefix(fixed, "v")))
			fail = fail || strict
			continue
		}
		lines = append(lines, fmt.Sprintf("FAIL module %s@%s: %s in %s (fixed in %s)", t.Module, t.Version, id, where, fixed))
		fail = true
	}
	if len(ids) == 0 {
		lines = append(lines, "no called vulnerabilities")
	}
	return lines, fail, nil
}
