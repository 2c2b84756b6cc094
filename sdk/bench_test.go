package sesame

import (
	"net/http/httptest"
	"testing"
)

// BenchmarkGetContext measures the per-request cost of reading the sign-in
// state: cookie decryption (AES-256-GCM) and decoding the ID token claims. No
// network.
func BenchmarkGetContext(b *testing.B) {
	a := newTestApp(b)
	a.signIn()
	r := httptest.NewRequest("GET", "/", nil)
	for _, c := range a.cookies() {
		r.AddCookie(c)
	}
	b.ReportAllocs()
	for b.Loop() {
		x, err := a.client.GetContext(nil, r)
		if err != nil || !x.IsAuthenticated {
			b.Fatal("not authenticated")
		}
	}
}

// BenchmarkCallback measures HandleCallback against the in-process provider:
// session read, code exchange over loopback HTTP, ES384 ID token
// verification with the cached JWKS, session write. Starting the sign-in and
// the authorization step are excluded from the timing.
func BenchmarkCallback(b *testing.B) {
	a := newTestApp(b)
	a.signIn() // warm discovery and JWKS
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cb := a.authorize(a.startSignIn())
		r := a.request("GET", cb.RequestURI())
		w := httptest.NewRecorder()
		b.StartTimer()
		if _, err := a.client.HandleCallback(w, r); err != nil {
			b.Fatal(err)
		}
	}
}
