package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
)

// Derive returns a 32-byte key for purpose, so one leaked derived key
// reveals nothing about the master or other purposes.
func Derive(master []byte, purpose string) []byte {
	k, err := hkdf.Key(sha256.New, master, nil, "sesame/"+purpose, 32)
	if err != nil {
		panic(err) // only on impossible lengths
	}
	return k
}

// Keyring is the list of master secrets of a change-over (docs/production.md,
// "Rotating the master secret"): the first seals and derives new material,
// every one opens.
type Keyring [][]byte

// Current is the secret that seals and derives; nil for an empty ring.
func (k Keyring) Current() []byte {
	if len(k) == 0 {
		return nil
	}
	return k[0]
}

// Previous are the secrets still accepted for opening.
func (k Keyring) Previous() [][]byte {
	if len(k) < 2 {
		return nil
	}
	return k[1:]
}

// Box returns a Box for purpose that seals with the current secret and
// opens with any of them.
func (k Keyring) Box(purpose string) *Box { return NewBox(k.Current(), purpose, k.Previous()...) }

// Derive returns the purpose's key under every secret, current first.
func (k Keyring) Derive(purpose string) [][]byte {
	out := make([][]byte, len(k))
	for i, m := range k {
		out[i] = Derive(m, purpose)
	}
	return out
}

// Box seals and opens small values with AES-256-GCM. It seals with the key
// of its first master secret and opens with the key of any.
type Box struct{ aeads []cipher.AEAD }

// NewBox returns a Box keyed for purpose under master; previous masters
// (a change-over) are tried in order when opening.
func NewBox(master []byte, purpose string, previous ...[]byte) *Box {
	b := &Box{}
	for _, m := range append([][]byte{master}, previous...) {
		block, _ := aes.NewCipher(Derive(m, purpose))
		aead, _ := cipher.NewGCM(block)
		b.aeads = append(b.aeads, aead)
	}
	return b
}

// Seal encrypts plaintext under the current key; the nonce is prepended.
func (b *Box) Seal(plaintext []byte) []byte {
	a := b.aeads[0]
	nonce := make([]byte, a.NonceSize(), a.NonceSize()+len(plaintext)+a.Overhead())
	rand.Read(nonce)
	return a.Seal(nonce, nonce, plaintext, nil)
}

// ErrOpen means the ciphertext was not sealed with this key or was altered.
var ErrOpen = errors.New("secret: cannot open sealed value")

// Open decrypts a value from Seal, under any of the box's keys.
func (b *Box) Open(sealed []byte) ([]byte, error) {
	out, _, err := b.open(sealed)
	return out, err
}

func (b *Box) open(sealed []byte) ([]byte, int, error) {
	for i, a := range b.aeads {
		n := a.NonceSize()
		if len(sealed) < n+a.Overhead() {
			return nil, 0, ErrOpen
		}
		if out, err := a.Open(nil, sealed[:n], sealed[n:], nil); err == nil {
			return out, i, nil
		}
	}
	return nil, 0, ErrOpen
}

// Reseal returns sealed re-encrypted under the current key and true, or
// sealed itself and false when the current key already opens it (so
// re-running a rotation changes nothing). A value no key opens is ErrOpen.
func (b *Box) Reseal(sealed []byte) ([]byte, bool, error) {
	plain, i, err := b.open(sealed)
	if err != nil {
		return nil, false, err
	}
	if i == 0 {
		return sealed, false, nil
	}
	return b.Seal(plain), true, nil
}
