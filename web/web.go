package web

import (
	"embed"
	"io/fs"
)

//go:embed templates static i18n
var files embed.FS

// FS returns the embedded templates and static files, rooted so that the
// paths are "templates/…" and "static/…".
func FS() fs.FS { return files }
