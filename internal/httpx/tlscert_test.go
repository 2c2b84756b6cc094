package httpx

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writePair writes a self-signed certificate with the given serial and its
// key into certPath and keyPath.
func writePair(t *testing.T, serial int64, certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestCertFilesReload: changed files are looked at no more often than
// CheckEvery and then served; a changed pair that does not load keeps the
// certificate being served, is logged once, and the next good change is
// picked up; Reload loads at once.
func TestCertFilesReload(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePair(t, 1, certPath, keyPath)
	var logs strings.Builder
	c, err := NewCertFiles(certPath, keyPath, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	c.now = func() time.Time { return now }
	serial := func() int64 {
		t.Helper()
		cert, err := c.GetCertificate(&tls.ClientHelloInfo{})
		if err != nil {
			t.Fatal(err)
		}
		leaf, err := x509.ParseCertificate(cert.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		return leaf.SerialNumber.Int64()
	}
	if s := serial(); s != 1 {
		t.Fatalf("serial %d, want 1", s)
	}

	writePair(t, 2, certPath, keyPath)
	os.Chtimes(certPath, now.Add(time.Minute), now.Add(time.Minute)) // a change even on a coarse clock
	if s := serial(); s != 1 {
		t.Errorf("looked at the files before CheckEvery passed: serial %d", s)
	}
	now = now.Add(c.CheckEvery)
	if s := serial(); s != 2 {
		t.Errorf("after CheckEvery: serial %d, want 2", s)
	}

	// A broken change: the current certificate stays, one error logged.
	if err := os.WriteFile(certPath, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		now = now.Add(c.CheckEvery)
		if s := serial(); s != 2 {
			t.Fatalf("after a broken change: serial %d, want 2 still", s)
		}
	}
	if n := strings.Count(logs.String(), "did not load"); n != 1 {
		t.Errorf("%d errors logged for one broken change, want 1:\n%s", n, logs.String())
	}
	if err := c.Reload(); err == nil {
		t.Error("Reload of a broken pair succeeded")
	}
	if s := serial(); s != 2 {
		t.Errorf("after a failed Reload: serial %d, want 2 still", s)
	}

	// Reload picks up a good pair at once, whatever the clock.
	writePair(t, 3, certPath, keyPath)
	if err := c.Reload(); err != nil {
		t.Fatal(err)
	}
	if s := serial(); s != 3 {
		t.Errorf("after Reload: serial %d, want 3", s)
	}
	if cfg := c.TLSConfig(); cfg.MinVersion != tls.VersionTLS12 || cfg.NextProtos[0] != "h2" {
		t.Errorf("TLS config: min %x, protocols %v", cfg.MinVersion, cfg.NextProtos)
	}
}
