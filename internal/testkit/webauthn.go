package testkit

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"

	"github.com/fxamacker/cbor/v2"
)

// SoftAuthenticator is a software WebAuthn authenticator for Go tests: an
// ECDSA P-256 key, attestation "none", and the authenticatorData and
// clientDataJSON a browser would send. Tests change its fields (RPID,
// Origin, SignCount, UV) to build responses a real authenticator would
// refuse to produce.
type SoftAuthenticator struct {
	Key        *ecdsa.PrivateKey
	CredID     []byte
	UserHandle []byte // sent in assertions when set
	RPID       string
	Origin     string
	SignCount  uint32 // the counter the next assertion reports (then +1)
	UV         bool   // the UV flag in authenticatorData
	BE, BS     bool   // the backup flags
}

// NewSoftAuthenticator returns an authenticator for rpID and origin with a
// fresh key and credential ID, user verification on.
func NewSoftAuthenticator(rpID, origin string) *SoftAuthenticator {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	id := make([]byte, 32)
	rand.Read(id)
	return &SoftAuthenticator{Key: k, CredID: id, RPID: rpID, Origin: origin, SignCount: 1, UV: true}
}

var b64 = base64.RawURLEncoding

func (a *SoftAuthenticator) flags(attested bool) byte {
	f := byte(0x01) // UP
	if a.UV {
		f |= 0x04
	}
	if a.BE {
		f |= 0x08
	}
	if a.BS {
		f |= 0x10
	}
	if attested {
		f |= 0x40
	}
	return f
}

func (a *SoftAuthenticator) authData(attested bool, count uint32) []byte {
	h := sha256.Sum256([]byte(a.RPID))
	d := append(h[:], a.flags(attested))
	d = binary.BigEndian.AppendUint32(d, count)
	if attested {
		d = append(d, make([]byte, 16)...) // AAGUID: zero, as with "none"
		d = binary.BigEndian.AppendUint16(d, uint16(len(a.CredID)))
		d = append(d, a.CredID...)
		d = append(d, a.COSEPublicKey()...)
	}
	return d
}

// COSEPublicKey is the credential's public key as a COSE_Key (EC2,
// ES256), as registration stores it.
func (a *SoftAuthenticator) COSEPublicKey() []byte {
	// Bytes is the uncompressed point: 0x04, X, Y (32 bytes each).
	pt, err := a.Key.PublicKey.Bytes()
	if err != nil {
		panic(err)
	}
	x, y := pt[1:33], pt[33:65]
	cose, err := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: x, -3: y})
	if err != nil {
		panic(err)
	}
	return cose
}

// PKCS8 is the private key in PKCS #8, as a browser's virtual
// authenticator takes it (WebAuthn.addCredential).
func (a *SoftAuthenticator) PKCS8() []byte {
	b, err := x509.MarshalPKCS8PrivateKey(a.Key)
	if err != nil {
		panic(err)
	}
	return b
}

func (a *SoftAuthenticator) clientData(typ string, challenge []byte) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": b64.EncodeToString(challenge),
		"origin": a.Origin, "crossOrigin": false})
	return b
}

// Create answers navigator.credentials.create for challenge: the
// PublicKeyCredential JSON with an attestation object of format "none".
func (a *SoftAuthenticator) Create(challenge []byte) []byte {
	att, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": a.authData(true, 0)})
	if err != nil {
		panic(err)
	}
	b, _ := json.Marshal(map[string]any{"id": b64.EncodeToString(a.CredID), "rawId": b64.EncodeToString(a.CredID),
		"type": "public-key", "response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(a.clientData("webauthn.create", challenge)),
			"attestationObject": b64.EncodeToString(att), "transports": []string{"internal"}}})
	return b
}

// Get answers navigator.credentials.get for challenge: the assertion JSON,
// signed, with the current SignCount (which then grows by one).
func (a *SoftAuthenticator) Get(challenge []byte) []byte {
	ad := a.authData(false, a.SignCount)
	a.SignCount++
	cd := a.clientData("webauthn.get", challenge)
	h := sha256.Sum256(cd)
	sum := sha256.Sum256(append(append([]byte(nil), ad...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.Key, sum[:])
	if err != nil {
		panic(err)
	}
	resp := map[string]any{"clientDataJSON": b64.EncodeToString(cd), "authenticatorData": b64.EncodeToString(ad),
		"signature": b64.EncodeToString(sig)}
	if a.UserHandle != nil {
		resp["userHandle"] = b64.EncodeToString(a.UserHandle)
	}
	b, _ := json.Marshal(map[string]any{"id": b64.EncodeToString(a.CredID), "rawId": b64.EncodeToString(a.CredID),
		"type": "public-key", "response": resp})
	return b
}
