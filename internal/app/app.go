package app

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sesameauth/sesame/internal/account"
	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/backchannel"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/connector"
	"github.com/sesameauth/sesame/internal/console"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/experience"
	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/mail"
	"github.com/sesameauth/sesame/internal/management"
	"github.com/sesameauth/sesame/internal/mfa"
	"github.com/sesameauth/sesame/internal/oidc/authorize"
	"github.com/sesameauth/sesame/internal/oidc/discovery"
	"github.com/sesameauth/sesame/internal/oidc/endsession"
	"github.com/sesameauth/sesame/internal/oidc/introspection"
	"github.com/sesameauth/sesame/internal/oidc/keys"
	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/oidc/revocation"
	"github.com/sesameauth/sesame/internal/oidc/token"
	"github.com/sesameauth/sesame/internal/oidc/userinfo"
	"github.com/sesameauth/sesame/internal/passkey"
	"github.com/sesameauth/sesame/internal/password"
	"github.com/sesameauth/sesame/internal/regulate"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/secret"
	"github.com/sesameauth/sesame/internal/session"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/configcache"
	"github.com/sesameauth/sesame/internal/ui"
	"github.com/sesameauth/sesame/internal/verification"
	"github.com/sesameauth/sesame/web"
)

// Options tune a Server beyond Config (tests and benchmarks use them).
type Options struct {
	Web            fs.FS            // templates and static files; default web.FS()
	Now            func() time.Time // clock; default time.Now
	PasswordParams password.Params  // default password.Default
	Throttle       experience.Throttle
	GCInterval     time.Duration // default 10m
	// NoAudit turns the audit log off (the benchmarks that measure what
	// it costs); Server.Audit is then nil, which records nothing.
	NoAudit bool
	// ConsoleSetup and ConsoleURIs replace the console's first-run setup
	// (default: admin.Admins.Setup) and its saving of redirect URIs
	// (default: directory.Apps.Update) in tests.
	// ConnectorHTTP reaches upstream OpenID providers (social sign-in);
	// default: a client with a 10 s timeout.
	ConnectorHTTP *http.Client
	ConsoleSetup  console.Setup
	ConsoleURIs   console.URIUpdater
	// MailTLS is the TLS configuration for the SMTP server (tests trust
	// testkit.SMTPServer's certificate with it); nil: the system roots.
	MailTLS *tls.Config
	// BackChannel tunes the delivery of back-channel logout tokens
	// (tests poll faster); zero values take backchannel's defaults.
	BackChannel backchannel.Options
}

// Server is a configured Sesame.
type Server struct {
	cfg     config.Config
	store   store.Store
	log     *slog.Logger
	keys    *keys.Manager
	handler http.Handler
	metrics *httpx.Metrics
	gcEvery time.Duration
	audit   *audit.Log
	mail    mail.Sender // nil: no mail configured
	// settings is the sign-in experience settings service, with the key
	// that seals connector secrets.
	settings *signinexp.Service
	// perRequest marks the requests that read the configuration through
	// the cache (configRequest); it passes others through.
	perRequest func(http.Handler) http.Handler
	// certs serves the public port's certificate when Sesame serves TLS
	// itself (--tls-cert); nil behind a proxy.
	certs *httpx.CertFiles
	// logouts delivers back-channel logout tokens in the background.
	logouts *backchannel.Worker
	// stopBG cancels the work New leaves to the background (the RS256
	// key, the logout deliveries), and bgDone is closed once it has all
	// returned.
	stopBG func()
	bgDone chan struct{}
}

// New builds the server over st. cfg must be validated.
func New(ctx context.Context, cfg config.Config, st store.Store, log *slog.Logger, opts Options) (*Server, error) {
	// During a change-over of the master secret (docs/production.md) the
	// first seals and derives, the others still open.
	ring, err := cfg.MasterSecrets()
	if err != nil {
		return nil, err
	}
	master, previous := ring.Current(), ring.Previous()
	// The embedded tree is verified by its tests (ui's TestWebFSVerifies)
	// and its pages parsed as they are first served; any other is
	// verified now, so that its mistakes stop the start.
	verifyWeb := opts.Web != nil
	if opts.Web == nil {
		opts.Web = web.FS()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.GCInterval == 0 {
		opts.GCInterval = 10 * time.Minute
	}
	log = httpx.ContextLogger(log) // records logged about a request carry its id and client address
	// Every front end reads apps, resources, permissions and settings
	// through the configuration cache when the store can tell when they
	// change (docs/design.md, "Caches and invalidation").
	var perRequest func(http.Handler) http.Handler = func(h http.Handler) http.Handler { return h }
	if v, ok := st.(configcache.Versioned); ok {
		st = configcache.New(v, 0)
		perRequest = configRequest(routes.Base(cfg.Path()))
	}
	base := routes.Base(cfg.Path())
	renderer, err := ui.NewAt(opts.Web, string(base), Pages()...)
	if err == nil && verifyWeb {
		err = renderer.Verify()
	}
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	mailCfg := cfg.Mail()
	mailCfg.Web, mailCfg.I18n, mailCfg.Log, mailCfg.TLS = opts.Web, renderer.I18n(), log, opts.MailTLS
	mailer, err := mail.New(mailCfg)
	if err != nil {
		return nil, err
	}
	km := keys.New(st, master, keys.Options{Alg: cfg.SigningAlg, PublishDelay: cfg.KeyPublishDelay, Refresh: cfg.KeyRefresh, Now: opts.Now, Previous: previous})
	if err := km.Ensure(ctx); err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	if err := admin.Ensure(ctx, st, cfg.Endpoint, console.ClientSecret(master), opts.Now()); err != nil {
		return nil, fmt.Errorf("management plane: %w", err)
	}
	apps := directory.Apps{Store: st, Now: opts.Now}
	if opts.ConsoleURIs == nil {
		opts.ConsoleURIs = consoleURIs{apps}
	}
	proxies, err := cfg.Proxies()
	if err != nil {
		return nil, err
	}
	p := &provider.Provider{Issuer: cfg.Issuer(), Endpoint: cfg.Endpoint, Clients: st, Keys: km, Log: log, Now: opts.Now}
	sessionTTL := cfg.SessionLifetime
	if sessionTTL == 0 {
		sessionTTL = provider.SessionTTL
	}
	sessions := &session.Manager{Store: st, Secure: cfg.Secure(), Path: string(base), TTL: sessionTTL, IdleTimeout: cfg.SessionIdleTimeout, Now: opts.Now}
	csrf := &httpx.CSRF{Key: secret.Derive(master, "csrf"), Previous: ring.Derive("csrf")[1:], Secure: cfg.Secure(), Path: string(base)}
	origin, err := crossOrigin(cfg, renderer)
	if err != nil {
		return nil, err
	}
	// Passkeys: RP ID and origin from the configured endpoint only.
	// An endpoint on an IP address cannot have passkeys: they are off.
	passkeys, err := passkey.New(cfg.Endpoint, st, log, opts.Now)
	if errors.Is(err, passkey.ErrIPEndpoint) {
		log.Info("passkeys are off", "reason", err)
	} else if err != nil {
		return nil, err
	}
	responder := &oauth2.Responder{UI: renderer, Issuer: p.Issuer, Log: log}
	tokens := oauth2.Tokens{Store: st, Keys: km, Issuer: p.Issuer, Denials: oauth2.NewDenials(st, 0, opts.Now)}

	// Every route is served under the endpoint's path; anything outside
	// it is the not-found page (mountSite).
	mux := http.NewServeMux()
	under := httpx.Under(mux, string(base))
	s := &Server{cfg: cfg, store: st, log: log, keys: km, gcEvery: opts.GCInterval, mail: mailer}
	s.logouts = backchannel.New(st, st, km, p.Issuer, log, opts.BackChannel)
	if cfg.TLS() {
		if s.certs, err = httpx.NewCertFiles(cfg.TLSCert, cfg.TLSKey, log); err != nil {
			return nil, err
		}
	}
	if !opts.NoAudit {
		// Started here: nothing below fails, so New never leaks its writer
		// (nor the background work started at the end).
		s.audit = audit.New(st, audit.Options{Now: opts.Now, Logger: log})
	}
	// One sign-in experience, one users directory (with its password
	// policy) and one gate for the hosted pages, the API and the console.
	settings := &signinexp.Service{Store: st, AllowRegistration: cfg.AllowRegistration, Now: opts.Now,
		Box: ring.Box(signinexp.ConnectorSecretsPurpose)}
	s.settings = settings
	users := directory.Users{Store: st, PasswordParams: opts.PasswordParams, Now: opts.Now, Policy: settings.PasswordPolicy}
	admins := admin.Admins{Store: st, PasswordParams: opts.PasswordParams, Now: opts.Now, Policy: settings.PasswordPolicy}
	roles, resources := directory.Roles{Store: st, Now: opts.Now}, directory.Resources{Store: st, Now: opts.Now}
	if opts.ConsoleSetup == nil {
		opts.ConsoleSetup = consoleSetup{admins}
	}
	gate := &admin.Gate{Tokens: tokens, Store: st, Endpoint: cfg.Endpoint, Now: opts.Now}
	// Second factors: the sign-in gate, the authorization endpoint's
	// step-up and the account pages share one service.
	mfas := MFA(st, master, cfg.Endpoint, opts.Now, previous...)
	if passkeys != nil {
		mfas.Others = append(mfas.Others, passkeys) // a passkey is the WebAuthn factor
	}
	stepUp := mfa.SettingsGate{MFA: mfas, Policy: func(ctx context.Context) (mfa.Policy, error) {
		x, err := settings.Get(ctx)
		return x.MFA, err
	}}
	// Emailed one-time codes, for the sign-in experience and the account
	// pages' email change.
	codes := &verification.Service{Store: st, Key: secret.Derive(master, "verification codes"), Now: opts.Now}
	// Every endpoint family, in one list.
	for _, h := range []httpx.Mounter{
		&discovery.Handler{P: p},
		&authorize.Handler{P: p, Store: st, Sessions: sessions, UI: renderer, Responder: responder, Base: base, RequirePKCE: cfg.RequirePKCE,
			IP: httpx.ClientIP{Trusted: proxies}, StepUp: stepUp},
		&token.Handler{P: p, Store: st, Audit: s.audit, Successors: ring.Box(token.SuccessorPurpose)},
		&userinfo.Handler{P: p, Tokens: tokens, Users: st},
		&endsession.Handler{P: p, Clients: st, Sessions: sessions, UI: renderer, CSRF: csrf, Base: base, Origin: origin},
		&revocation.Handler{P: p, Tokens: tokens, Store: st},
		&introspection.Handler{P: p, Tokens: tokens, Store: st},
		&experience.Handler{Store: st, Log: log, Now: opts.Now, Sessions: sessions, UI: renderer, CSRF: csrf, IP: httpx.ClientIP{Trusted: proxies},
			Origin: origin, Base: base, Settings: settings,
			Throttle: opts.Throttle, PasswordParams: opts.PasswordParams, Audit: s.audit,
			Mail: mailer, MFA: mfas, Passkeys: passkeys,
			Codes:          codes,
			Limits:         &regulate.Limiter{Store: st, Now: opts.Now},
			ResetAvailable: func(signinexp.Settings) bool { return mailer != nil },
			Connectors: &connector.Service{Settings: settings, RedirectURL: strings.TrimRight(cfg.Endpoint, "/") + routes.SocialCallback,
				Box: ring.Box("social-flow"), Now: opts.Now, HTTP: opts.ConnectorHTTP}},
		&management.Handler{Audit: s.audit, Gate: gate, Endpoint: cfg.Endpoint, Lists: st, Settings: settings,
			Apps: apps, Users: users, Roles: roles, Resources: resources,
			Keys: directory.Keys{Store: st, Master: master, Previous: previous, PublishDelay: cfg.KeyPublishDelay}},
		// The account pages of the browser's own user (internal/account doc).
		&account.Handler{Endpoint: cfg.Endpoint, Base: base, Sessions: sessions, Store: st, Users: users, MFA: mfas, Codes: codes, Mail: mailer, Audit: s.audit,
			Passkeys: accountPasskeys(passkeys),
			UI:       renderer, CSRF: csrf, Origin: origin, Secure: cfg.Secure(), Log: log, Now: opts.Now},
		// The console reaches the token endpoint and JWKS through s.handler
		// in process (internal/console doc).
		&console.Handler{Endpoint: cfg.Endpoint, Base: base, Issuer: p.Issuer, Master: master, PreviousMasters: previous, ClientSecret: console.ClientSecret(master),
			Server: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }),
			Gate:   gate, Setup: opts.ConsoleSetup,
			Apps: apps, URIs: opts.ConsoleURIs, Users: users, Resources: resources, Roles: roles,
			Settings: settings, Admins: admins, Audit: s.audit,
			Store: st, UI: renderer, CSRF: csrf, Origin: origin, Secure: cfg.Secure(), Log: log, Now: opts.Now},
	} {
		h.Mount(under)
	}
	s.mountSite(mux, base, renderer, p)
	s.metrics = httpx.NewMetrics()
	s.metrics.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "sesame_audit_dropped_total",
		Help: "Audit log entries lost: the queue was full or the database refused a batch."},
		func() float64 { return float64(s.audit.Dropped()) }))
	s.registerLogoutMetrics()
	s.perRequest = perRequest
	s.handler = s.middleware(mux, httpx.ClientIP{Trusted: proxies})
	// The background work, started last so that no failure above leaks
	// it. Every server publishes an RS256 key, which OpenID Connect
	// Discovery requires, for apps registered with it. Generating one
	// takes about 50 ms, so a new database gets it in the background
	// rather than before the first request; an app's first ID token would
	// create it anyway (keys.Manager.SignWith).
	bgCtx, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	s.stopBG, s.bgDone = stopBG, make(chan struct{})
	var bg sync.WaitGroup
	bg.Go(func() {
		if err := km.EnsureAlg(bgCtx, "RS256"); err != nil && bgCtx.Err() == nil {
			log.Warn("signing keys: no RS256 key yet; the first app that needs one creates it", "err", err)
		}
	})
	// Back-channel logout tokens are delivered from every replica.
	bg.Go(func() { s.logouts.Run(bgCtx) })
	go func() {
		bg.Wait()
		close(s.bgDone)
	}()
	return s, nil
}

// middleware wraps h in what every request goes through, outermost first.
// perRequest comes before the metrics, which must wrap the mux itself.
func (s *Server) middleware(h http.Handler, ip httpx.ClientIP) http.Handler {
	return httpx.Chain(h, httpx.RequestContext(s.log, ip), httpx.Recover(s.log), httpx.Log(s.log),
		httpx.Secure(s.cfg.Secure()), httpx.Limit, httpx.Deadline(cmp.Or(s.cfg.RequestTimeout, requestDeadline)), s.perRequest, s.metrics.Middleware)
}

// mountSite registers what is not an endpoint family: static files,
// health checks and the home page under the endpoint's path, and the
// not-found page for every other address.
func (s *Server) mountSite(mux *http.ServeMux, base routes.Base, renderer *ui.Renderer, p *provider.Provider) {
	under := httpx.Under(mux, string(base))
	under.Handle("GET "+routes.Static, http.StripPrefix(base.Path(routes.Static), renderer.Static()))
	under.Handle("GET "+routes.Language, renderer.Language())
	under.HandleFunc("GET "+routes.Health, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	under.HandleFunc("GET "+routes.Ready, s.ready)
	under.HandleFunc("GET "+routes.Home, func(w http.ResponseWriter, r *http.Request) {
		renderer.Render(w, r, http.StatusOK, &HomePage{Base: ui.Base{Title: "home.title"},
			Issuer: p.Issuer, DiscoveryURL: p.URL(routes.Discovery)})
	})
	if base != "" {
		mux.Handle("GET "+string(base), http.RedirectHandler(base.Path("/"), http.StatusMovedPermanently))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		oauth2.ErrorPage(renderer, w, r, http.StatusNotFound, ui.M("shared.error.not_found.heading"), ui.M("shared.error.not_found.message"), "")
	})
}

// crossOrigin guards the hosted pages' form POSTs against cross-site
// submission; only the endpoint's own origin is trusted.
func crossOrigin(cfg config.Config, renderer *ui.Renderer) (*http.CrossOriginProtection, error) {
	origin := http.NewCrossOriginProtection()
	if err := origin.AddTrustedOrigin(originOf(cfg.Endpoint)); err != nil {
		return nil, err
	}
	origin.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		oauth2.ErrorPage(renderer, w, r, http.StatusForbidden, ui.M("shared.error.blocked.heading"),
			ui.M("shared.error.blocked.message"), "cross-origin request")
	}))
	return origin, nil
}

// requestDeadline bounds a request's database and hashing work unless
// --request-timeout says otherwise.
const requestDeadline = 15 * time.Second

func originOf(endpoint string) string { return oauth2.Origin(endpoint) }

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Mail is the mail sender; nil when neither SESAME_SMTP_URL nor
// --mail-dir is configured.
func (s *Server) Mail() mail.Sender { return s.mail }

// Settings is the sign-in experience settings service (tests change the
// settings through it, as the API does).
func (s *Server) Settings() *signinexp.Service { return s.settings }

// Audit is the audit log (nil with Options.NoAudit). Handlers built in New
// use it; tests read it after Flush.
func (s *Server) Audit() *audit.Log { return s.audit }

// Close flushes the audit log and stops its writer. Run calls it on
// shutdown; a Server used only through Handler must call it.
func (s *Server) Close(ctx context.Context) error {
	s.stopBG()
	<-s.bgDone
	return s.audit.Close(ctx)
}

// Keys is the signing key manager.
func (s *Server) Keys() *keys.Manager { return s.keys }

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		w.Header().Set("Retry-After", "5")
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ok\n"))
}

func accountPasskeys(p *passkey.Service) account.Passkeys {
	if p == nil {
		return nil
	}
	return p
}

// configRequest gives the protocol endpoints and the hosted pages one
// configuration version per request (configcache.WithRequest): they read
// the configuration but never change it. The Management API, the console
// and the account pages do change it and then may read it back, so each of
// their lookups reads a fresh version of its own.
func configRequest(base routes.Base) func(http.Handler) http.Handler {
	prefixes := []string{routes.OIDC + "/", routes.SignIn, routes.Register, routes.Consent, routes.ResetPassword,
		routes.MFA, routes.Passkey, routes.SocialStart, routes.SocialCallback, routes.SocialLink}
	for i, p := range prefixes {
		prefixes[i] = base.Path(p)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for _, p := range prefixes {
				if strings.HasPrefix(r.URL.Path, p) {
					r = r.WithContext(configcache.WithRequest(r.Context()))
					break
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}
