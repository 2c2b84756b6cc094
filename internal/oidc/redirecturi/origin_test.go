package redirecturi

import "testing"

// TestOrigin: a URI's origin is what a browser on that page sends in its
// Origin header; URIs without an http(s) origin (native apps' private-use
// schemes, whose origin is opaque) have none.
func TestOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"http://localhost:3000/callback":     "http://localhost:3000",
		"HTTPS://App.Example:443/cb?x=1#f":   "https://app.example",
		"http://app.example:80/":             "http://app.example",
		"https://app.example:8443":           "https://app.example:8443",
		"http://[::1]:3000/cb":               "http://[::1]:3000",
		"com.example.app:/cb":                "",
		"com.example.app://cb":               "",
		"file:///etc/passwd":                 "",
		"null":                               "",
		"":                                   "",
		"https://app.example:x/cb":           "",
		"javascript://app.example/%0aalert1": "",
	} {
		if got := Origin(in); got != want {
			t.Errorf("Origin(%q) = %q, want %q", in, got, want)
		}
	}
}
