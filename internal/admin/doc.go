// Package admin decides who may manage Sesame, and owns the objects that
// make that decision possible: the Management API resource (and its Logto
// alias), the "Management API access" role for machine-to-machine apps, the
// "Sesame administrator" role for people, and the console's own OIDC
// client.
//
// The Management API and the console both call Gate.Authorize on the
// bearer access token they hold, so the two cannot disagree about who is
// allowed: a token is accepted only while it is live (unexpired, not
// revoked, its grant not revoked), addressed to the API (audience
// {endpoint}/api or https://default.logto.app/api), carries the scope
// "all", and its holder still holds that permission through a role (a
// user not suspended). The last check is live, so removing an
// administrator's role or suspending them takes effect on their next
// request, not when their token expires.
package admin
