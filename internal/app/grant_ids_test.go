package app_test

import (
	"encoding/base32"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/store"
)

// TestGrantIDsBeginWithTheirTime: a grant's id is time-ordered
// (opaque.NewTimeID, its first 48 bits the creation time in
// milliseconds), so the grants' key and the grant_id indexes of codes and
// tokens grow at their end: a code flow writes fewer pages than with
// random ids (docs/benchmarks.md, "Pages at their first render").
func TestGrantIDsBeginWithTheirTime(t *testing.T) {
	e := newEnv(t)
	r := "https://app.example/cb"
	id, secret := e.app(t, store.AppTraditional, []string{r}, nil)
	e.user(t, "tim", "password-tim")
	b := e.browser(t)
	for i := range 3 {
		code, v, _ := e.flow(t, b, id, r, i == 0, "tim", "password-tim", nil)
		if st, body := e.exchange(t, id, secret, code, v, r); st != 200 {
			t.Fatalf("exchange %d: %d %v", i, st, body)
		}
	}
	rows, err := openSQLiteFile(t, e.DataDir).Query(`SELECT id, created_at FROM grants ORDER BY created_at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var gid string
		var created int64
		if err := rows.Scan(&gid, &created); err != nil {
			t.Fatal(err)
		}
		raw, err := base32.HexEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(gid))
		if err != nil || len(raw) != 16 {
			t.Fatalf("grant id %q is not a time id: %v", gid, err)
		}
		if ms := int64(binary.BigEndian.Uint64(raw[:8]) >> 16); ms != created/1e6 {
			t.Errorf("grant %s: id time %d ms, created at %d ms", gid, ms, created/1e6)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("%d grants, want 3", n)
	}
}
