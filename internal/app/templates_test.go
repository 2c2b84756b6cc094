package app_test

import (
	"io"
	"io/fs"
	"log/slog"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
	"github.com/sesameauth/sesame/web"
)

// overlay is fsys with one file's content replaced.
type overlay struct {
	fs.FS
	name string
	data string
}

func (o overlay) Open(name string) (fs.File, error) {
	if name == o.name {
		return fstest.MapFS{name: {Data: []byte(o.data)}}.Open(name)
	}
	return o.FS.Open(name)
}

// TestNewVerifiesAnotherTree: the embedded pages are parsed as they are
// first served (ui's TestWebFSVerifies checks them), but a tree passed in
// Options.Web is verified whole at start-up: a page of it that does not
// render stops New with an error naming it.
func TestNewVerifiesAnotherTree(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	cfg := config.Config{Addr: "127.0.0.1:0", Endpoint: "http://127.0.0.1:1", DataDir: dir, LogFormat: "text", LogLevel: "info",
		SigningAlg: "ES256", KeyPublishDelay: time.Minute, Secret: strings.Repeat("s", 32)}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	st, err := sqlstore.Open(ctx, sqlstore.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	broken := overlay{FS: web.FS(), name: "templates/console/users.html", data: `{{define "content"}}{{.NoSuchField}}{{end}}`}
	if srv, err := app.New(ctx, cfg, st, log, app.Options{Web: broken}); err == nil {
		srv.Close(ctx)
		t.Fatal("New started with a page that does not render")
	} else if !strings.Contains(err.Error(), "console/users") {
		t.Fatalf("New: %v, want an error naming console/users", err)
	}
	srv, err := app.New(ctx, cfg, st, log, app.Options{Web: web.FS()})
	if err != nil {
		t.Fatalf("New with web.FS() passed explicitly: %v", err)
	}
	srv.Close(ctx)
}
