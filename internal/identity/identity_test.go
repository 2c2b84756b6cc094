package identity

import (
	"errors"
	"fmt"
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

// TestErrorCodes: every rule's error carries its stable code and the
// sentence the pages show, and matches its sentinel with errors.Is, also
// when wrapped.
func TestErrorCodes(t *testing.T) {
	for _, tc := range []struct {
		err        error
		want       *Error
		code, text string
	}{
		{ValidateUsername("ab"), ErrUsernameLength, "username.length", "Usernames are 3 to 64 characters long."},
		{ValidateUsername("_alice"), ErrUsernameChars, "username.chars",
			"Usernames may contain only letters a–z, digits, '.', '_' and '-', and start with a letter or digit."},
		{ValidateEmail(strings.Repeat("a", 250) + "@x.io"), ErrEmailTooLong, "email.too_long", "That email address is too long."},
		{ValidateEmail("alice"), ErrEmailInvalid, "email.invalid", "Enter a valid email address."},
		{ValidatePassword("short"), ErrPasswordTooShort, "password.too_short", "Passwords must be at least 8 characters long."},
		{ValidatePassword(strings.Repeat("x", MaxPassword+1)), ErrPasswordTooLong, "password.too_long", "Passwords must be at most 256 bytes long."},
	} {
		if !errors.Is(fmt.Errorf("wrapped: %w", tc.err), tc.want) {
			t.Errorf("%v is not %v", tc.err, tc.want)
		}
		var e *Error
		if !errors.As(tc.err, &e) || e.Code != tc.code || e.Message != tc.text || tc.err.Error() != tc.text {
			t.Errorf("error %#v, want code %q and message %q", tc.err, tc.code, tc.text)
		}
	}
	if errors.Is(ErrEmailInvalid, ErrEmailTooLong) {
		t.Error("distinct codes match")
	}
}
