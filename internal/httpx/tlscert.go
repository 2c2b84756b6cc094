package httpx

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// CertFiles serves a TLS certificate from a PEM certificate chain and key
// on disk, and picks up a renewed pair (certbot, cert-manager) without a
// restart: at most every CheckEvery it compares the files' size and
// modification time and loads them again when either changed, and Reload
// loads them at once (on SIGHUP). A pair that fails to load, such as a
// certificate written before its key, keeps the one being served and is
// logged; the next change or Reload tries again.
type CertFiles struct {
	certPath, keyPath string
	log               *slog.Logger
	now               func() time.Time
	// CheckEvery bounds how often the files are looked at.
	CheckEvery time.Duration

	mu        sync.Mutex
	cert      *tls.Certificate
	stamp     [2]fileStamp
	lastCheck time.Time
}

type fileStamp struct {
	size int64
	mod  time.Time
}

// NewCertFiles loads the pair once; an error means there is nothing to
// serve.
func NewCertFiles(certPath, keyPath string, log *slog.Logger) (*CertFiles, error) {
	c := &CertFiles{certPath: certPath, keyPath: keyPath, log: log, now: time.Now, CheckEvery: 5 * time.Second}
	if err := c.Reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// Reload loads the pair now. On an error the certificate served so far
// stays.
func (c *CertFiles) Reload() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastCheck = c.now()
	st, err := c.stamps()
	if err != nil {
		return err
	}
	return c.load(st)
}

func (c *CertFiles) stamps() ([2]fileStamp, error) {
	var st [2]fileStamp
	for i, p := range []string{c.certPath, c.keyPath} {
		fi, err := os.Stat(p)
		if err != nil {
			return st, fmt.Errorf("tls: %w", err)
		}
		st[i] = fileStamp{fi.Size(), fi.ModTime()}
	}
	return st, nil
}

func (c *CertFiles) load(st [2]fileStamp) error {
	cert, err := tls.LoadX509KeyPair(c.certPath, c.keyPath)
	if err != nil {
		return fmt.Errorf("tls: load %s and %s: %w", c.certPath, c.keyPath, err)
	}
	c.cert, c.stamp = &cert, st
	return nil
}

// GetCertificate is tls.Config.GetCertificate.
func (c *CertFiles) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.now(); now.Sub(c.lastCheck) >= c.CheckEvery {
		c.lastCheck = now
		if st, err := c.stamps(); err == nil && st != c.stamp {
			if err := c.load(st); err != nil {
				c.stamp = st // try again at the next change, not every handshake
				c.log.Error("tls: the changed certificate did not load; serving the previous one", "err", err)
			} else {
				c.log.Info("tls: certificate reloaded", "cert", c.certPath)
			}
		}
	}
	if c.cert == nil {
		return nil, errors.New("tls: no certificate")
	}
	return c.cert, nil
}

// TLSConfig is the public listener's TLS configuration: TLS 1.2 or later,
// the certificate from c, HTTP/2 and HTTP/1.1.
func (c *CertFiles) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.GetCertificate, NextProtos: []string{"h2", "http/1.1"}}
}
