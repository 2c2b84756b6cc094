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
	// The rest of the sign-in experience (issue 11); each part may add
	// sub-paths of its own under these.
	SignInCode     = "/sign-in/code"    // passwordless: sign in with an emailed code
	RegisterVerify = "/register/verify" // the emailed code that creates the account
	ResetPassword  = "/reset-password"  // forgot password: email, code, new password
	MFA            = "/mfa"             // the second factor after the first
	MFAEnroll      = "/mfa/enroll"      // enrolment at sign-in when MFA is required
	Passkey        = "/passkey/"        // WebAuthn ceremonies (JSON) under this prefix
	// PasskeySignIn is the passkey sign-in page (GET) and its result
	// (POST); PasskeyMFA the same for a passkey as second factor. Their
	// "/options" (POST, JSON answer) begin a ceremony.
	PasskeySignIn  = Passkey + "signin"
	PasskeyMFA     = Passkey + "mfa"
	SocialStart    = "/social/start"    // to an upstream OpenID provider
	SocialCallback = "/social/callback" // back from it
	SocialLink     = "/social/link"     // prove an existing account before linking
	Account        = "/account"         // a signed-in user's own account pages
	Language       = "/language"        // the pages' language switch (a cookie)
	Static         = "/static/"
	Health         = "/healthz"
	Ready          = "/readyz"
	Home           = "/{$}"
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
