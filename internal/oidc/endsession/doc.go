// Package endsession serves RP-initiated logout (GET and POST
// /oidc/session/end, POST /oidc/session/end/confirm).
//
// With a client identified by client_id or a valid id_token_hint and a
// registered post_logout_redirect_uri (compared normalised, as Logto does),
// the SSO session ends and the browser goes straight back to the app with
// state. An id_token_hint skips the question only when its sub (and sid, if
// it has one) are the signed-in session's; any other hint gets the
// confirmation below. An unregistered URI never receives a redirect. With no
// usable client, a signed-in browser is asked to confirm (a CSRF-protected
// POST, so a cross-site <img> cannot sign anyone out) and then sees the
// signed-out page.
package endsession
