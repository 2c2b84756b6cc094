package main

import (
	"strings"
	"testing"
)

const stream = `{"config":{"protocol_version":"v1.0.0"}}
{"finding":{"osv":"GO-1","fixed_version":"v1.26.9","trace":[{"module":"stdlib","version":"v1.26.8","package":"net/http","function":"Serve"}]}}
{"finding":{"osv":"GO-2","fixed_version":"v1.2.4","trace":[{"module":"example.com/m","version":"v1.2.3","package":"example.com/m/p"}]}}
`

func TestStandardLibraryFindingsAreListedNotFailed(t *testing.T) {
	lines, fail, err := gate(strings.NewReader(stream), false)
	if err != nil || fail {
		t.Fatalf("fail=%v err=%v", fail, err)
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "GO-1") || !strings.Contains(lines[0], "fixed in Go 1.26.9") {
		t.Fatalf("lines %q (GO-2 is imported, not called: not listed)", lines)
	}
	if _, fail, _ := gate(strings.NewReader(stream), true); !fail {
		t.Fatal("-strict must fail on a standard-library finding")
	}
}

func TestCalledModuleFindingFails(t *testing.T) {
	in := stream + `{"finding":{"osv":"GO-3","fixed_version":"v0.5.0","trace":[{"module":"example.com/dep","version":"v0.4.0","package":"example.com/dep","function":"Parse"}]}}`
	lines, fail, err := gate(strings.NewReader(in), false)
	if err != nil || !fail {
		t.Fatalf("a called module vulnerability must fail: fail=%v err=%v", fail, err)
	}
	if !strings.Contains(strings.Join(lines, "\n"), "FAIL module example.com/dep@v0.4.0: GO-3") {
		t.Fatalf("lines %q", lines)
	}
}

func TestGarbageIsAnError(t *testing.T) {
	if _, _, err := gate(strings.NewReader("{not json"), false); err == nil {
		t.Fatal("unreadable input must be an error, not a pass")
	}
}
