package web_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/i18n"
	"github.com/sesameauth/sesame/web"
)

// TestCataloguesComplete: every language has every English key, and no
// key English lacks (a typo there would never print).
func TestCataloguesComplete(t *testing.T) {
	b, err := i18n.Load(web.FS(), "i18n")
	if err != nil {
		t.Fatal(err)
	}
	en := b.Keys(i18n.English)
	for _, lang := range i18n.Languages[1:] {
		for _, k := range en {
			if !b.Has(lang, k) {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
		for _, k := range b.Keys(lang) {
			if !b.Has(i18n.English, k) {
				t.Errorf("%s has %q, which English lacks", lang, k)
			}
		}
	}
}

// usedKey finds the catalogue keys named literally in templates
// ({{.T "key"}}, {{$.T "key"}}) and in Go code (ui.M("key"), ui.Msg{Key:
// "key"}, i18n printers' T("key")).
var (
	templateKey = regexp.MustCompile(`\.T\s+"([^"]+)"`)
	goKey       = regexp.MustCompile(`(?:ui\.M\(|ui\.Msg\{Key:\s*|\.T\()"([^"]+)"`)
)

// TestUsedKeysExist: every key a template or Go file names literally is
// in the English catalogue.
func TestUsedKeysExist(t *testing.T) {
	b, err := i18n.Load(web.FS(), "i18n")
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, src []byte) {
		usedKey := templateKey
		if strings.HasSuffix(name, ".go") {
			usedKey = goKey
		}
		for _, m := range usedKey.FindAllSubmatch(src, -1) {
			if k := string(m[1]); !b.Has(i18n.English, k) {
				t.Errorf("%s uses %q, which the English catalogue lacks", name, k)
			}
		}
	}
	err = fs.WalkDir(web.FS(), "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(web.FS(), p)
		check(p, src)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir("../internal", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		src, err := os.ReadFile(p)
		check(p, src)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
