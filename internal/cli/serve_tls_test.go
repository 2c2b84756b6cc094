package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/testkit"
)

// selfSigned writes a new self-signed certificate for localhost and
// 127.0.0.1 (testkit.SelfSignedCert) into certPath and keyPath, and
// returns it.
func selfSigned(t *testing.T, certPath, keyPath string) *x509.Certificate {
	t.Helper()
	cert, _ := testkit.SelfSignedCert(t, "localhost", "127.0.0.1")
	kb, err := x509.MarshalECPrivateKey(cert.PrivateKey.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	// The key first: a reload between the two writes then fails and keeps
	// the previous pair, which is what an operator's renewal can cause too.
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert.Leaf
}

// TestServeTLS: with --tls-cert and --tls-key, serve answers HTTPS with
// HTTP/2 and HSTS on the https endpoint it defaults to, prints https URLs,
// picks up a renewed certificate when the files change and on SIGHUP,
// keeps the current one when the new files are broken, and refuses half
// a pair or an http endpoint.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	pool := x509.NewCertPool()
	pool.AddCert(selfSigned(t, certPath, keyPath))

	for name, args := range map[string][]string{
		"cert without key": {"--tls-cert", certPath},
		"key without cert": {"--tls-key", keyPath},
		"unreadable pair":  {"--tls-cert", keyPath, "--tls-key", keyPath},
		"http endpoint":    {"--tls-cert", certPath, "--tls-key", keyPath, "--endpoint", "http://auth.example"},
	} {
		code := Main(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, args...), Env{Stdout: io.Discard, Stderr: io.Discard})
		if code != ExitUsage {
			t.Errorf("%s: exit %d, want 2", name, code)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, logs testkit.LogBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--tls-cert", certPath, "--tls-key", keyPath},
			Env{Stdout: &out, Stderr: io.Discard, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	}()
	defer func() {
		cancel()
		<-done
	}()
	re := regexp.MustCompile(`running on https://(127\.0\.0\.1:\d+)`)
	var addr string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && addr == ""; time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatalf("server did not start on https: %s", out.String())
	}
	if !strings.Contains(out.String(), "Issuer:     https://localhost:3001/oidc") {
		t.Errorf("the default endpoint did not become https:\n%s", out.String())
	}

	// get makes a new connection, trusting the certificates in pool.
	get := func() (*http.Response, error) {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true, DisableKeepAlives: true}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Get("https://" + addr + "/oidc/.well-known/openid-configuration")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return resp, err
	}
	resp, err := get()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.ProtoMajor != 2 || resp.TLS.Version < tls.VersionTLS12 {
		t.Fatalf("discovery over TLS: %d %s", resp.StatusCode, resp.Proto)
	}
	if hsts := resp.Header.Get("Strict-Transport-Security"); hsts != "max-age=63072000; includeSubDomains" {
		t.Errorf("Strict-Transport-Security %q", hsts)
	}
	serial := func() int64 {
		t.Helper()
		resp, err := get()
		if err != nil {
			t.Fatal(err)
		}
		return resp.TLS.PeerCertificates[0].SerialNumber.Int64()
	}

	// A renewed pair is served once the files change.
	renewed := selfSigned(t, certPath, keyPath)
	pool.AddCert(renewed)
	deadline := time.Now().Add(15 * time.Second)
	for serial() != renewed.SerialNumber.Int64() {
		if time.Now().After(deadline) {
			t.Fatal("the changed certificate files were not picked up")
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Just after a check, only SIGHUP can load the next one this soon.
	third := selfSigned(t, certPath, keyPath)
	pool.AddCert(third)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(3 * time.Second)
	for serial() != third.SerialNumber.Int64() {
		if time.Now().After(deadline) {
			t.Fatal("SIGHUP did not reload the certificate")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A broken pair keeps the certificate being served.
	if err := os.WriteFile(certPath, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	for deadline := time.Now().Add(3 * time.Second); !strings.Contains(logs.String(), "reload on SIGHUP failed") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "reload on SIGHUP failed") {
		t.Errorf("the failed reload was not logged:\n%s", logs.String())
	}
	if s := serial(); s != third.SerialNumber.Int64() {
		t.Errorf("after a broken pair: serial %d, want %d still", s, third.SerialNumber.Int64())
	}
}
