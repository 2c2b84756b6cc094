package secret

import (
	"bytes"
	"testing"
)

func TestBox(t *testing.T) {
	b := NewBox([]byte("master-secret-for-tests-000000000"), "keys")
	s := b.Seal([]byte("hello"))
	got, err := b.Open(s)
	if err != nil || string(got) != "hello" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	s[len(s)-1] ^= 1
	if _, err := b.Open(s); err == nil {
		t.Fatal("tampered value opened")
	}
	other := NewBox([]byte("master-secret-for-tests-000000000"), "cookies")
	if _, err := other.Open(b.Seal([]byte("x"))); err == nil {
		t.Fatal("value opened under another purpose")
	}
	if bytes.Equal(Derive([]byte("m"), "a"), Derive([]byte("m"), "b")) {
		t.Fatal("derived keys for different purposes are equal")
	}
}
