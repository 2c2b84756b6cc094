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

// Box seals and opens small values with AES-256-GCM.
type Box struct{ aead cipher.AEAD }

// NewBox returns a Box keyed for purpose.
func NewBox(master []byte, purpose string) *Box {
	block, _ := aes.NewCipher(Derive(master, purpose))
	aead, _ := cipher.NewGCM(block)
	return &Box{aead: aead}
}

// Seal encrypts plaintext; the nonce is prepended.
func (b *Box) Seal(plaintext []byte) []byte {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	rand.Read(nonce)
	return b.aead.Seal(nonce, nonce, plaintext, nil)
}

// ErrOpen means the ciphertext was not sealed with this key or was altered.
var ErrOpen = errors.New("secret: cannot open sealed value")

// Open decrypts a value from Seal.
func (b *Box) Open(sealed []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n+b.aead.Overhead() {
		return nil, ErrOpen
	}
	out, err := b.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}
