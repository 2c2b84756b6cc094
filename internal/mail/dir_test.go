package mail

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestDirTransportWritesOneFilePerMessage(t *testing.T) {
	dir := t.TempDir()
	tr := DirTransport{Dir: dir}
	for _, body := range []string{"a", "b"} {
		if err := tr.Deliver(context.Background(), "from@x.test", "to@x.test", []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 2 {
		t.Fatalf("files = %v, want 2 .eml files and no temp files", files)
	}
	for _, f := range files {
		if filepath.Ext(f) != ".eml" || filepath.Base(f)[0] == '.' {
			t.Errorf("unexpected file %s", f)
		}
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f, st.Mode().Perm())
		}
	}
}
