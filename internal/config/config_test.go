package config

import (
	"strings"
	"testing"
	"time"
)

func TestValidateMail(t *testing.T) {
	base := func() Config {
		return Config{Addr: "127.0.0.1:0", Endpoint: "https://id.example.com", DataDir: t.TempDir(), LogFormat: "text", LogLevel: "info", SigningAlg: "ES384"}
	}
	ok := []func(*Config){
		func(*Config) {},
		func(c *Config) { c.MailDir = t.TempDir() },
		func(c *Config) { c.SMTPURL, c.MailFrom = "smtp://u:p@mail.example.com", "Acme <noreply@example.com>" },
		func(c *Config) { c.MailTimeout = 5 * time.Second },
	}
	for i, f := range ok {
		c := base()
		f(&c)
		if err := c.Validate(); err != nil {
			t.Errorf("ok %d: %v", i, err)
		}
	}
	bad := []func(*Config){
		func(c *Config) { c.MailDir = "/nonexistent/sesame-mail" },
		func(c *Config) { c.SMTPURL = "smtp://u:secretpw@mail.example.com" }, // no from
		func(c *Config) { c.SMTPURL, c.MailFrom = "smtp://u:secretpw@mail.example.com?starttls=none", "a@b.c" },
		func(c *Config) {
			c.SMTPURL, c.MailFrom, c.MailDir = "smtp://u:secretpw@mail.example.com", "a@b.c", t.TempDir()
		},
		func(c *Config) { c.MailTimeout = time.Hour },
	}
	for i, f := range bad {
		c := base()
		f(&c)
		err := c.Validate()
		if err == nil {
			t.Errorf("bad %d: valid", i)
		} else if strings.Contains(err.Error(), "secretpw") || strings.Contains(err.Error(), "\n") {
			t.Errorf("bad %d: %q", i, err)
		}
	}
}
