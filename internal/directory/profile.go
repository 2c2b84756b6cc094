package directory

// User profile edits for the Management API and the console: the rules a
// patch of a user's fields must follow, each error naming its field.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/sesameauth/sesame/internal/identity"
	"github.com/sesameauth/sesame/internal/store"
)

// Limits on what a patch may store.
const (
	MaxUserCustomData = 8 << 10 // bytes of customData as compact JSON
	MaxName           = 128     // characters of name
	MaxProfileStr     = 2048    // bytes of one profile value
	MaxAvatarURL      = 2048
)

// UserPatch is a change to a user's fields, as the Management API's PATCH
// /api/users/:id takes it; nil fields stay as they are.
//
// An empty Username or Email clears it (a user keeps at least one). A new
// Email is unverified. Avatar is an https URL or empty. Profile is a JSON
// object of Logto's profile keys (store.UserProfile), merged key by key
// into the stored profile, a null or "" value removing the key; address
// is merged the same way. CustomData is a JSON object that replaces the
// stored one.
type UserPatch struct {
	Username, Email, Name, Avatar *string
	Profile                       json.RawMessage
	CustomData                    json.RawMessage
}

// userFieldErr is bad input about one field of a user.
func userFieldErr(field, format string, a ...any) *Error {
	return fieldErr(ErrUserInvalid.Code, field, format, a...)
}

// fieldRule wraps an identity rule's error as bad input about field.
func fieldRule(field string, err error) error {
	var ie *identity.Error
	if errors.As(err, &ie) {
		return &Error{Code: ie.Code, Message: field + ": " + ie.Message, Field: field, Err: err}
	}
	return &Error{Code: ErrUserInvalid.Code, Message: field + ": " + err.Error(), Field: field, Err: err}
}

// checked is a patch after validation, ready to apply.
type checked struct {
	UserPatch
	profile    map[string]*string // nil value: remove the key
	address    map[string]*string
	customData map[string]any
	setCustom  bool
}

// checkPatch validates p and makes the username and email canonical.
func checkPatch(p UserPatch) (checked, error) {
	c := checked{UserPatch: p}
	if p.Username != nil {
		u := identity.Canonical(*p.Username)
		if u != "" {
			if err := identity.ValidateUsername(u); err != nil {
				return c, fieldRule("username", err)
			}
		}
		c.Username = &u
	}
	if p.Email != nil {
		e := identity.Canonical(*p.Email)
		if e != "" {
			if err := identity.ValidateEmail(e); err != nil {
				return c, fieldRule("primaryEmail", err)
			}
		}
		c.Email = &e
	}
	if p.Name != nil {
		n := strings.TrimSpace(*p.Name)
		if utf8.RuneCountInString(n) > MaxName || !utf8.ValidString(n) {
			return c, userFieldErr("name", "name: at most %d characters of valid UTF-8", MaxName)
		}
		c.Name = &n
	}
	if p.Avatar != nil {
		if err := checkAvatar(*p.Avatar); err != nil {
			return c, err
		}
	}
	if p.Profile != nil {
		var err error
		if c.profile, c.address, err = parseProfile(p.Profile); err != nil {
			return c, err
		}
	}
	if p.CustomData != nil {
		m, err := ParseCustomData(p.CustomData)
		if err != nil {
			return c, err
		}
		c.customData, c.setCustom = m, true
	}
	return c, nil
}

// checkAvatar accepts "" (no avatar) or an absolute https URL: the picture
// claim is shown by relying parties, so no javascript:, data: or http:.
func checkAvatar(a string) error {
	if a == "" {
		return nil
	}
	u, err := url.Parse(a)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || len(a) > MaxAvatarURL {
		return userFieldErr("avatar", "avatar: must be an https URL of at most %d bytes", MaxAvatarURL)
	}
	return nil
}

// ParseCustomData checks that raw is a JSON object of at most
// MaxUserCustomData bytes (compacted) and returns it; {} is nil.
func ParseCustomData(raw json.RawMessage) (map[string]any, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil || buf.Len() == 0 || buf.Bytes()[0] != '{' {
		return nil, userFieldErr("customData", "customData: must be a JSON object")
	}
	if buf.Len() > MaxUserCustomData {
		return nil, userFieldErr("customData", "customData: at most %d bytes", MaxUserCustomData)
	}
	var m map[string]any
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, userFieldErr("customData", "customData: must be a JSON object")
	}
	if len(m) == 0 {
		return nil, nil
	}
	return normalise(m), nil
}

// normalise turns json.Number into float64, as the store reads numbers
// back, so what Update returns is what a later Get returns.
func normalise(m map[string]any) map[string]any {
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case json.Number:
			f, _ := x.Float64()
			return f
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e)
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		}
		return v
	}
	walk(m)
	return m
}

var (
	profileKeys = []string{"familyName", "givenName", "middleName", "nickname", "preferredUsername", "profile",
		"website", "gender", "birthdate", "zoneinfo", "locale"}
	addressKeys = []string{"formatted", "streetAddress", "locality", "region", "postalCode", "country"}
)

// parseProfile reads a profile patch: known keys only, each a string or
// null, address an object of known string keys or null.
func parseProfile(raw json.RawMessage) (map[string]*string, map[string]*string, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil || top == nil {
		return nil, nil, userFieldErr("profile", "profile: must be a JSON object")
	}
	prof, err := stringFields("profile", top, profileKeys, "address")
	if err != nil {
		return nil, nil, err
	}
	var addr map[string]*string
	if a, ok := top["address"]; ok {
		var am map[string]json.RawMessage
		if string(a) == "null" {
			addr = map[string]*string{}
			for _, k := range addressKeys {
				addr[k] = nil
			}
		} else if err := json.Unmarshal(a, &am); err != nil || am == nil {
			return nil, nil, userFieldErr("profile.address", "profile.address: must be a JSON object")
		} else if addr, err = stringFields("profile.address", am, addressKeys, ""); err != nil {
			return nil, nil, err
		}
	}
	return prof, addr, nil
}

func stringFields(prefix string, m map[string]json.RawMessage, keys []string, skip string) (map[string]*string, error) {
	out := map[string]*string{}
	for k, v := range m {
		if k == skip {
			continue
		}
		field := prefix + "." + k
		known := false
		for _, kk := range keys {
			known = known || kk == k
		}
		if !known {
			return nil, userFieldErr(field, "%s: not a profile key", field)
		}
		if string(v) == "null" {
			out[k] = nil
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, userFieldErr(field, "%s: must be a string", field)
		}
		s = strings.TrimSpace(s)
		if len(s) > MaxProfileStr || !utf8.ValidString(s) {
			return nil, userFieldErr(field, "%s: at most %d bytes of valid UTF-8", field, MaxProfileStr)
		}
		if s == "" {
			out[k] = nil
		} else {
			out[k] = &s
		}
	}
	return out, nil
}

// applyProfile merges a checked profile patch into p.
func applyProfile(p store.UserProfile, prof, addr map[string]*string) store.UserProfile {
	set := func(dst *string, v *string, ok bool) {
		if !ok {
			return
		}
		*dst = ""
		if v != nil {
			*dst = *v
		}
	}
	for k, dst := range map[string]*string{"familyName": &p.FamilyName, "givenName": &p.GivenName, "middleName": &p.MiddleName,
		"nickname": &p.Nickname, "preferredUsername": &p.PreferredUsername, "profile": &p.Profile, "website": &p.Website,
		"gender": &p.Gender, "birthdate": &p.Birthdate, "zoneinfo": &p.Zoneinfo, "locale": &p.Locale} {
		v, ok := prof[k]
		set(dst, v, ok)
	}
	a := &p.Address
	for k, dst := range map[string]*string{"formatted": &a.Formatted, "streetAddress": &a.StreetAddress, "locality": &a.Locality,
		"region": &a.Region, "postalCode": &a.PostalCode, "country": &a.Country} {
		v, ok := addr[k]
		set(dst, v, ok)
	}
	return p
}

// Update applies patch to the user with this id in one transaction and
// returns the stored user. Every field is checked before anything is
// written; a broken rule is an *Error whose Field names the field. A
// changed email is unverified (nothing proves the new address); a
// username or email another user has is ErrUserExists.
func (d Users) Update(ctx context.Context, id string, patch UserPatch) (store.User, error) {
	c, err := checkPatch(patch)
	if err != nil {
		return store.User{}, err
	}
	n := d.now()
	u, err := d.Store.UpdateUser(ctx, id, func(x store.User) (store.User, error) {
		if c.Username != nil {
			x.Username = *c.Username
		}
		if c.Email != nil && *c.Email != x.Email {
			x.Email, x.EmailVerified = *c.Email, false
		}
		if c.Name != nil {
			x.Name = *c.Name
		}
		if c.Avatar != nil {
			x.Picture = *c.Avatar
		}
		if c.Profile != nil {
			x.Profile = applyProfile(x.Profile, c.profile, c.address)
		}
		if c.setCustom {
			x.CustomData = c.customData
		}
		if x.Username == "" && x.Email == "" {
			return x, userFieldErr("username", "a user needs a username or an email address")
		}
		x.UpdatedAt = n
		return x, nil
	})
	return u, d.userErr(id, err)
}

func (d Users) userErr(id string, err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return UserNotFound(id)
	case errors.Is(err, store.ErrAlreadyExists):
		return errf(ErrUserExists.Code, "another user has that username or email address")
	}
	return err
}

// SetCustomData replaces the user's custom data with raw, a JSON object
// of at most MaxUserCustomData bytes; with merge, raw's top-level keys are set
// over the stored ones instead (Logto's PATCH /users/:id/custom-data), and
// the result must fit the same bound.
func (d Users) SetCustomData(ctx context.Context, id string, raw json.RawMessage, merge bool) (store.User, error) {
	m, err := ParseCustomData(raw)
	if err != nil {
		return store.User{}, err
	}
	n := d.now()
	u, err := d.Store.UpdateUser(ctx, id, func(x store.User) (store.User, error) {
		if merge {
			out := maps.Clone(x.CustomData)
			if out == nil {
				out = map[string]any{}
			}
			maps.Copy(out, m)
			if b, err := json.Marshal(out); err != nil || len(b) > MaxUserCustomData {
				return x, userFieldErr("customData", "customData: at most %d bytes", MaxUserCustomData)
			}
			m = out
			if len(m) == 0 {
				m = nil
			}
		}
		x.CustomData, x.UpdatedAt = m, n
		return x, nil
	})
	return u, d.userErr(id, err)
}

// Page lists users one page at a time (see store.ListQuery).
func (d Users) Page(ctx context.Context, q store.ListQuery) ([]store.User, int, error) {
	return d.Store.ListUsersPage(ctx, q)
}

// Sessions returns the user's live sessions, newest first, with the apps
// holding a grant from each. An unknown user is ErrUserNotFound.
func (d Users) Sessions(ctx context.Context, id string) ([]store.UserSession, error) {
	if _, err := d.Store.GetUser(ctx, id); err != nil {
		return nil, d.userErr(id, err)
	}
	return d.Store.ListUserSessions(ctx, id, d.now())
}

// EndSessions signs the user out of every browser session, revoking the
// grants issued from them that do not outlive them (offline_access ones
// stay). An unknown user is ErrUserNotFound.
func (d Users) EndSessions(ctx context.Context, id string) error {
	if _, err := d.Store.GetUser(ctx, id); err != nil {
		return d.userErr(id, err)
	}
	return d.Store.DeleteUserSessions(ctx, id)
}
