package redirecturi

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

// MaxLength bounds a registered or requested URI.
const MaxLength = 2000

// Match reports whether requested may be used given the registered list:
// byte-exact equality with a registered URI. loopbackAnyPort (native apps
// only) adds RFC 8252 §7.3's exception: a registered http URI on a loopback
// IP literal matches the same URI with any port. Web apps and SPAs must not
// get it: another port on the user's machine is another program (RFC 9700
// §2.1).
func Match(registered []string, requested string, loopbackAnyPort bool) bool {
	if requested == "" || len(requested) > MaxLength {
		return false
	}
	for _, r := range registered {
		if r == requested {
			return true
		}
	}
	if !loopbackAnyPort {
		return false
	}
	req, err := url.Parse(requested)
	if err != nil || req.Scheme != "http" || req.User != nil || req.Fragment != "" || req.Opaque != "" {
		return false
	}
	if !isLoopbackIP(req.Hostname()) {
		return false
	}
	for _, r := range registered {
		reg, err := url.Parse(r)
		if err != nil || reg.Scheme != "http" || !isLoopbackIP(reg.Hostname()) {
			continue
		}
		// Same IP literal, path and query byte for byte; only the port may differ.
		if reg.Hostname() == req.Hostname() && reg.EscapedPath() == req.EscapedPath() &&
			reg.RawQuery == req.RawQuery && reg.ForceQuery == req.ForceQuery && validPort(req.Port()) {
			return true
		}
	}
	return false
}

func isLoopbackIP(h string) bool {
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback() && (h == "127.0.0.1" || h == "::1")
}

// IsLoopbackHost reports whether the host h (a URL's Hostname) is one of
// the loopback names for which Sesame allows plain http in a URL an
// administrator registers: localhost, 127.0.0.1 and ::1. Redirect URIs,
// back-channel logout URIs and connector URLs share this one rule.
func IsLoopbackHost(h string) bool { return h == "localhost" || isLoopbackIP(h) }

func validPort(p string) bool {
	if p == "" {
		return true
	}
	if len(p) > 5 {
		return false
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Validate checks a URI an administrator registers. http is allowed only
// for loopback hosts (localhost, 127.0.0.1, [::1]); native apps may also use
// a private-use scheme in reverse-domain form (RFC 8252 §7.1).
func Validate(raw string, native bool) error {
	if raw == "" {
		return errors.New("redirect URI is empty")
	}
	if len(raw) > MaxLength {
		return errors.New("redirect URI is too long")
	}
	if strings.ContainsAny(raw, " \t\r\n\\") {
		return errors.New("redirect URI contains whitespace or a backslash")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return errors.New("redirect URI must be an absolute URI")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return errors.New("redirect URI must not contain a fragment")
	}
	if u.User != nil {
		return errors.New("redirect URI must not contain user information")
	}
	switch u.Scheme {
	case "https":
		if u.Host == "" {
			return errors.New("redirect URI has no host")
		}
		if strings.Contains(u.Hostname(), "*") {
			return errors.New("redirect URI must not contain wildcards")
		}
		return nil
	case "http":
		if IsLoopbackHost(u.Hostname()) {
			return nil
		}
		return errors.New("http redirect URIs are allowed only for localhost, 127.0.0.1 and [::1]; use https")
	case "javascript", "data", "vbscript", "file", "blob", "about", "ftp", "ws", "wss":
		return errors.New("redirect URI scheme " + u.Scheme + " is not allowed")
	}
	if native && strings.Contains(u.Scheme, ".") {
		return nil
	}
	return errors.New("redirect URI scheme " + u.Scheme + " is not allowed (native apps may use a reverse-domain scheme such as com.example.app)")
}

// Normalize returns the form post-logout redirect URIs are compared in, as
// Logto does (new URL(x).href): lower-case scheme and host, default port
// dropped, empty path as "/". It returns "" for unparsable input.
func Normalize(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.User != nil {
		return ""
	}
	u.Scheme = strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	if u.Path == "" && u.RawPath == "" && u.Host != "" {
		u.Path = "/"
	}
	return u.String()
}

// MatchPostLogout reports whether requested is registered, comparing the
// normalised forms (so http://localhost:3000 matches http://localhost:3000/).
func MatchPostLogout(registered []string, requested string) bool {
	if requested == "" || len(requested) > MaxLength {
		return false
	}
	n := Normalize(requested)
	if n == "" {
		return false
	}
	for _, r := range registered {
		if Normalize(r) == n {
			return true
		}
	}
	return false
}
