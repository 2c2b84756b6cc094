package experience

import (
	"strings"
	"testing"
)

// TestCanonical: the forms a user may type for one identifier meet in one
// canonical string (catalogue IR-04).
func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"Alice":             "alice",
		"  alice ":          "alice",
		"ＡＬＩＣＥ":             "alice", // full-width
		"Alice@Example.COM": "alice@example.com",
		"ａｌｉｃｅ＠ｅｘａｍｐｌｅ．ｃｏｍ": "alice@example.com",
	} {
		if got := Canonical(in); got != want {
			t.Errorf("Canonical(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidateUsername(t *testing.T) {
	for _, ok := range []string{"abc", "alice", "a.b-c_d", "007", strings.Repeat("a", 64)} {
		if err := ValidateUsername(ok); err != nil {
			t.Errorf("ValidateUsername(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "ab", strings.Repeat("a", 65), "_alice", ".alice", "-alice", "al ice", "alice@x",
		"Alice",       // not canonical
		"\u0391dmin",  // Greek capital alpha
		"\u03b1dmin",  // Greek small alpha, looks like "admin"
		"admin\u200b", // zero-width space
		"adm\u0131n",  // dotless i
		"ａｄｍｉｎ",       // full-width, not canonical
		"admin\x00", "admin\n"} {
		if err := ValidateUsername(bad); err == nil {
			t.Errorf("ValidateUsername(%q) accepted", bad)
		}
	}
}

func TestValidateEmail(t *testing.T) {
	for _, ok := range []string{"a@b.co", "alice+tag@example.com", "o'brien@example.ie", "δοκιμή@παράδειγμα.δοκιμή"} {
		if err := ValidateEmail(ok); err != nil {
			t.Errorf("ValidateEmail(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "alice", "@example.com", "alice@", "alice@example", "alice@.example.com",
		"alice@example.com.", "a@b@example.com", "al ice@example.com", "alice@exa mple.com",
		"admin\u200b@example.com", // zero-width space
		"admin\u200d@example.com", // zero-width joiner
		"admin@exam\u00adple.com", // soft hyphen
		"admin\u202e@example.com", // right-to-left override
		"admin\x00@example.com",   // NUL
		"admin\x7f@example.com",   // DEL
		"\xff@example.com",        // invalid UTF-8
		strings.Repeat("a", 250) + "@x.io"} {
		if err := ValidateEmail(bad); err == nil {
			t.Errorf("ValidateEmail(%q) accepted", bad)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	for _, ok := range []string{"12345678", "correct horse", "пароль-пароль", strings.Repeat("x", MaxPassword)} {
		if err := ValidatePassword(ok); err != nil {
			t.Errorf("ValidatePassword(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "1234567", "пароль", strings.Repeat("x", MaxPassword+1), strings.Repeat("é", 129)} {
		if err := ValidatePassword(bad); err == nil {
			t.Errorf("ValidatePassword(%d bytes) accepted", len(bad))
		}
	}
}
