package directory

// The URIs an app registers: redirect URIs, its back-channel logout URI,
// and the origins a browser app calls from.

import (
	"net/url"
	"slices"
	"strings"

	"github.com/sesameauth/sesame/internal/oidc/redirecturi"
	"github.com/sesameauth/sesame/internal/store"
)

// checkRedirectURIs validates one list of (post-logout) redirect URIs of
// an app of type t; what names the list in messages.
func checkRedirectURIs(t store.AppType, uris []string, what string) *Error {
	for _, u := range uris {
		if err := redirecturi.Validate(u, t == store.AppNative); err != nil {
			return errf(ErrAppRedirectURI.Code, "%s %q: %v", what, u, err)
		}
	}
	return nil
}

// MaxBackChannelLogoutURI bounds an app's back-channel logout URI, in bytes.
const MaxBackChannelLogoutURI = 2048

// CheckBackChannelLogoutURI validates the back-channel logout URI of an
// app of type t (OpenID Connect Back-Channel Logout 1.0,
// backchannel_logout_uri): "" for none; otherwise an absolute http(s) URL
// with a host, no fragment and no user information, at most
// MaxBackChannelLogoutURI bytes. As for redirect URIs, http is allowed
// only for localhost, 127.0.0.1 and [::1]. M2M apps sign no one in, so
// they have no sessions to end and no such URI. The error names
// FieldBackChannelLogoutURI and reads the same in the CLI, API and console.
func CheckBackChannelLogoutURI(t store.AppType, raw string) *Error {
	if raw == "" {
		return nil
	}
	bad := func(format string, a ...any) *Error {
		return fieldErr(ErrAppInvalid.Code, FieldBackChannelLogoutURI, "back-channel logout URI: "+format, a...)
	}
	if t == store.AppM2M {
		return fieldErr(ErrAppType.Code, FieldBackChannelLogoutURI, "m2m apps have no sessions and no back-channel logout URI")
	}
	if len(raw) > MaxBackChannelLogoutURI {
		return bad("at most %d bytes", MaxBackChannelLogoutURI)
	}
	if strings.ContainsAny(raw, " \t\r\n\\") {
		return bad("contains whitespace or a backslash")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Opaque != "" {
		return bad("must be an absolute https:// URL")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return bad("must not contain a fragment")
	}
	if u.User != nil {
		return bad("must not contain user information")
	}
	if u.Host == "" || u.Hostname() == "" {
		return bad("has no host")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if redirecturi.IsLoopbackHost(u.Hostname()) {
			return nil
		}
		return bad("http is allowed only for localhost, 127.0.0.1 and [::1]; use https")
	}
	return bad("must be an https:// URL (http only for localhost)")
}

// CheckCORSOrigins validates origins an app allows besides its redirect
// URIs' and returns them in the form browsers send (lower-case, no
// default port), without duplicates.
func CheckCORSOrigins(t store.AppType, in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	if t == store.AppM2M {
		return nil, errf(ErrAppCORSOrigin.Code, "m2m apps do not run in browsers and have no CORS origins")
	}
	if len(in) > 100 {
		return nil, errf(ErrAppCORSOrigin.Code, "at most 100 CORS origins")
	}
	var out []string
	for _, o := range in {
		n, err := redirecturi.ValidateOrigin(o)
		if err != nil {
			return nil, errf(ErrAppCORSOrigin.Code, "--cors-origin %q: %v", o, err)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}
