package provider

import (
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// TestSecretMatches: any live secret of the app matches; an expired one,
// or a wrong secret, does not.
func TestSecretMatches(t *testing.T) {
	now := time.Unix(1700000000, 0)
	c := store.Client{Secrets: []store.ClientSecret{
		{Name: "default", Hash: HashSecret("a")},
		{Name: "ci", Hash: HashSecret("b"), ExpiresAt: now.Add(time.Second)},
		{Name: "old", Hash: HashSecret("c"), ExpiresAt: now},
	}}
	for secret, want := range map[string]bool{"a": true, "b": true, "c": false, "d": false, "": false} {
		if got := SecretMatches(c, secret, now); got != want {
			t.Errorf("SecretMatches(%q) = %v, want %v", secret, got, want)
		}
	}
	if SecretMatches(store.Client{}, "a", now) {
		t.Error("an app without secrets matched")
	}
}
