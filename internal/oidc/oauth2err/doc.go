// Package oauth2err holds OAuth 2.0 / OpenID Connect protocol errors as
// values and is the only place that serialises them, in the shape Logto's
// SDKs parse: {"error","error_description","code":"oidc.<error>","message"}.
package oauth2err
