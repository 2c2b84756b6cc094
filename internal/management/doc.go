// Package management is the Management API at {endpoint}/api: JSON in
// Logto's shapes (docs/management-api.md), for server-to-server callers
// holding an access token for the API's indicator with the scope "all"
// (admin.Gate). One route table (routes.go) feeds both the mux and the
// OpenAPI document at GET /api/swagger.json, so they cannot disagree.
//
// Handlers only parse input, call a domain package (directory, admin) and
// write the answer; every rule lives in the domain package.
//
// No CORS: the API is for servers (Logto's does not send CORS headers to
// arbitrary origins either), and a browser page on another origin must not
// drive it with a token it holds.
package management
