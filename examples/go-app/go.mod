module github.com/sesameauth/sesame/examples/go-app

go 1.26.0

require github.com/sesameauth/sesame/sdk v0.0.0-00010101000000-000000000000

require (
	github.com/coreos/go-oidc/v3 v3.21.0 // indirect
	github.com/go-jose/go-jose/v4 v4.1.9 // indirect
	golang.org/x/oauth2 v0.38.0 // indirect
)

replace github.com/sesameauth/sesame/sdk => ../../sdk
