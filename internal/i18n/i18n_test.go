package i18n

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		prefs []string
		want  string
	}{
		{nil, English},
		{[]string{"de"}, German},
		{[]string{"se fr", "", "de-CH,en;q=0.5"}, German}, // ui_locales unknown, header wins
		{[]string{"zh-CN"}, SimplifiedChinese},
		{[]string{"zh"}, SimplifiedChinese},
		{[]string{"fr-FR,fr;q=0.9,de;q=0.8"}, German},
		{[]string{"fr"}, English},
		{[]string{"de en", "zh"}, German}, // the first preference that matches
		{[]string{strings.Repeat("de ", 200)}, English},
		{[]string{`"><svg/onload=alert(1)>`}, English},
	} {
		if got := Match(c.prefs...); got != c.want {
			t.Errorf("Match(%q) = %s, want %s", c.prefs, got, c.want)
		}
	}
}

func TestPrinter(t *testing.T) {
	fsys := fstest.MapFS{
		"i18n/en/a.json":      {Data: []byte(`{"hi": "Hello, {name}!", "only.en": "English"}`)},
		"i18n/de/a.json":      {Data: []byte(`{"hi": "Hallo, {name}!"}`)},
		"i18n/zh-Hans/a.json": {Data: []byte(`{}`)},
	}
	b, err := Load(fsys, "i18n")
	if err != nil {
		t.Fatal(err)
	}
	de := b.Printer(German)
	for _, c := range []struct{ got, want string }{
		{de.T("hi", "name", "Ada"), "Hallo, Ada!"},
		{de.T("only.en"), "English"},
		{de.T("missing.key"), "missing.key"},
		{b.Printer("xx").T("hi", "name", 1), "Hello, 1!"},
		{(*Printer)(nil).T("hi"), "hi"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if b.Printer("xx").Lang() != English {
		t.Error("an unknown language does not print English")
	}
}

func TestLoadRefusesDuplicateKeys(t *testing.T) {
	fsys := fstest.MapFS{
		"i18n/en/a.json": {Data: []byte(`{"k": "a"}`)},
		"i18n/en/b.json": {Data: []byte(`{"k": "b"}`)},
	}
	if _, err := Load(fsys, "i18n"); err == nil || !strings.Contains(err.Error(), `"k"`) {
		t.Fatalf("Load = %v, want a duplicate-key error", err)
	}
	if _, err := Load(fstest.MapFS{"i18n/de/a.json": {Data: []byte(`{"k": 1}`)}}, "i18n"); err == nil {
		t.Fatal("a non-string text loaded")
	}
}

// countingFS records the files read through it.
type countingFS struct {
	fstest.MapFS
	opened []string
}

func (c *countingFS) Open(name string) (fs.File, error) {
	c.opened = append(c.opened, name)
	return c.MapFS.Open(name)
}

// TestOpenReadsALanguageAtItsFirstUse: Open reads nothing; a printer
// reads its language (and English, its fallback) when it first prints.
func TestOpenReadsALanguageAtItsFirstUse(t *testing.T) {
	fsys := &countingFS{MapFS: fstest.MapFS{
		"i18n/en/a.json":      {Data: []byte(`{"hi": "Hello", "only.en": "English"}`)},
		"i18n/de/a.json":      {Data: []byte(`{"hi": "Hallo"}`)},
		"i18n/zh-Hans/a.json": {Data: []byte(`{"hi": "你好"}`)},
	}}
	b := Open(fsys, "i18n")
	if len(fsys.opened) != 0 {
		t.Fatalf("Open read %q", fsys.opened)
	}
	if got := b.Printer(German).T("only.en"); got != "English" {
		t.Fatalf("German only.en = %q", got)
	}
	for _, f := range fsys.opened {
		if strings.Contains(f, SimplifiedChinese) {
			t.Errorf("printing German read %s", f)
		}
	}
	if got := b.Printer(German).T("hi"); got != "Hallo" {
		t.Errorf("German hi = %q", got)
	}
	n := len(fsys.opened)
	b.Printer(German).T("hi")
	if len(fsys.opened) != n {
		t.Errorf("a second print read %q again", fsys.opened[n:])
	}
}

// TestOpenBrokenLanguagePrintsEnglish: a language whose files do not load
// prints English instead of failing the page, and Check reports it.
func TestOpenBrokenLanguagePrintsEnglish(t *testing.T) {
	b := Open(fstest.MapFS{
		"i18n/en/a.json": {Data: []byte(`{"hi": "Hello"}`)},
		"i18n/de/a.json": {Data: []byte(`{"hi": 1}`)},
	}, "i18n")
	if got := b.Printer(German).T("hi"); got != "Hello" {
		t.Errorf("broken German hi = %q, want English", got)
	}
	if err := b.Check(); err == nil || !strings.Contains(err.Error(), "de/a.json") {
		t.Errorf("Check = %v, want the broken German file", err)
	}
}
