package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// DirTransport writes each message as an RFC 5322 .eml file into Dir
// (--mail-dir): for development and tests, no mail server needed.
type DirTransport struct {
	Dir string
}

// Deliver writes msg atomically (temp file + rename), mode 0600, so a
// reader polling the directory never sees a partial message, and nobody
// else on the machine reads the codes in it.
func (d DirTransport) Deliver(ctx context.Context, msg *gomail.Msg) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return fmt.Errorf("mail dir: %w", err)
	}
	return d.write(buf.Bytes())
}

func (d DirTransport) write(b []byte) error {
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	name := time.Now().UTC().Format("20060102T150405.000000000") + "-" + hex.EncodeToString(rnd[:]) + ".eml"
	f, err := os.CreateTemp(d.Dir, ".tmp-*.eml") // CreateTemp makes it 0600
	if err != nil {
		return fmt.Errorf("mail dir: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(d.Dir, name))
	}
	if err != nil {
		return fmt.Errorf("mail dir: %w", err)
	}
	return nil
}
