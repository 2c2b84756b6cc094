package directory

// An app's settings: the change an update makes, checked in one place for
// the CLI, the API and the console (and for Create's Settings).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sesameauth/sesame/internal/oidc/keys"
	"github.com/sesameauth/sesame/internal/store"
)

// AppUpdate is a change to an app's settings (Logto's PATCH
// /api/applications/:id): a nil field is left as is. The type, id and
// secrets cannot change here.
type AppUpdate struct {
	Name                   *string
	Description            *string
	RedirectURIs           *[]string
	PostLogoutRedirectURIs *[]string
	CORSOrigins            *[]string
	// IDTokenTTL is in seconds, MinIDTokenTTL to MaxIDTokenTTL; 0 restores
	// the server default.
	IDTokenTTL *int
	// RefreshTokenTTLInDays is 1 to 180; 0 restores the server default.
	RefreshTokenTTLInDays   *int
	RotateRefreshToken      *bool
	AlwaysIssueRefreshToken *bool
	// IDTokenAlg is the app's id_token_signed_response_alg: one of
	// keys.Supported, or "" for the server's default.
	IDTokenAlg *string
	// BackChannelLogoutURI is the app's backchannel_logout_uri
	// (CheckBackChannelLogoutURI); "" removes it.
	BackChannelLogoutURI *string
	// BackChannelLogoutSessionRequired is its
	// backchannel_logout_session_required; kept without a URI (no effect).
	BackChannelLogoutSessionRequired *bool
	// RefreshTokenReuseInterval is in seconds, 0 to
	// store.MaxRefreshReuseInterval (store.Client.RefreshReuseInterval).
	RefreshTokenReuseInterval *int
	// CustomData is a JSON object of at most MaxCustomData bytes; nil
	// leaves it, {} or null clears it.
	CustomData json.RawMessage
}

// Bounds of the per-app settings.
const (
	MinIDTokenTTL          = 60           // seconds
	MaxIDTokenTTL          = 24 * 60 * 60 // seconds
	MaxRefreshTokenTTLDays = 180          // Logto's bound
	MaxCustomData          = 4 << 10      // bytes, compacted
	MaxDescription         = 2048         // characters
	maxRedirectURIs        = 100
)

// Fields of an app in the Management API's JSON, as Error.Field names them.
const (
	FieldName                    = "name"
	FieldDescription             = "description"
	FieldRedirectURIs            = "oidcClientMetadata.redirectUris"
	FieldPostLogoutRedirectURIs  = "oidcClientMetadata.postLogoutRedirectUris"
	FieldCORSOrigins             = "customClientMetadata.corsAllowedOrigins"
	FieldIDTokenTTL              = "customClientMetadata.idTokenTtl"
	FieldRefreshTokenTTLInDays   = "customClientMetadata.refreshTokenTtlInDays"
	FieldRotateRefreshToken      = "customClientMetadata.rotateRefreshToken"
	FieldAlwaysIssueRefreshToken = "customClientMetadata.alwaysIssueRefreshToken"
	FieldRefreshReuseInterval    = "customClientMetadata.refreshTokenReuseInterval"
	FieldIDTokenAlg              = "oidcClientMetadata.idTokenSignedResponseAlg"
	FieldBackChannelLogoutURI    = "oidcClientMetadata.backchannelLogoutUri"
	FieldCustomData              = "customData"
	FieldSecretName              = "name"
	FieldSecretExpiresAt         = "expiresAt"
)

// CheckAppUpdate validates u for c and returns c with u applied. An error
// is an *Error whose Field names the first field at fault.
func CheckAppUpdate(c store.Client, u AppUpdate) (store.Client, error) {
	if u.Name != nil {
		n := strings.TrimSpace(*u.Name)
		if n == "" || utf8.RuneCountInString(n) > 256 {
			return c, fieldErr(ErrAppName.Code, FieldName, "name is required (at most 256 characters)")
		}
		c.Name = n
	}
	if u.Description != nil {
		if utf8.RuneCountInString(*u.Description) > MaxDescription || !utf8.ValidString(*u.Description) {
			return c, fieldErr(ErrAppInvalid.Code, FieldDescription, "description must be at most %d characters", MaxDescription)
		}
		c.Description = *u.Description
	}
	for _, l := range []struct {
		in    *[]string
		dst   *[]string
		field string
	}{{u.RedirectURIs, &c.RedirectURIs, FieldRedirectURIs}, {u.PostLogoutRedirectURIs, &c.PostLogoutRedirectURIs, FieldPostLogoutRedirectURIs}} {
		if l.in == nil {
			continue
		}
		uris := *l.in
		if c.Type == store.AppM2M && len(uris) > 0 {
			return c, fieldErr(ErrAppType.Code, l.field, "m2m apps have no redirect URIs")
		}
		if len(uris) > maxRedirectURIs {
			return c, fieldErr(ErrAppRedirectURI.Code, l.field, "at most %d redirect URIs", maxRedirectURIs)
		}
		if err := checkRedirectURIs(c.Type, uris, "redirect URI"); err != nil {
			err.Field = l.field
			return c, err
		}
		*l.dst = slices.Clone(uris)
		if len(*l.dst) == 0 {
			*l.dst = nil
		}
	}
	if u.CORSOrigins != nil {
		origins, err := CheckCORSOrigins(c.Type, *u.CORSOrigins)
		var e *Error
		if errors.As(err, &e) {
			e.Field = FieldCORSOrigins
		}
		if err != nil {
			return c, err
		}
		c.CORSOrigins = origins
	}
	if u.IDTokenTTL != nil {
		v := *u.IDTokenTTL
		if v != 0 && (v < MinIDTokenTTL || v > MaxIDTokenTTL) {
			return c, fieldErr(ErrAppInvalid.Code, FieldIDTokenTTL, "idTokenTtl must be between %d and %d seconds", MinIDTokenTTL, MaxIDTokenTTL)
		}
		c.IDTokenTTL = time.Duration(v) * time.Second
	}
	if u.RefreshTokenTTLInDays != nil {
		v := *u.RefreshTokenTTLInDays
		if v != 0 && (v < 1 || v > MaxRefreshTokenTTLDays) {
			return c, fieldErr(ErrAppInvalid.Code, FieldRefreshTokenTTLInDays, "refreshTokenTtlInDays must be between 1 and %d", MaxRefreshTokenTTLDays)
		}
		c.RefreshTokenTTL = time.Duration(v) * 24 * time.Hour
	}
	// Refresh settings on an M2M app are kept and have no effect (it gets
	// no refresh tokens), as in Logto, whose console sends them for every app.
	if u.RotateRefreshToken != nil {
		c.NoRefreshRotation = !*u.RotateRefreshToken
	}
	if u.AlwaysIssueRefreshToken != nil {
		c.AlwaysIssueRefreshToken = *u.AlwaysIssueRefreshToken
	}
	if u.IDTokenAlg != nil {
		if a := *u.IDTokenAlg; a != "" && !keys.SupportedAlg(a) {
			return c, fieldErr(ErrAppInvalid.Code, FieldIDTokenAlg, "idTokenSignedResponseAlg must be one of %s, or empty for the server's default", strings.Join(keys.Supported, ", "))
		}
		c.IDTokenAlg = *u.IDTokenAlg
	}
	if u.BackChannelLogoutURI != nil {
		if err := CheckBackChannelLogoutURI(c.Type, *u.BackChannelLogoutURI); err != nil {
			return c, err
		}
		c.BackChannelLogoutURI = *u.BackChannelLogoutURI
	}
	if u.BackChannelLogoutSessionRequired != nil {
		c.BackChannelLogoutSessionRequired = *u.BackChannelLogoutSessionRequired
	}
	if u.RefreshTokenReuseInterval != nil {
		v, limit := *u.RefreshTokenReuseInterval, int(store.MaxRefreshReuseInterval/time.Second)
		if v < 0 || v > limit {
			return c, fieldErr(ErrAppInvalid.Code, FieldRefreshReuseInterval, "refreshTokenReuseInterval must be between 0 and %d seconds", limit)
		}
		c.RefreshReuseInterval = time.Duration(v) * time.Second
	}
	if u.CustomData != nil {
		data, err := checkCustomData(u.CustomData)
		if err != nil {
			return c, err
		}
		c.CustomData = data
	}
	return c, nil
}

// checkCustomData accepts a JSON object (or null) and returns it compacted,
// nil for an empty one.
func checkCustomData(in json.RawMessage) (json.RawMessage, error) {
	bad := fieldErr(ErrAppInvalid.Code, FieldCustomData, "customData must be a JSON object of at most %d bytes", MaxCustomData)
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(in, &obj); err != nil {
		return nil, bad
	}
	if len(obj) == 0 {
		return nil, nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, in); err != nil || b.Len() > MaxCustomData {
		return nil, bad
	}
	return b.Bytes(), nil
}

// Update applies u to the app, validating every field first (nothing is
// written on an error), in one store transaction, and returns the app as
// stored. A missing app is ErrAppNotFound.
func (d Apps) Update(ctx context.Context, id string, u AppUpdate) (store.Client, error) {
	// The console's name and redirect URIs are Ensure's (they follow the endpoint).
	if u.Name != nil || u.RedirectURIs != nil || u.PostLogoutRedirectURIs != nil {
		if err := CheckAppChange(id); err != nil {
			return store.Client{}, err
		}
	}
	c, err := d.Store.UpdateClient(ctx, id, func(c store.Client) (store.Client, error) { return CheckAppUpdate(c, u) })
	if errors.Is(err, store.ErrNotFound) {
		return store.Client{}, AppNotFound(id)
	}
	return c, err
}
