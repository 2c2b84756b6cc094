package redirecturi

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// Origin returns the serialised origin (scheme://host[:port]) of an http or
// https URI as a browser sends it in an Origin header: scheme and host
// lower-cased, the default port dropped. Any other URI (a native app's
// private-use scheme) has an opaque origin, "null" on the wire, which
// belongs to no app: Origin returns "".
func Origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.Host == "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return ""
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if host == "" || !validPort(port) {
		return ""
	}
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host
}

// ValidateOrigin checks an origin an administrator allows for CORS and
// returns it in the form Origin gives: http or https, a host, an optional
// port, and nothing else (no path, query, fragment or user information).
func ValidateOrigin(raw string) (string, error) {
	if raw == "" || len(raw) > MaxLength || strings.ContainsAny(raw, " \t\r\n\\*") {
		return "", errors.New("an origin is scheme://host[:port], without spaces or wildcards")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return "", errors.New("an origin is http:// or https:// followed by a host and an optional port")
	}
	if u.User != nil || u.Path != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		return "", errors.New("an origin has no path, query, fragment or user information (e.g. https://app.example:8443)")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || !validPort(p) || n < 1 || n > 65535 {
			return "", errors.New("an origin's port must be a number from 1 to 65535")
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return "", errors.New("an origin's port must be a number from 1 to 65535")
	}
	o := Origin(raw)
	if o == "" {
		return "", errors.New("not an origin")
	}
	return o, nil
}
