package app_test

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The layering rules of docs/design.md, checked on what `go list` reports
// (issue 9): data flows cmd/sesame → internal/cli → internal/app → front
// ends (internal/oidc/<endpoint>, internal/experience) → domain packages →
// internal/store.
const module = "github.com/sesameauth/sesame/"

// oidcShared are the packages under internal/oidc that endpoints share;
// every other package there is an endpoint.
var oidcShared = []string{"keys", "oauth2", "oauth2err", "provider", "redirecturi"}

// leaves import only the standard library; any layer may use them.
var leaves = []string{"internal/opaque", "internal/routes"}

type listedPackage struct {
	ImportPath string
	ForTest    string
	Deps       []string
}

// name strips the module prefix and any test-variant decoration
// ("x [x.test]", "x.test", "x_test") from an import path.
func name(path string) string {
	path, _, _ = strings.Cut(path, " ")
	path = strings.TrimPrefix(path, module)
	path = strings.TrimSuffix(path, ".test")
	return strings.TrimSuffix(path, "_test")
}

// domains are the domain packages: below every front end and the
// composition root, so none may import them (data flows one way).
var domains = []string{"internal/identity", "internal/backchannel", "internal/directory", "internal/authz", "internal/admin", "internal/audit",
	"internal/signinexp", "internal/verification", "internal/regulate", "internal/mfa", "internal/passkey",
	"internal/connector", "internal/mail", "internal/i18n", "internal/password", "internal/secret"}

// isFrontEnd reports whether p serves requests (an endpoint, the hosted
// or account pages, the API, the console) or composes them (internal/app).
func isFrontEnd(p string) bool {
	return isEndpoint(p) || slices.Contains([]string{"internal/experience", "internal/account", "internal/console",
		"internal/management", "internal/app", "internal/cli"}, p)
}

func isEndpoint(p string) bool {
	rest, ok := strings.CutPrefix(p, "internal/oidc/")
	return ok && !strings.Contains(rest, "/") && !slices.Contains(oidcShared, rest)
}

func listPackages(t *testing.T) []listedPackage {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	cmd := exec.Command("go", "list", "-e", "-tags", "e2e", "-test", "-json=ImportPath,ForTest,Deps", "./...")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(out)))
	b, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(strings.NewReader(string(b)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 20 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

// violations applies the rules to pkgs and returns one line per breach.
func violations(pkgs []listedPackage) []string {
	var bad []string
	cliImporters := map[string]bool{}
	for _, p := range pkgs {
		self := name(p.ImportPath)
		isTest := p.ForTest != "" || strings.HasSuffix(p.ImportPath, ".test") || strings.Contains(p.ImportPath, " ")
		for _, d := range p.Deps {
			if !strings.HasPrefix(d, module) {
				continue
			}
			dep := name(d)
			if dep == "internal/cli" && self != "internal/cli" && !strings.HasPrefix(self, "cmd/") {
				cliImporters[self] = true
			}
			if isTest {
				continue // the rules below are about the code that ships
			}
			switch {
			case isEndpoint(self) && isEndpoint(dep) && dep != self:
				bad = append(bad, self+" imports endpoint package "+dep)
			case (self == "internal/session" || strings.HasPrefix(self, "internal/store")) &&
				!strings.HasPrefix(dep, "internal/store") && !slices.Contains(leaves, dep):
				bad = append(bad, self+" imports "+dep+", above internal/store")
			case strings.HasPrefix(self, "internal/experience") && isEndpoint(dep):
				bad = append(bad, self+" imports endpoint package "+dep)
			case self == "internal/console" && (isEndpoint(dep) || dep == "internal/experience"):
				bad = append(bad, self+" imports front end "+dep)
			case self == "internal/account" && (isEndpoint(dep) || dep == "internal/experience" || dep == "internal/console"):
				bad = append(bad, self+" imports front end "+dep)
			case slices.Contains(domains, self) && isFrontEnd(dep):
				bad = append(bad, self+" (a domain package) imports "+dep)
			}
		}
	}
	for p := range cliImporters {
		bad = append(bad, p+" imports internal/cli (only cmd/ may)")
	}
	slices.Sort(bad)
	return slices.Compact(bad)
}

// TestLayering: no domain package imports a front end, no endpoint
// package imports another endpoint package,
// internal/session and internal/store import nothing above the store,
// the hosted pages import no endpoint package, and only cmd/ imports
// internal/cli (tests included).
func TestLayering(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	for _, v := range violations(listPackages(t)) {
		t.Error(v)
	}
}

// TestLayeringRules: each rule catches the import it forbids.
func TestLayeringRules(t *testing.T) {
	m := func(s string) string { return module + s }
	pkgs := []listedPackage{
		{ImportPath: m("internal/oidc/introspection"), Deps: []string{m("internal/oidc/revocation"), m("internal/oidc/oauth2")}},
		{ImportPath: m("internal/session"), Deps: []string{m("internal/oidc/provider"), m("internal/store"), m("internal/opaque")}},
		{ImportPath: m("internal/store/sqlstore"), Deps: []string{m("internal/store"), m("internal/config")}},
		{ImportPath: m("internal/experience"), Deps: []string{m("internal/oidc/authorize")}},
		{ImportPath: m("internal/console"), Deps: []string{m("internal/experience"), m("internal/oidc/token"), m("internal/oidc/oauth2")}},
		{ImportPath: m("internal/ui [" + m("internal/ui.test") + "]"), ForTest: m("internal/ui"), Deps: []string{m("internal/cli")}},
		{ImportPath: m("internal/app_test [" + m("internal/app.test") + "]"), ForTest: m("internal/app"), Deps: []string{m("internal/cli")}},
		{ImportPath: m("cmd/sesame"), Deps: []string{m("internal/cli")}},
		{ImportPath: m("internal/mfa"), Deps: []string{m("internal/experience"), m("internal/store")}},
		{ImportPath: m("internal/connector"), Deps: []string{m("internal/signinexp")}},
	}
	want := []string{
		"internal/app imports internal/cli (only cmd/ may)",
		"internal/console imports front end internal/experience",
		"internal/console imports front end internal/oidc/token",
		"internal/experience imports endpoint package internal/oidc/authorize",
		"internal/mfa (a domain package) imports internal/experience",
		"internal/oidc/introspection imports endpoint package internal/oidc/revocation",
		"internal/session imports internal/oidc/provider, above internal/store",
		"internal/store/sqlstore imports internal/config, above internal/store",
		"internal/ui imports internal/cli (only cmd/ may)",
	}
	if got := violations(pkgs); !slices.Equal(got, want) {
		t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
