package passkey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/sesameauth/sesame/internal/mfa"
	"github.com/sesameauth/sesame/internal/store"
)

// CeremonyTTL is how long a challenge stays redeemable.
const CeremonyTTL = 5 * time.Minute

// MaxNameLen bounds a passkey's display name (runes).
const MaxNameLen = 64

// AMR values of a passkey (RFC 8176): "hwk" proof of possession of a
// hardware-secured key, "user" when the authenticator verified the user
// (PIN or biometric) in this very ceremony. docs/security.md says why a
// verified passkey counts as two factors.
const (
	AMRHardwareKey = "hwk"
	AMRUser        = "user"
)

// Ceremony kinds as stored.
const (
	kindRegister = "register"
	kindLogin    = "login"
	kindDiscover = "discover"
)

// Errors. Front ends answer all but ErrNameInvalid with one generic
// "passkey not accepted" message; the reason is logged, not shown.
var (
	// ErrCeremony: no live ceremony for that ticket (missing, expired,
	// already consumed, or begun for another user or purpose).
	ErrCeremony = errors.New("passkey: no such ceremony")
	// ErrInvalid: the browser's response did not verify (origin, RP ID,
	// challenge, signature, flags, malformed JSON).
	ErrInvalid = errors.New("passkey: response not accepted")
	// ErrUnknownCredential: the credential is not registered (or not the
	// user's).
	ErrUnknownCredential = errors.New("passkey: unknown credential")
	// ErrCloned: the sign count did not grow.
	ErrCloned = errors.New("passkey: sign count regression (cloned authenticator?)")
	// ErrAlreadyRegistered: that credential ID is already stored.
	ErrAlreadyRegistered = errors.New("passkey: credential already registered")
	// ErrNameInvalid: a name empty after trimming or too long.
	ErrNameInvalid = errors.New("passkey: name empty or too long")
	// ErrIPEndpoint: the endpoint's host is an IP address, which WebAuthn
	// cannot use as relying party ID; passkeys are then off.
	ErrIPEndpoint = errors.New("passkey: the endpoint's host is an IP address; WebAuthn needs a domain name")
)

// Store is what the service persists and reads.
type Store interface {
	store.Passkeys
	GetUser(ctx context.Context, id string) (store.User, error)
}

// Service is the passkey domain. Build it with New.
type Service struct {
	store Store
	wa    *webauthn.WebAuthn
	log   *slog.Logger
	now   func() time.Time
	rpID  string
}

// New builds the service for the configured endpoint (e.g.
// https://id.example.com): RP ID its host, origin its scheme://host[:port].
func New(endpoint string, st Store, log *slog.Logger, now func() time.Time) (*Service, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("passkey: endpoint %q is not an absolute http(s) URL", endpoint)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	rpID := u.Hostname()
	if net.ParseIP(rpID) != nil {
		return nil, ErrIPEndpoint
	}
	wa, err := webauthn.New(&webauthn.Config{
		RPID:          rpID,
		RPDisplayName: rpID,
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
		// The ceremony's lifetime is kept by the store (CeremonyTTL).
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: CeremonyTTL},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: CeremonyTTL},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("passkey: %w", err)
	}
	return &Service{store: st, wa: wa, log: log, now: now, rpID: rpID}, nil
}

// RPID is the relying party ID (the endpoint's host).
func (s *Service) RPID() string { return s.rpID }

// waUser adapts a user and its passkeys to the library. The user handle
// is the user ID: opaque, stable, no personal data.
type waUser struct {
	u     store.User
	creds []webauthn.Credential
}

func (w waUser) WebAuthnID() []byte { return []byte(w.u.ID) }
func (w waUser) WebAuthnName() string {
	if w.u.Username != "" {
		return w.u.Username
	}
	if w.u.Email != "" {
		return w.u.Email
	}
	return w.u.ID
}
func (w waUser) WebAuthnDisplayName() string {
	if w.u.Name != "" {
		return w.u.Name
	}
	return w.WebAuthnName()
}
func (w waUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }

func toCredential(p store.Passkey) webauthn.Credential {
	c := webauthn.Credential{ID: p.ID, PublicKey: p.PublicKey, AttestationType: p.AttestationType,
		Flags: webauthn.CredentialFlags{UserPresent: true, UserVerified: p.UserVerified,
			BackupEligible: p.BackupEligible, BackupState: p.BackupState},
		Authenticator: webauthn.Authenticator{AAGUID: p.AAGUID, SignCount: p.SignCount}}
	for _, t := range p.Transports {
		c.Transport = append(c.Transport, protocol.AuthenticatorTransport(t))
	}
	return c
}

func (s *Service) loadUser(ctx context.Context, u store.User) (waUser, error) {
	ps, err := s.store.ListPasskeys(ctx, u.ID)
	if err != nil {
		return waUser{}, err
	}
	w := waUser{u: u}
	for _, p := range ps {
		w.creds = append(w.creds, toCredential(p))
	}
	return w, nil
}

// newTicket stores the ceremony and returns the random ticket the browser
// keeps (in a cookie); only its hash is stored.
func (s *Service) newTicket(ctx context.Context, kind, userID string, sd *webauthn.SessionData) (string, error) {
	data, err := json.Marshal(sd)
	if err != nil {
		return "", err
	}
	ticket := rand.Text()
	n := s.now()
	err = s.store.CreatePasskeyCeremony(ctx, store.PasskeyCeremony{IDHash: hashTicket(ticket), Kind: kind,
		UserID: userID, Data: data, CreatedAt: n, ExpiresAt: n.Add(CeremonyTTL)})
	return ticket, err
}

func hashTicket(t string) []byte {
	h := sha256.Sum256([]byte(t))
	return h[:]
}

// consume redeems the ticket once; kind and userID must match what the
// ceremony was begun for.
func (s *Service) consume(ctx context.Context, ticket, kind, userID string) (webauthn.SessionData, error) {
	var sd webauthn.SessionData
	if ticket == "" {
		return sd, ErrCeremony
	}
	c, err := s.store.ConsumePasskeyCeremony(ctx, hashTicket(ticket), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return sd, ErrCeremony
	} else if err != nil {
		return sd, err
	}
	if c.Kind != kind || c.UserID != userID {
		return sd, ErrCeremony
	}
	if err := json.Unmarshal(c.Data, &sd); err != nil {
		return sd, fmt.Errorf("passkey: stored ceremony: %w", err)
	}
	return sd, nil
}

// BeginRegistration starts registering a passkey for u: discoverable
// (resident) key and user verification preferred, the user's existing
// passkeys excluded. It returns the options for
// navigator.credentials.create and the ticket.
func (s *Service) BeginRegistration(ctx context.Context, u store.User) (*protocol.CredentialCreation, string, error) {
	w, err := s.loadUser(ctx, u)
	if err != nil {
		return nil, "", err
	}
	var exclude []protocol.CredentialDescriptor
	for _, c := range w.creds {
		exclude = append(exclude, c.Descriptor())
	}
	cc, sd, err := s.wa.BeginRegistration(w,
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementPreferred, RequireResidentKey: protocol.ResidentKeyNotRequired(),
			UserVerification: protocol.VerificationPreferred}),
		webauthn.WithExclusions(exclude),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation))
	if err != nil {
		return nil, "", fmt.Errorf("passkey: begin registration: %w", err)
	}
	t, err := s.newTicket(ctx, kindRegister, u.ID, sd)
	return cc, t, err
}

// FinishRegistration verifies the browser's attestation response (JSON)
// for the ceremony of ticket and stores the passkey under name (empty:
// "Passkey"). A registration proves possession of a new key only: it never
// verifies an address and is never a sign-in by itself.
func (s *Service) FinishRegistration(ctx context.Context, u store.User, ticket string, response []byte, name string) (store.Passkey, error) {
	name, err := cleanName(name, true)
	if err != nil {
		return store.Passkey{}, err
	}
	sd, err := s.consume(ctx, ticket, kindRegister, u.ID)
	if err != nil {
		return store.Passkey{}, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		s.log.Info("passkey registration refused", "user", u.ID, "reason", errText(err))
		return store.Passkey{}, ErrInvalid
	}
	w, err := s.loadUser(ctx, u)
	if err != nil {
		return store.Passkey{}, err
	}
	c, err := s.wa.CreateCredential(w, sd, parsed)
	if err != nil {
		s.log.Info("passkey registration refused", "user", u.ID, "reason", errText(err))
		return store.Passkey{}, ErrInvalid
	}
	p := store.Passkey{ID: c.ID, UserID: u.ID, PublicKey: c.PublicKey, AttestationType: c.AttestationType,
		AAGUID: c.Authenticator.AAGUID, SignCount: c.Authenticator.SignCount,
		BackupEligible: c.Flags.BackupEligible, BackupState: c.Flags.BackupState, UserVerified: c.Flags.UserVerified,
		Name: name, CreatedAt: s.now()}
	for _, t := range c.Transport {
		p.Transports = append(p.Transports, string(t))
	}
	switch err := s.store.CreatePasskey(ctx, p); {
	case errors.Is(err, store.ErrAlreadyExists):
		return store.Passkey{}, ErrAlreadyRegistered
	case err != nil:
		return store.Passkey{}, err
	}
	return p, nil
}

// BeginLogin starts a second-factor assertion for u, allowing only u's
// passkeys, user verification preferred. A user without passkeys is
// ErrUnknownCredential.
func (s *Service) BeginLogin(ctx context.Context, u store.User) (*protocol.CredentialAssertion, string, error) {
	w, err := s.loadUser(ctx, u)
	if err != nil {
		return nil, "", err
	}
	if len(w.creds) == 0 {
		return nil, "", ErrUnknownCredential
	}
	ca, sd, err := s.wa.BeginLogin(w, webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return nil, "", fmt.Errorf("passkey: begin login: %w", err)
	}
	t, err := s.newTicket(ctx, kindLogin, u.ID, sd)
	return ca, t, err
}

// BeginDiscoverableLogin starts a passkey sign-in without an identifier.
// User verification is required: the passkey is the whole sign-in, so the
// authenticator must have checked who holds it (docs/security.md).
func (s *Service) BeginDiscoverableLogin(ctx context.Context) (*protocol.CredentialAssertion, string, error) {
	ca, sd, err := s.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, "", fmt.Errorf("passkey: begin discoverable login: %w", err)
	}
	t, err := s.newTicket(ctx, kindDiscover, "", sd)
	return ca, t, err
}

// Result is an accepted assertion.
type Result struct {
	User    store.User
	Passkey store.Passkey // as stored after this use
	// UserVerified: the authenticator verified the user in this ceremony.
	UserVerified bool
	// AMR is "hwk", plus "user" when UserVerified.
	AMR []string
}

// FinishLogin verifies a second-factor assertion (JSON) for the ceremony
// of ticket, begun by BeginLogin for userID.
func (s *Service) FinishLogin(ctx context.Context, userID, ticket string, response []byte) (Result, error) {
	if userID == "" {
		return Result{}, ErrCeremony
	}
	return s.finish(ctx, kindLogin, userID, ticket, response)
}

// FinishDiscoverableLogin verifies a passkey sign-in (JSON) for the
// ceremony of ticket and returns the user the passkey belongs to.
func (s *Service) FinishDiscoverableLogin(ctx context.Context, ticket string, response []byte) (Result, error) {
	return s.finish(ctx, kindDiscover, "", ticket, response)
}

func (s *Service) finish(ctx context.Context, kind, userID, ticket string, response []byte) (Result, error) {
	sd, err := s.consume(ctx, ticket, kind, userID)
	if err != nil {
		return Result{}, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		s.log.Info("passkey assertion refused", "reason", errText(err))
		return Result{}, ErrInvalid
	}
	p, err := s.store.GetPasskey(ctx, parsed.RawID)
	if errors.Is(err, store.ErrNotFound) {
		return Result{}, ErrUnknownCredential
	} else if err != nil {
		return Result{}, err
	}
	// The credential must be the expected user's (second factor) and the
	// user handle, when the authenticator sends one, must name its owner.
	if (userID != "" && p.UserID != userID) ||
		(len(parsed.Response.UserHandle) > 0 && string(parsed.Response.UserHandle) != p.UserID) {
		return Result{}, ErrUnknownCredential
	}
	u, err := s.store.GetUser(ctx, p.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return Result{}, ErrUnknownCredential
	} else if err != nil {
		return Result{}, err
	}
	w := waUser{u: u, creds: []webauthn.Credential{toCredential(p)}}
	var c *webauthn.Credential
	if kind == kindDiscover {
		c, err = s.wa.ValidateDiscoverableLogin(func(_, _ []byte) (webauthn.User, error) { return w, nil }, sd, parsed)
	} else {
		c, err = s.wa.ValidateLogin(w, sd, parsed)
	}
	if err != nil {
		s.log.Info("passkey assertion refused", "user", u.ID, "reason", errText(err))
		return Result{}, ErrInvalid
	}
	flags := parsed.Response.AuthenticatorData.Flags
	if c.Authenticator.CloneWarning {
		s.log.Warn("passkey sign count regression: possible cloned authenticator", "user", u.ID,
			"credential", base64.RawURLEncoding.EncodeToString(p.ID), "stored", p.SignCount, "presented", parsed.Response.AuthenticatorData.Counter)
		return Result{}, ErrCloned
	}
	// The store's conditional write is the authoritative check: of two
	// concurrent assertions with the same count one loses here.
	count := parsed.Response.AuthenticatorData.Counter
	now := s.now()
	switch err := s.store.UsePasskey(ctx, p.ID, count, flags.HasBackupState(), now); {
	case errors.Is(err, store.ErrReplayed):
		s.log.Warn("passkey sign count regression: possible cloned authenticator", "user", u.ID,
			"credential", base64.RawURLEncoding.EncodeToString(p.ID), "presented", count)
		return Result{}, ErrCloned
	case errors.Is(err, store.ErrNotFound):
		return Result{}, ErrUnknownCredential
	case err != nil:
		return Result{}, err
	}
	if u.Suspended {
		return Result{}, ErrUnknownCredential
	}
	p.SignCount, p.BackupState, p.LastUsedAt = count, flags.HasBackupState(), now
	r := Result{User: u, Passkey: p, UserVerified: flags.HasUserVerified(), AMR: []string{AMRHardwareKey}}
	if r.UserVerified {
		r.AMR = append(r.AMR, AMRUser)
	}
	return r, nil
}

// List returns the user's passkeys, oldest first.
func (s *Service) List(ctx context.Context, userID string) ([]store.Passkey, error) {
	return s.store.ListPasskeys(ctx, userID)
}

// Rename sets the name of the user's passkey id.
func (s *Service) Rename(ctx context.Context, userID string, id []byte, name string) error {
	name, err := cleanName(name, false)
	if err != nil {
		return err
	}
	if err := s.store.RenamePasskey(ctx, userID, id, name); errors.Is(err, store.ErrNotFound) {
		return ErrUnknownCredential
	} else if err != nil {
		return err
	}
	return nil
}

// Delete removes the user's passkey id.
func (s *Service) Delete(ctx context.Context, userID string, id []byte) error {
	if err := s.store.DeletePasskey(ctx, userID, id); errors.Is(err, store.ErrNotFound) {
		return ErrUnknownCredential
	} else if err != nil {
		return err
	}
	return nil
}

// Has reports whether the user has a passkey.
func (s *Service) Has(ctx context.Context, userID string) (bool, error) {
	n, err := s.store.CountPasskeys(ctx, userID)
	return n > 0, err
}

// Factor, Enrolled and RemoveAll make passkeys an mfa.FactorSource (the
// WebAuthn factor).
func (s *Service) Factor() mfa.Factor { return mfa.WebAuthn }

// Enrolled implements mfa.FactorSource.
func (s *Service) Enrolled(ctx context.Context, userID string) (bool, error) {
	return s.Has(ctx, userID)
}

// EnrolledIn is Enrolled from a user read that carried the user's second
// factors (store.SecondFactors.Passkey: at least one passkey).
func (s *Service) EnrolledIn(f store.SecondFactors) bool { return f.Passkey }

// RemoveAll implements mfa.FactorSource: deletes every passkey of the user.
func (s *Service) RemoveAll(ctx context.Context, userID string) error {
	ps, err := s.store.ListPasskeys(ctx, userID)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if err := s.store.DeletePasskey(ctx, userID, p.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

var _ mfa.FactorSource = (*Service)(nil)

func cleanName(name string, defaultOK bool) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" && defaultOK {
		return "Passkey", nil
	}
	if name == "" || len([]rune(name)) > MaxNameLen || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", ErrNameInvalid
	}
	return name, nil
}

// errText is the library's reason, with its details, for the log.
func errText(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return pe.Type + ": " + pe.Details + " " + pe.DevInfo
	}
	return err.Error()
}
