package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/mail"
	"github.com/sesameauth/sesame/internal/oidc/keys"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/secret"
)

// Config is the server's configuration.
type Config struct {
	Addr              string
	Endpoint          string // public base URL, no trailing slash
	DataDir           string
	DatabaseURL       string
	Secret            string // master secret; generated into DataDir for SQLite when empty
	LogFormat         string // text or json
	LogLevel          string // debug, info, warn, error
	SigningAlg        string
	AllowRegistration bool
	TrustedProxies    string // comma-separated CIDRs whose X-Forwarded-For is believed
	KeyPublishDelay   time.Duration
	KeyRefresh        time.Duration // how often each replica reloads the key set
	MetricsAddr       string        // Prometheus /metrics listener; empty: off
	Pprof             bool          // net/http/pprof on the metrics listener (never the public one)
	// RequestTimeout bounds one request's database and hashing work; past
	// it the request answers 503. 0: 15 s.
	RequestTimeout time.Duration
	// TLSCert and TLSKey are PEM files: with both, the public port serves
	// HTTPS (and HTTP/2) itself, reloading them when they change.
	TLSCert, TLSKey string
	// SessionLifetime ends an SSO session this long after sign-in, however
	// active (0: 14 days); SessionIdleTimeout ends it after this long
	// unused (0: never).
	SessionLifetime    time.Duration
	SessionIdleTimeout time.Duration
	// RequirePKCE demands PKCE of every client, confidential ones too.
	RequirePKCE bool
	// Mail delivery (package internal/mail): SMTPURL (SESAME_SMTP_URL,
	// environment only, since it holds a password) or MailDir; neither:
	// no mail, and the pages offer nothing that needs it.
	SMTPURL     string
	MailFrom    string
	MailDir     string
	MailTimeout time.Duration

	envErrs []error // SESAME_* values that did not parse; see ValidateStore
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// envBool and envDuration read typed defaults from the environment. A value
// that does not parse is remembered and reported by ValidateStore, so a
// typo in SESAME_* is an error rather than a silent fallback.
func (c *Config) envBool(name string, def bool) bool {
	if v, ok := os.LookupEnv(name); ok {
		b, err := strconv.ParseBool(v)
		if err == nil {
			return b
		}
		c.envErrs = append(c.envErrs, fmt.Errorf("%s=%q is not a boolean (true or false)", name, v))
	}
	return def
}

func (c *Config) envDuration(name string, def time.Duration) time.Duration {
	if v, ok := os.LookupEnv(name); ok {
		d, err := time.ParseDuration(v)
		if err == nil {
			return d
		}
		c.envErrs = append(c.envErrs, fmt.Errorf("%s=%q is not a duration (like 90s, 15m or 72h)", name, v))
	}
	return def
}

// StoreFlags registers the flags every command needs to reach the database.
func (c *Config) StoreFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data", env("SESAME_DATA", "./sesame-data"), "directory of the embedded SQLite database (env SESAME_DATA)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("SESAME_DATABASE_URL", ""), "postgres://… URL to use PostgreSQL instead of SQLite (env SESAME_DATABASE_URL)")
}

// ServeFlags registers the server's flags.
func (c *Config) ServeFlags(fs *flag.FlagSet) {
	c.StoreFlags(fs)
	c.SecretFlag(fs)
	fs.StringVar(&c.Addr, "addr", env("SESAME_ADDR", "127.0.0.1:3001"), "listen address (env SESAME_ADDR)")
	c.EndpointFlag(fs)
	fs.StringVar(&c.LogFormat, "log-format", env("SESAME_LOG_FORMAT", "text"), "log format: text or json (env SESAME_LOG_FORMAT)")
	fs.StringVar(&c.LogLevel, "log-level", env("SESAME_LOG_LEVEL", "info"), "log level: debug, info, warn, error (env SESAME_LOG_LEVEL)")
	fs.StringVar(&c.SigningAlg, "signing-alg", env("SESAME_SIGNING_ALG", "ES384"), "ID token signing algorithm: ES384, ES256 or RS256 (env SESAME_SIGNING_ALG)")
	c.RegistrationFlag(fs)
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", env("SESAME_TRUSTED_PROXIES", ""), "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is trusted (env SESAME_TRUSTED_PROXIES)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("SESAME_METRICS_ADDR", ""), "serve Prometheus metrics at http://ADDR/metrics, apart from the public port; empty: off (env SESAME_METRICS_ADDR)")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", c.envDuration("SESAME_REQUEST_TIMEOUT", 15*time.Second), "longest a request may wait on the database and password hashing before it answers 503 (env SESAME_REQUEST_TIMEOUT)")
	fs.StringVar(&c.TLSCert, "tls-cert", env("SESAME_TLS_CERT", ""), "PEM certificate chain: serve HTTPS and HTTP/2 on --addr without a proxy, reloaded on SIGHUP or when the file changes; needs --tls-key (env SESAME_TLS_CERT)")
	fs.StringVar(&c.TLSKey, "tls-key", env("SESAME_TLS_KEY", ""), "PEM private key of --tls-cert (env SESAME_TLS_KEY)")
	fs.BoolVar(&c.Pprof, "pprof", c.envBool("SESAME_PPROF", false), "serve Go's profiler (net/http/pprof) at http://METRICS-ADDR/debug/pprof/, on the metrics listener only; requires --metrics-addr (env SESAME_PPROF)")
	fs.BoolVar(&c.RequirePKCE, "require-pkce", c.envBool("SESAME_REQUIRE_PKCE", false), "require PKCE of confidential apps too (public apps always need it; Logto's and Sesame's SDKs always send it) (env SESAME_REQUIRE_PKCE)")
	fs.DurationVar(&c.SessionLifetime, "session-lifetime", c.envDuration("SESAME_SESSION_LIFETIME", 14*24*time.Hour), "how long an SSO session lasts after sign-in, however active; 0: 14 days (env SESAME_SESSION_LIFETIME)")
	fs.DurationVar(&c.SessionIdleTimeout, "session-idle-timeout", c.envDuration("SESAME_SESSION_IDLE_TIMEOUT", 72*time.Hour), "end an SSO session unused for this long; 0: only the lifetime ends it (env SESAME_SESSION_IDLE_TIMEOUT)")
	c.KeyFlags(fs)
	c.MailFlags(fs)
}

// RegistrationFlag registers --registration: the initial sign-in mode of
// the settings, before they are first stored (signinexp.Defaults).
func (c *Config) RegistrationFlag(fs *flag.FlagSet) {
	fs.BoolVar(&c.AllowRegistration, "registration", c.envBool("SESAME_REGISTRATION", true), "let users create accounts on the sign-in page (env SESAME_REGISTRATION)")
}

// MailFlags registers the mail delivery settings. The SMTP URL is read
// from the environment only (SESAME_SMTP_URL): a flag would show its
// password in the process list.
func (c *Config) MailFlags(fs *flag.FlagSet) {
	c.SMTPURL = env("SESAME_SMTP_URL", "")
	fs.StringVar(&c.MailFrom, "mail-from", env("SESAME_MAIL_FROM", ""), "sender address of Sesame's mails, such as 'Acme <noreply@acme.example>'; required with SESAME_SMTP_URL (env SESAME_MAIL_FROM)")
	fs.StringVar(&c.MailDir, "mail-dir", env("SESAME_MAIL_DIR", ""), "development: write each mail as an .eml file into this existing directory instead of sending it (env SESAME_MAIL_DIR)")
	fs.DurationVar(&c.MailTimeout, "mail-timeout", c.envDuration("SESAME_MAIL_TIMEOUT", mail.DefaultTimeout), "longest a page waits for the mail server before asking the user to try again (env SESAME_MAIL_TIMEOUT)")
}

// Mail is the mail package's configuration (without the templates and
// the endpoint, which the server adds).
func (c *Config) Mail() mail.Config {
	return mail.Config{SMTPURL: c.SMTPURL, From: c.MailFrom, Dir: c.MailDir, Timeout: c.MailTimeout, Endpoint: c.Endpoint}
}

// EndpointFlag registers --endpoint; serve needs it, and so do the store
// commands that seed the Management API resources (their indicator is
// {endpoint}/api).
func (c *Config) EndpointFlag(fs *flag.FlagSet) {
	fs.StringVar(&c.Endpoint, "endpoint", env("SESAME_ENDPOINT", defaultEndpoint), "public base URL; the issuer is {endpoint}/oidc (env SESAME_ENDPOINT)")
}

// SecretFlag registers --secret.
func (c *Config) SecretFlag(fs *flag.FlagSet) {
	fs.StringVar(&c.Secret, "secret", env("SESAME_SECRET", ""), "master secret (32+ characters) that encrypts signing keys; required with PostgreSQL, generated in the data directory for SQLite. During a rotation a comma-separated list: the first seals, all open (env SESAME_SECRET)")
}

// KeyFlags registers the key-rotation settings.
func (c *Config) KeyFlags(fs *flag.FlagSet) {
	fs.DurationVar(&c.KeyPublishDelay, "key-publish-delay", c.envDuration("SESAME_KEY_PUBLISH_DELAY", 2*time.Minute), "how long a rotated-in key is published before it signs (env SESAME_KEY_PUBLISH_DELAY)")
	fs.DurationVar(&c.KeyRefresh, "key-refresh", c.envDuration("SESAME_KEY_REFRESH", 0), "how often each replica reloads the signing keys; 0: the smaller of 30s and a quarter of the publish delay (env SESAME_KEY_REFRESH)")
}

// Postgres reports whether the database is PostgreSQL.
func (c *Config) Postgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// ValidateStore checks the database settings.
func (c *Config) ValidateStore() error {
	if len(c.envErrs) > 0 {
		return c.envErrs[0]
	}
	if c.DatabaseURL != "" && !c.Postgres() {
		return errors.New("--database-url must start with postgres:// or postgresql://")
	}
	if c.DatabaseURL == "" && strings.TrimSpace(c.DataDir) == "" {
		return errors.New("--data must not be empty")
	}
	return nil
}

// Validate checks the server's configuration and normalises Endpoint.
func (c *Config) Validate() error {
	if err := c.ValidateStore(); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("--addr %q is not host:port", c.Addr)
	}
	if c.RequestTimeout < 0 || (c.RequestTimeout > 0 && c.RequestTimeout < 100*time.Millisecond) {
		return errors.New("--request-timeout must be at least 100ms")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if c.TLS() && strings.HasPrefix(c.Endpoint, "http://") {
		// The default endpoint follows; one set by hand must say https.
		if c.Endpoint != defaultEndpoint {
			return fmt.Errorf("--endpoint %q must be https:// when Sesame serves TLS itself", c.Endpoint)
		}
		c.Endpoint = "https://" + strings.TrimPrefix(defaultEndpoint, "http://")
	}
	if err := c.ValidateEndpoint(); err != nil {
		return err
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("--log-format must be text or json")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level must be debug, info, warn or error")
	}
	if !keys.SupportedAlg(c.SigningAlg) {
		return fmt.Errorf("--signing-alg must be one of %s", strings.Join(keys.Supported, ", "))
	}
	if _, err := c.Proxies(); err != nil {
		return err
	}
	if err := c.ValidateSecret(); err != nil {
		return err
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return fmt.Errorf("--metrics-addr %q is not host:port", c.MetricsAddr)
		}
	}
	if c.Pprof && c.MetricsAddr == "" {
		// Never on the public port: profiles expose memory and cost CPU.
		return errors.New("--pprof requires --metrics-addr: the profiler is served on the metrics listener only")
	}
	if c.KeyRefresh < 0 || (c.KeyRefresh > 0 && c.KeyRefresh < 100*time.Millisecond) {
		return errors.New("--key-refresh must be 0 (automatic) or at least 100ms")
	}
	if c.KeyPublishDelay < 0 {
		return errors.New("--key-publish-delay must not be negative")
	}
	if c.SessionLifetime < 0 || (c.SessionLifetime > 0 && c.SessionLifetime < time.Minute) {
		return errors.New("--session-lifetime must be 0 (14 days) or at least 1m")
	}
	if c.SessionIdleTimeout != 0 && c.SessionIdleTimeout < time.Minute {
		return errors.New("--session-idle-timeout must be 0 (off) or at least 1m")
	}
	// Below the request deadline (15 s), so a slow mail server ends in
	// the page's "try again", not in a cut request.
	if c.MailTimeout < 0 || (c.MailTimeout > 0 && c.MailTimeout < 100*time.Millisecond) || c.MailTimeout > 12*time.Second {
		return errors.New("--mail-timeout must be between 100ms and 12s")
	}
	return c.Mail().Validate()
}

// ValidateEndpoint checks --endpoint and normalises it (no trailing slash).
func (c *Config) ValidateEndpoint() error {
	u, err := url.Parse(c.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("--endpoint %q must be an absolute http(s) URL without query or fragment", c.Endpoint)
	}
	c.Endpoint = strings.TrimRight(c.Endpoint, "/")
	if p := strings.TrimRight(u.Path, "/"); p != "" && !validPath.MatchString(p) {
		return fmt.Errorf("--endpoint %q: its path may hold only letters, digits and - . _ ~ in /-separated segments", c.Endpoint)
	}
	return nil
}

// Proxies parses TrustedProxies.
func (c *Config) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(c.TrustedProxies, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxies: %q is not a CIDR", s)
		}
		out = append(out, p)
	}
	return out, nil
}

// Issuer is {endpoint}/oidc, exactly as Logto has it.
func (c *Config) Issuer() string { return strings.TrimRight(c.Endpoint, "/") + routes.OIDC }

// validPath is the shape of an endpoint's path that every route can be
// served under: plain segments, none of them "." or "..".
var validPath = regexp.MustCompile(`^(/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+$`)

// Path is the path of the endpoint ("" for none, else such as "/sesame"):
// every route is served under it.
func (c *Config) Path() string {
	u, err := url.Parse(c.Endpoint)
	if err != nil {
		return ""
	}
	return strings.TrimRight(u.EscapedPath(), "/")
}

// Secure reports whether cookies must be Secure (https endpoint).
func (c *Config) Secure() bool { return strings.HasPrefix(c.Endpoint, "https://") }

// TLS reports whether the public port serves TLS itself (--tls-cert).
func (c *Config) TLS() bool { return c.TLSCert != "" }

// defaultEndpoint is --endpoint's default; with TLS, its https twin.
const defaultEndpoint = "http://localhost:3001"

// ValidateSecret checks --secret: one secret or a comma-separated list of
// them, each at least 32 characters.
func (c *Config) ValidateSecret() error {
	if c.Secret == "" {
		return nil
	}
	for _, s := range strings.Split(c.Secret, ",") {
		if len(s) < 32 && len(strings.TrimSpace(s)) < 32 {
			return errors.New("--secret must be at least 32 characters (each of a comma-separated list)")
		}
	}
	return nil
}

// SecretFile is where SQLite keeps a generated master secret: one line,
// or during a rotation (sesame secret rotate) the new line first and the
// previous after it.
func (c *Config) SecretFile() string { return filepath.Join(c.DataDir, "secret.key") }

// MasterSecret returns the current master secret (the first of
// MasterSecrets).
func (c *Config) MasterSecret() ([]byte, error) {
	ring, err := c.MasterSecrets()
	if err != nil {
		return nil, err
	}
	return ring.Current(), nil
}

// MasterSecrets returns the master secrets, current first: the configured
// list, or for SQLite the lines of DataDir/secret.key, generated once
// (mode 0600). With PostgreSQL they must be configured, since every
// replica needs the same.
func (c *Config) MasterSecrets() (secret.Keyring, error) {
	if c.Secret != "" {
		if err := c.ValidateSecret(); err != nil {
			return nil, err
		}
		if !strings.Contains(c.Secret, ",") {
			return secret.Keyring{[]byte(c.Secret)}, nil // as configured before lists existed
		}
		return parseRing(c.Secret, ","), nil
	}
	if c.Postgres() {
		return nil, errors.New("SESAME_SECRET (or --secret) is required with PostgreSQL: every replica must share it")
	}
	path := c.SecretFile()
	if b, err := os.ReadFile(path); err == nil {
		ring := parseRing(string(b), "\n")
		if len(ring) == 0 {
			return nil, fmt.Errorf("%s is too short", path)
		}
		for _, s := range ring {
			if len(s) < 32 {
				return nil, fmt.Errorf("%s is too short", path)
			}
		}
		// A copy or an older version may have left it readable by others.
		if fi, err := os.Stat(path); err != nil {
			return nil, err
		} else if fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(path, 0o600); err != nil {
				return nil, err
			}
		}
		return ring, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, err
	}
	s := NewSecret()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return c.MasterSecrets() // another process won the race
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.WriteString(s + "\n"); err != nil {
		return nil, err
	}
	return secret.Keyring{[]byte(s)}, f.Sync()
}

// NewSecret returns a new random master secret (64 hex digits).
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// WriteSecretFile replaces DataDir/secret.key with ring, one secret a
// line, atomically (a temporary file renamed into place, mode 0600).
func (c *Config) WriteSecretFile(ring secret.Keyring) error {
	path := c.SecretFile()
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	for _, s := range ring {
		if _, err := f.Write(append(append([]byte{}, s...), '\n')); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func parseRing(s, sep string) secret.Keyring {
	var ring secret.Keyring
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			ring = append(ring, []byte(p))
		}
	}
	return ring
}
