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

func TestKeyringChangeOver(t *testing.T) {
	oldM, newM := []byte("old-master-secret-for-tests-00000"), []byte("new-master-secret-for-tests-00000")
	before := NewBox(oldM, "keys").Seal([]byte("v"))
	during := Keyring{newM, oldM}.Box("keys")
	if got, err := during.Open(before); err != nil || string(got) != "v" {
		t.Fatalf("[new, old] cannot open an old value: %q, %v", got, err)
	}
	re, changed, err := during.Reseal(before)
	if err != nil || !changed {
		t.Fatalf("Reseal = %v, %v", changed, err)
	}
	if again, changed, err := during.Reseal(re); err != nil || changed || !bytes.Equal(again, re) {
		t.Fatalf("second Reseal changed a value the current key opens: %v, %v", changed, err)
	}
	if got, err := NewBox(newM, "keys").Open(re); err != nil || string(got) != "v" {
		t.Fatalf("[new] cannot open the resealed value: %q, %v", got, err)
	}
	if _, err := NewBox(oldM, "keys").Open(re); err == nil {
		t.Fatal("[old] opened a value resealed under new")
	}
	if _, err := NewBox(newM, "keys").Open(before); err == nil {
		t.Fatal("[new] opened a value sealed under old")
	}
	if _, _, err := NewBox(newM, "keys").Reseal(before); err == nil {
		t.Fatal("Reseal of a value no key opens succeeded")
	}
	if d := (Keyring{newM, oldM}).Derive("csrf"); len(d) != 2 || !bytes.Equal(d[0], Derive(newM, "csrf")) {
		t.Fatal("Keyring.Derive: current key is not first")
	}
}
