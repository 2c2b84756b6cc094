package cli

import (
	"strings"
	"testing"
)

// TestServeRefusesBadMailConfig: mail settings are checked at start; each
// mistake is one line, exit 2, and the SMTP password is never echoed.
func TestServeRefusesBadMailConfig(t *testing.T) {
	for name, c := range map[string]struct {
		env  map[string]string
		args []string
	}{
		"missing mail dir":    {nil, []string{"--mail-dir", "/nonexistent/sesame-mail"}},
		"smtp without from":   {map[string]string{"SESAME_SMTP_URL": "smtp://u:topsecretpw@mail.example.com"}, nil},
		"bad smtp scheme":     {map[string]string{"SESAME_SMTP_URL": "http://u:topsecretpw@mail.example.com"}, []string{"--mail-from", "a@b.c"}},
		"plain text off-host": {map[string]string{"SESAME_SMTP_URL": "smtp://u:topsecretpw@mail.example.com?starttls=none"}, []string{"--mail-from", "a@b.c"}},
		"both transports":     {map[string]string{"SESAME_SMTP_URL": "smtp://u:topsecretpw@mail.example.com", "SESAME_MAIL_DIR": t.TempDir()}, []string{"--mail-from", "a@b.c"}},
		"bad from":            {nil, []string{"--mail-dir", t.TempDir(), "--mail-from", "not an address"}},
		"bad timeout env":     {map[string]string{"SESAME_MAIL_TIMEOUT": "soon"}, nil},
		"timeout too long":    {nil, []string{"--mail-timeout", "1h"}},
	} {
		t.Run(name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			code, _, errs := run(t, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, c.args...)...)
			if code != ExitUsage || strings.Count(strings.TrimSpace(errs), "\n") != 0 || strings.Contains(errs, "topsecretpw") {
				t.Errorf("exit %d, stderr %q; want 2, one line, no password", code, errs)
			}
		})
	}
}
