package routes

import "net/url"

// The OpenID Connect provider, under the issuer.
const (
	OIDC              = "/oidc" // the issuer is {endpoint}/oidc
	Discovery         = OIDC + "/.well-known/openid-configuration"
	ASMetadata        = OIDC + "/.well-known/oauth-authorization-server" // RFC 8414
	JWKS              = OIDC + "/jwks"
	Authorize         = OIDC + "/auth"
	Resume            = Authorize + "/{id}" // a pattern: see ResumeURL
	Token             = OIDC + "/token"
	Userinfo          = OIDC + "/me"
	Revocation        = Token + "/revocation"
	Introspection     = Token + "/introspection"
	EndSession        = OIDC + "/session/end"
	EndSessionConfirm = EndSession + "/confirm"
	EndSessionSuccess = EndSession + "/success"
)

// The hosted pages and the rest.
const (
	SignIn   = "/sign-in"
	Register = "/register"
	Consent  = "/consent"
	Static   = "/static/"
	Health   = "/healthz"
	Ready    = "/readyz"
	Home     = "/{$}"
)

// The management plane.
const (
	API     = "/api"     // the Management API; its indicator is {endpoint}/api
	Console = "/console" // the admin console, an OIDC client of this server
)

// Base is the path of the public endpoint: "" when Sesame serves from the
// root of its host, else e.g. "/sesame" (no trailing slash). Every route is
// served under it, and every path sent to a browser (redirects, form
// actions, links) starts with it.
type Base string

// Path returns route under b.
func (b Base) Path(route string) string { return string(b) + route }

// ResumeURL is where the authorization endpoint resumes pending request id.
func (b Base) ResumeURL(id string) string { return string(b) + Authorize + "/" + url.PathEscape(id) }

// PageURL is a hosted page's path for pending request id.
func (b Base) PageURL(page, id string) string {
	return string(b) + page + "?interaction=" + url.QueryEscape(id)
}
