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

// ResumeURL is where the authorization endpoint resumes pending request id.
func ResumeURL(id string) string { return Authorize + "/" + url.PathEscape(id) }

// PageURL is a hosted page's path for pending request id.
func PageURL(page, id string) string { return page + "?interaction=" + url.QueryEscape(id) }
