package audit

import (
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sesameauth/sesame/internal/store"
)

// Entry is one event; Query selects a page of them (see store.AuditQuery).
type (
	Entry = store.AuditEntry
	Query = store.AuditQuery
)

// Results.
const (
	Success = store.AuditSuccess
	Failure = store.AuditError
)

// Keys, Logto's log keys where Logto has one.
const (
	KeySignIn                 = "Interaction.SignIn.Submit"
	KeyRegister               = "Interaction.Register.Submit"
	KeyPasswordReset          = "Interaction.ForgotPassword.Submit"
	KeyTokenAuthorizationCode = "ExchangeTokenBy.AuthorizationCode"
	KeyTokenRefreshToken      = "ExchangeTokenBy.RefreshToken"
	KeyTokenClientCredentials = "ExchangeTokenBy.ClientCredentials"
	adminPrefix               = "Admin."
)

// Reasons a sign-in or registration failed (Entry.Error). A token request
// that fails records its OAuth error code instead.
const (
	ReasonWrongPassword = "wrong_password"
	ReasonUnknownUser   = "unknown_user"
	ReasonSuspended     = "suspended"
	ReasonThrottled     = "throttled"
	ReasonTaken         = "identifier_taken" // registration: the username or email has an account
	ReasonServerError   = "server_error"     // the password could not be checked (a damaged hash)
	ReasonWrongCode     = "wrong_code"       // an emailed code that is wrong, used or expired
	ReasonUpstream      = "upstream_failed"  // a social connector's callback was refused or failed
	ReasonWrongMFACode  = "wrong_mfa_code"   // a wrong, used or replayed TOTP or backup code
)

// Limits on what an entry stores.
const (
	MaxUserAgent = 512      // bytes of User-Agent kept
	MaxDocument  = 16 << 10 // bytes of each of Before and After
	maxField     = 256      // bytes of any other free-text field
)

// TokenKey is the key of a token request with grant_type gt, or "" for a
// grant type Sesame does not serve (those are not recorded: their value is
// whatever a client sent).
func TokenKey(gt string) string {
	switch gt {
	case "authorization_code":
		return KeyTokenAuthorizationCode
	case "refresh_token":
		return KeyTokenRefreshToken
	case "client_credentials":
		return KeyTokenClientCredentials
	}
	return ""
}

// AdminChange is the entry for an administrator's change: key
// "Admin.<entity>.<action>" ("Admin.Application.Create"), actor as
// admin.Principal.Actor gives it, target "<entity>:<targetID>" with the
// entity's first letter lower-cased ("application:abc", or just
// "signInExperience" without an id). A change to a user or an app also
// sets UserID or ApplicationID, so filtering the log by that user or app
// shows it. before and after are encoded as JSON (nil for none); pass views
// without secrets or password hashes, as the API answers them. The API and
// the console fill in IP and UserAgent and call RecordNow.
func AdminChange(actor, entity, action, targetID string, before, after any) Entry {
	target := lowerFirst(entity)
	if targetID != "" {
		target += ":" + targetID
	}
	e := Entry{Key: adminPrefix + entity + "." + action, Result: Success, Actor: actor, Target: target,
		Before: document(before), After: document(after)}
	switch entity {
	case "User":
		e.UserID = targetID
	case "Application":
		e.ApplicationID = targetID
	}
	return e
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// document encodes v as JSON for Before or After. nil (or a nil
// json.RawMessage) is no document; a value that does not encode, or whose
// encoding exceeds MaxDocument, is replaced by a small note saying so, so
// that a change is recorded even when its details cannot be.
func document(v any) json.RawMessage {
	switch d := v.(type) {
	case nil:
		return nil
	case json.RawMessage:
		if d == nil {
			return nil
		}
		if !json.Valid(d) {
			return json.RawMessage(`{"_unencodable":true}`)
		}
		return limitDocument(d)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage(`{"_unencodable":true}`)
	}
	if string(b) == "null" {
		return nil
	}
	return limitDocument(b)
}

func limitDocument(b []byte) json.RawMessage {
	if len(b) > MaxDocument {
		b, _ = json.Marshal(map[string]any{"_truncated": true, "size": len(b)})
	}
	return b
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// normalize bounds an entry's fields before it is stored.
func normalize(e Entry) Entry {
	e.UserAgent = truncate(e.UserAgent, MaxUserAgent)
	for _, f := range []*string{&e.Key, &e.Error, &e.Actor, &e.UserID, &e.ApplicationID, &e.SessionID, &e.IP, &e.Target} {
		*f = truncate(*f, maxField)
	}
	if e.Result == "" {
		e.Result = Success
	}
	if e.Before != nil && (len(e.Before) > MaxDocument || !json.Valid(e.Before)) {
		e.Before = document(e.Before)
	}
	if e.After != nil && (len(e.After) > MaxDocument || !json.Valid(e.After)) {
		e.After = document(e.After)
	}
	return e
}

// IsAdmin reports whether key is an administrator's change.
func IsAdmin(key string) bool { return strings.HasPrefix(key, adminPrefix) }
