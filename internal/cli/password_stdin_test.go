package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/password"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
)

// TestUsersCreatePasswordStdin: `users create --password-stdin` takes the
// password from standard input (out of ps and shell history), exactly one
// of --password and --password-stdin is accepted, and a refusal is one line,
// exit 2, with nothing written.
func TestUsersCreatePasswordStdin(t *testing.T) {
	runIn := func(stdin string, args ...string) (int, string) {
		t.Helper()
		var out, errb bytes.Buffer
		code := Main(context.Background(), args, Env{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(stdin)})
		return code, errb.String()
	}
	dir := t.TempDir()
	if code, errs := runIn("vera's secret words\n", "users", "create", "--username", "vera", "--password-stdin", "--data", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	st, err := sqlstore.Open(context.Background(), sqlstore.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.GetUserByLogin(context.Background(), "vera")
	st.Close()
	if err != nil || password.Verify(context.Background(), "vera's secret words", u.PasswordHash) != nil {
		t.Fatalf("the password from standard input was not set (%v)", err)
	}
	for _, c := range []struct {
		stdin string
		args  []string
	}{
		{"long enough\n", []string{"--password", "long enough", "--password-stdin"}},
		{"", []string{}},
		{"", []string{"--password-stdin"}},
		{"\n", []string{"--password-stdin"}},
		{"short\n", []string{"--password-stdin"}},
	} {
		d := filepath.Join(t.TempDir(), "data")
		code, errs := runIn(c.stdin, append(append([]string{"users", "create", "--username", "walt"}, c.args...), "--data", d)...)
		if code != 2 || errs == "" || strings.Count(strings.TrimRight(errs, "\n"), "\n") != 0 {
			t.Errorf("%v with stdin %q: exit %d, stderr %q; want 2 and one line", c.args, c.stdin, code, errs)
		}
		if _, err := os.Stat(d); err == nil {
			t.Errorf("%v with stdin %q: created %s", c.args, c.stdin, d)
		}
	}
}
