// Package authorize serves the authorization endpoint (GET and form POST
// /oidc/auth) and its resumption after sign-in or consent
// (GET /oidc/auth/{id}): it validates the request, decides whether the
// browser's SSO session suffices, sends the user through the hosted pages
// when it does not, and issues the authorization code.
//
// Until the client and redirect URI are known good, errors are shown on an
// error page and never redirected (no open redirector); after that, they go
// back to the app with state and iss (RFC 9207).
package authorize
