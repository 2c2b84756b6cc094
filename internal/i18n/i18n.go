package i18n

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strings"
	"sync"

	"golang.org/x/text/language"
)

// The languages Sesame speaks, as directory names under i18n/ and as the
// values of <html lang>. English is first: the fallback.
const (
	English           = "en"
	German            = "de"
	SimplifiedChinese = "zh-Hans"
)

// Languages lists the supported languages, English first.
var Languages = []string{English, German, SimplifiedChinese}

// Names are the languages' own names, for a language switch.
var Names = map[string]string{English: "English", German: "Deutsch", SimplifiedChinese: "简体中文"}

var matcher = language.NewMatcher([]language.Tag{language.English, language.German, language.SimplifiedChinese})

// maxPref bounds what Match parses of one preference: ui_locales and
// Accept-Language are client input.
const maxPref = 256

// Match picks the supported language for prefs, tried in order: each is a
// ui_locales value (space-separated tags), a cookie value (one tag) or an
// Accept-Language header. The first preference that matches a supported
// language at all wins; none does: English.
func Match(prefs ...string) string {
	for _, p := range prefs {
		p = strings.TrimSpace(p)
		if p == "" || len(p) > maxPref {
			continue
		}
		var tags []language.Tag
		if strings.ContainsAny(p, ",;") {
			tags, _, _ = language.ParseAcceptLanguage(p)
		} else {
			for _, f := range strings.Fields(p) {
				if t, err := language.Parse(f); err == nil {
					tags = append(tags, t)
				}
			}
		}
		if len(tags) == 0 {
			continue
		}
		if _, i, conf := matcher.Match(tags...); conf != language.No {
			return Languages[i]
		}
	}
	return English
}

// Bundle is the catalogues, each language's read from its files at its
// first use ([Open]) or all at once ([Load]). It is safe for concurrent
// use.
type Bundle struct {
	fsys   fs.FS
	dir    string
	tables map[string]*table // language → its catalogue; the map is fixed at Open
	warned sync.Map          // missing keys already logged
}

// table is one language's catalogue, read once.
type table struct {
	once  sync.Once
	texts map[string]string // key → text
	err   error
}

// Open returns the catalogues of dir/<lang>/*.json in fsys, each language
// read at its first use: a server starts without decoding the texts of
// languages nobody asks for. A language whose files fail to load prints
// in English (and English's keys as themselves), and the failure is
// logged once; [Bundle.Check] or [Load] reports it as an error, as the
// tests of the embedded catalogues do.
func Open(fsys fs.FS, dir string) *Bundle {
	b := &Bundle{fsys: fsys, dir: dir, tables: make(map[string]*table, len(Languages))}
	for _, lang := range Languages {
		b.tables[lang] = &table{}
	}
	return b
}

// Load is Open then Check: every language read now, and the first failure
// an error. A missing language directory is an empty table (its texts
// fall back to English); a malformed file or a key defined twice is an
// error.
func Load(fsys fs.FS, dir string) (*Bundle, error) {
	b := Open(fsys, dir)
	if err := b.Check(); err != nil {
		return nil, err
	}
	return b, nil
}

// Check reads every language not read yet and returns the first failure.
func (b *Bundle) Check() error {
	for _, lang := range Languages {
		if _, err := b.table(lang); err != nil {
			return err
		}
	}
	return nil
}

// table returns lang's texts, reading them at the first call; nil for a
// language Sesame does not speak.
func (b *Bundle) table(lang string) (map[string]string, error) {
	t, ok := b.tables[lang]
	if !ok {
		return nil, nil
	}
	t.once.Do(func() {
		if t.texts, t.err = readTable(b.fsys, b.dir, lang); t.err != nil {
			slog.Error("i18n: catalogue not loaded, its texts print in English", "lang", lang, "err", t.err)
		}
	})
	return t.texts, t.err
}

// readTable reads dir/<lang>/*.json: one table, a key defined twice being
// an error.
func readTable(fsys fs.FS, dir, lang string) (map[string]string, error) {
	files, err := fs.Glob(fsys, path.Join(dir, lang, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("i18n: %w", err)
	}
	t, from := map[string]string{}, map[string]string{}
	for _, f := range files {
		raw, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", f, err)
		}
		for k, v := range m {
			if prev, dup := from[k]; dup {
				return nil, fmt.Errorf("i18n: key %q is defined in %s and %s", k, prev, f)
			}
			from[k], t[k] = f, v
		}
	}
	return t, nil
}

// Keys returns the keys of lang's table, sorted (for the catalogue tests).
func (b *Bundle) Keys(lang string) []string {
	texts, _ := b.table(lang)
	keys := make([]string, 0, len(texts))
	for k := range texts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Has reports whether lang's table defines key.
func (b *Bundle) Has(lang, key string) bool {
	texts, _ := b.table(lang)
	_, ok := texts[key]
	return ok
}

// Printer returns the printer of lang (a value of Languages; anything
// else prints English).
func (b *Bundle) Printer(lang string) *Printer {
	if b == nil {
		return &Printer{lang: English}
	}
	if _, ok := b.tables[lang]; !ok {
		lang = English
	}
	return &Printer{b: b, lang: lang}
}

// Printer prints the texts of one language.
type Printer struct {
	b    *Bundle
	lang string
}

// Lang is the printer's language.
func (p *Printer) Lang() string {
	if p == nil {
		return English
	}
	return p.lang
}

// Has reports whether key has a text in the printer's language or in
// English.
func (p *Printer) Has(key string) bool {
	if p == nil || p.b == nil || key == "" {
		return false
	}
	return p.b.Has(p.lang, key) || p.b.Has(English, key)
}

// T returns key's text with its {name} placeholders replaced by args,
// given as name, value pairs. A key the language lacks prints in English;
// one English lacks too prints as the key itself (and is logged once).
func (p *Printer) T(key string, args ...any) string {
	if key == "" {
		return ""
	}
	text, ok := "", false
	if p != nil && p.b != nil {
		texts, _ := p.b.table(p.lang)
		if text, ok = texts[key]; !ok {
			texts, _ = p.b.table(English)
			text, ok = texts[key]
		}
		if !ok {
			if _, seen := p.b.warned.LoadOrStore(key, true); !seen {
				slog.Warn("i18n: no text for key", "key", key)
			}
		}
	}
	if !ok {
		text = key
	}
	if len(args) == 0 || !strings.Contains(text, "{") {
		return text
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+fmt.Sprint(args[i])+"}", fmt.Sprint(args[i+1]))
	}
	return strings.NewReplacer(pairs...).Replace(text)
}
