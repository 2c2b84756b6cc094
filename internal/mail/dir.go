package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Transport hands a fully built RFC 5322 message to its destination.
type Transport interface {
	Deliver(ctx context.Context, from, to string, msg []byte) error
}

// DirTransport writes each message as an .eml file into Dir.
type DirTransport struct {
	Dir string
}

// Deliver writes msg atomically (temp file + rename), mode 0600, so a
// reader polling the directory never sees a partial message.
func (d DirTransport) Deliver(ctx context.Context, from, to string, msg []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	name := fmt.Sprintf("%s-%s.eml", time.Now().UTC().Format("20060102T150405.000000000"), hex.EncodeToString(rnd[:]))
	f, err := os.CreateTemp(d.Dir, ".tmp-*.eml")
	if err != nil {
		return fmt.Errorf("mail dir: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("mail dir: %w", err)
	}
	if _, err := f.Write(msg); err != nil {
		f.Close()
		return fmt.Errorf("mail dir: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("mail dir: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("mail dir: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(d.Dir, name)); err != nil {
		return fmt.Errorf("mail dir: %w", err)
	}
	return nil
}
