package redirecturi

import (
	"net/url"
	"testing"
)

func TestMatchExact(t *testing.T) {
	reg := []string{"https://app.example/cb?x=1"}
	for _, native := range []bool{false, true} {
		if !Match(reg, "https://app.example/cb?x=1", native) {
			t.Fatalf("exact URI rejected (native %v)", native)
		}
	}
	// Security catalogue RP-03 mutation battery: every variant must fail.
	for _, s := range []string{
		"https://app.example/Cb?x=1", "https://app.example/cb/?x=1", "https://app.example/cb/..;/cb?x=1",
		"https://app.example/cb%2F?x=1", "https://app.example/cb%252F..?x=1", "https://app.example/cb?x=1#f",
		"https://app.example/cb?x=1&y=2", "https://app.example/cb?y=2&x=1", "https://app.example/cb?x=2",
		"https://app.example/cb", "HTTPS://APP.example/cb?x=1", "http://app.example/cb?x=1",
		"https://app.example:443/cb?x=1", "https://app.example:8443/cb?x=1", "https://app.example.evil/cb?x=1",
		"https://evil@app.example/cb?x=1", "https://app.example@evil/cb?x=1", `https:\\evil/cb?x=1`,
		"//evil/cb?x=1", "https://аpp.example/cb?x=1", "https://app.example./cb?x=1", "https://app.example/cb%00?x=1",
		"", " https://app.example/cb?x=1",
	} {
		for _, native := range []bool{false, true} {
			if Match(reg, s, native) {
				t.Errorf("Match accepted %q (native %v)", s, native)
			}
		}
	}
}

func TestMatchLoopback(t *testing.T) {
	reg := []string{"http://127.0.0.1/cb", "http://[::1]/cb"}
	for _, s := range []string{"http://127.0.0.1:51234/cb", "http://127.0.0.1/cb", "http://[::1]:5/cb"} {
		if !Match(reg, s, true) {
			t.Errorf("loopback %q rejected", s)
		}
	}
	for _, s := range []string{"http://127.0.0.1:51234/cb?a=1", "http://127.0.0.1:51234/cb2", "http://127.0.0.1.evil/cb",
		"http://localhost:80@evil/cb", "https://127.0.0.1:5/cb", "http://127.0.0.1:99999999/cb", "http://127.0.0.1:5/cb#x",
		"http://localhost:5/cb", "http://127.0.0.2:5/cb"} {
		if Match(reg, s, true) {
			t.Errorf("loopback variant %q accepted", s)
		}
	}
	// localhost registrations match exactly only (no port rule).
	if Match([]string{"http://localhost:3000/callback"}, "http://localhost:3001/callback", true) {
		t.Error("localhost port changed but accepted")
	}
}

// TestMatchLoopbackWebApps: the any-port rule is for native apps only
// (RFC 8252 §7.3, RFC 9700 §2.1); a web app or SPA registered on a loopback
// port gets byte-exact matching like any other URI.
func TestMatchLoopbackWebApps(t *testing.T) {
	reg := []string{"http://127.0.0.1:4100/callback", "http://[::1]:4100/callback", "http://127.0.0.1/cb"}
	for _, s := range reg {
		if !Match(reg, s, false) {
			t.Errorf("exact %q rejected", s)
		}
	}
	for _, s := range []string{"http://127.0.0.1:4101/callback", "http://[::1]:4101/callback", "http://127.0.0.1/callback",
		"http://127.0.0.1:80/cb", "http://127.0.0.1:5/cb"} {
		if Match(reg, s, false) {
			t.Errorf("web app accepted %q", s)
		}
		if !Match(reg, s, true) && s != "http://127.0.0.1/callback" {
			t.Errorf("native app rejected %q", s)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, s := range []string{"https://a.example/cb", "http://localhost:3000/callback", "http://127.0.0.1/cb", "http://[::1]:8080/cb"} {
		if err := Validate(s, false); err != nil {
			t.Errorf("Validate(%q) = %v", s, err)
		}
	}
	if err := Validate("com.example.app:/cb", true); err != nil {
		t.Errorf("native private-use scheme rejected: %v", err)
	}
	for _, s := range []string{"https://a/cb#frag", "https://*.a/cb", "javascript:alert(1)", "data:text/html,x",
		"vbscript:x", "http://a.example/cb", "https://user:pw@a/cb", "/relative", "myapp:/cb", "https://a/" + string(make([]byte, 3000))} {
		if err := Validate(s, false); err == nil {
			t.Errorf("Validate(%q) accepted", s)
		}
	}
}

func TestPostLogout(t *testing.T) {
	reg := []string{"http://localhost:3000/"}
	for _, s := range []string{"http://localhost:3000", "http://localhost:3000/", "HTTP://LOCALHOST:3000/"} {
		if !MatchPostLogout(reg, s) {
			t.Errorf("%q rejected", s)
		}
	}
	for _, s := range []string{"http://localhost:3000/?foo=bar", "http://localhost:3001/", "http://evil@localhost:3000/", "https://localhost:3000/", ""} {
		if MatchPostLogout(reg, s) {
			t.Errorf("%q accepted", s)
		}
	}
}

// FuzzMatch checks the matcher's property: an accepted URI is byte-equal to
// a registered one, or (native apps only) differs from a registered
// loopback URI only in port.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{"https://app.example/cb", "http://127.0.0.1:8080/cb", "http://localhost@evil/cb", "%zz", "http://[::1]:1/cb"} {
		for _, native := range []bool{false, true} {
			f.Add("https://app.example/cb", s, native)
			f.Add("http://127.0.0.1/cb", s, native)
		}
	}
	f.Fuzz(func(t *testing.T, registered, requested string, native bool) {
		if !Match([]string{registered}, requested, native) || registered == requested {
			return
		}
		if !native {
			t.Fatalf("web app: accepted %q for registered %q", requested, registered)
		}
		a, errA := url.Parse(registered)
		b, errB := url.Parse(requested)
		if errA != nil || errB != nil {
			t.Fatalf("accepted unparsable pair %q %q", registered, requested)
		}
		if a.Scheme != "http" || b.Scheme != "http" || a.Hostname() != b.Hostname() || !isLoopbackIP(a.Hostname()) ||
			a.EscapedPath() != b.EscapedPath() || a.RawQuery != b.RawQuery || b.User != nil || b.Fragment != "" {
			t.Fatalf("accepted %q for registered %q", requested, registered)
		}
	})
}
