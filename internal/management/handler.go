package management

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
)

// Lists is what the paged and per-member lists read of the store.
type Lists interface {
	ListUsersPage(ctx context.Context, q store.ListQuery) ([]store.User, int, error)
	ListClientsPage(ctx context.Context, q store.ListQuery) ([]store.Client, int, error)
	ListUserRoles(ctx context.Context, userID string) ([]store.Role, error)
	ListClientRoles(ctx context.Context, clientID string) ([]store.Role, error)
}

// Handler serves the Management API.
type Handler struct {
	Gate      *admin.Gate
	Apps      directory.Apps
	Users     directory.Users
	Roles     directory.Roles
	Resources directory.Resources
	Keys      directory.Keys
	Lists     Lists
	Settings  SignInExperience
	// Audit records every change (RecordNow, before answering) and serves
	// GET /api/logs; nil records nothing.
	Audit *audit.Log
	// Endpoint is the public endpoint; Link headers are built from it,
	// never from Host or X-Forwarded-*.
	Endpoint string
}

// record writes an administrator's change to the audit log before the
// answer: a change the log missed must not look successful. before and
// after are API views, which carry no secrets or hashes.
func (h *Handler) record(r *http.Request, entity, action, id string, before, after any) error {
	e := audit.AdminChange(principal(r.Context()).Actor(), entity, action, id, before, after)
	e.ID, e.IP, e.UserAgent = entryID(r), httpx.ClientAddr(r.Context()), r.UserAgent()
	return h.Audit.RecordNow(r.Context(), e)
}

// KeyRefused is the audit key of a request the gate refused.
const KeyRefused = "Admin.Auth.Refused"

// refused records a request the gate turned away (catalogue MA-13), with
// Record, which queues and never waits: a flood of bad tokens cannot slow
// the API or fill it with database writes, only drop entries (counted).
// The actor is the token's holder when the token was valid but lacked the
// permission; target is the operation asked for.
func (h *Handler) refused(r *http.Request, op string, p admin.Principal, err error) {
	reason := "unauthorized"
	if errors.Is(err, admin.ErrForbidden) {
		reason = "forbidden"
	}
	e := audit.Entry{ID: entryID(r), Key: KeyRefused, Result: audit.Failure, Error: reason, ApplicationID: p.ClientID,
		UserID: p.UserID, IP: httpx.ClientAddr(r.Context()), UserAgent: r.UserAgent(), Target: "operation:" + op}
	if p.ClientID != "" {
		e.Actor = p.Actor()
	}
	h.Audit.Record(r.Context(), e)
}

type entryKey struct{}

// entryID is the id of the audit entry a request records: its request id
// (X-Request-Id), so a response or a server log line leads to the entry
// (GET /api/logs/{id}). A request records at most one entry; a second one
// would get a fresh id rather than clash.
func entryID(r *http.Request) string {
	used, _ := r.Context().Value(entryKey{}).(*bool)
	id := httpx.RequestID(r.Context())
	if used == nil || *used || id == "" {
		return ""
	}
	*used = true
	return id
}

// maxBody bounds a request body.
const maxBody = 64 << 10

type principalKey struct{}

// principal is who the request acts for (set by authorize).
func principal(ctx context.Context) admin.Principal {
	p, _ := ctx.Value(principalKey{}).(admin.Principal)
	return p
}

// Mount registers every route of the table, each behind the gate, and the
// OpenAPI document (unauthenticated, as Logto's).
func (h *Handler) Mount(m httpx.Mux) {
	m.HandleFunc("GET "+routes.API+"/swagger.json", h.swagger)
	for _, rt := range h.table() {
		m.Handle(rt.Method+" "+routes.API+rt.Path, h.authorize(rt.ID, rt.handle))
	}
}

// authorize lets a request through only with a bearer token the gate
// accepts. Cookies are never looked at: a console session does not
// authorize the API.
func (h *Handler) authorize(op string, next func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.NoStore(w)
		r = r.WithContext(context.WithValue(r.Context(), entryKey{}, new(bool)))
		tok, ok := bearer(r)
		if !ok {
			h.refused(r, op, admin.Principal{}, admin.ErrUnauthorized)
			writeError(w, r, admin.ErrUnauthorized)
			return
		}
		p, err := h.Gate.Authorize(r.Context(), tok)
		if errors.Is(err, admin.ErrUnauthorized) || errors.Is(err, admin.ErrForbidden) {
			h.refused(r, op, p, err)
		}
		if err != nil {
			writeError(w, r, err)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := next(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p))); err != nil {
			writeError(w, r, err)
		}
	})
}

func bearer(r *http.Request) (string, bool) {
	v := r.Header.Values("Authorization")
	if len(v) != 1 {
		return "", false
	}
	scheme, tok, ok := strings.Cut(v[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" || strings.ContainsAny(tok, " \t") {
		return "", false
	}
	return tok, true
}

// apiError is Logto's error body.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

// Error is an API error with its status; domain errors are mapped to one
// by writeError.
type Error struct {
	Status int
	apiError
}

func (e *Error) Error() string { return e.Message }

func errStatus(status int, code, msg string) *Error {
	return &Error{Status: status, apiError: apiError{Code: code, Message: msg}}
}

func invalidInput(msg string) *Error {
	return errStatus(http.StatusBadRequest, "guard.invalid_input", msg)
}

// domainStatus maps domain codes that are not "bad input" to Logto's.
var domainStatus = map[string]struct {
	status int
	code   string
}{
	directory.ErrAppNotFound.Code:      {http.StatusNotFound, "entity.not_exists_with_id"},
	directory.ErrUserNotFound.Code:     {http.StatusNotFound, "entity.not_exists_with_id"},
	directory.ErrRoleNotFound.Code:     {http.StatusNotFound, "entity.not_exists_with_id"},
	directory.ErrResourceNotFound.Code: {http.StatusNotFound, "entity.not_exists_with_id"},
	directory.ErrRoleNotHeld.Code:      {http.StatusNotFound, "entity.not_found"},
	directory.ErrUserExists.Code:       {http.StatusUnprocessableEntity, "user.username_or_email_already_in_use"},
	directory.ErrRoleExists.Code:       {http.StatusUnprocessableEntity, "role.name_already_in_use"},
	directory.ErrResourceExists.Code:   {http.StatusUnprocessableEntity, "resource.indicator_already_in_use"},
	directory.ErrScopeNotFound.Code:    {http.StatusNotFound, "entity.not_exists_with_id"},
	directory.ErrScopeExists.Code:      {http.StatusUnprocessableEntity, "scope.name_exists"},
	directory.ErrSecretExists.Code:     {http.StatusUnprocessableEntity, "application.secret_name_already_in_use"},
	directory.ErrSecretNotFound.Code:   {http.StatusNotFound, "entity.not_exists"},
	signinexp.ErrConflict.Code:         {http.StatusConflict, signinexp.ErrConflict.Code},
}

func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *Error
	var de *directory.Error
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, admin.ErrUnauthorized):
		ae = errStatus(http.StatusUnauthorized, admin.ErrUnauthorized.Code, admin.ErrUnauthorized.Message)
		w.Header().Set("WWW-Authenticate", `Bearer realm="sesame"`)
	case errors.Is(err, admin.ErrForbidden):
		ae = errStatus(http.StatusForbidden, admin.ErrForbidden.Code, admin.ErrForbidden.Message)
	case errors.As(err, &mbe):
		ae = errStatus(http.StatusRequestEntityTooLarge, "guard.request_too_large", "the request body is larger than 64 KB")
	case errors.As(err, &de):
		if m, ok := domainStatus[de.Code]; ok {
			ae = errStatus(m.status, m.code, de.Message)
			ae.Data = map[string]string{"domainCode": de.Code}
		} else {
			ae = errStatus(http.StatusBadRequest, de.Code, de.Message)
			if f := cmp.Or(de.Field, field(de)); f != "" {
				ae.Data = map[string]string{"field": f}
			}
		}
	case errors.Is(err, store.ErrNotFound):
		ae = errStatus(http.StatusNotFound, "entity.not_exists_with_id", "the entity does not exist")
	case errors.Is(err, store.ErrAlreadyExists):
		ae = errStatus(http.StatusUnprocessableEntity, "entity.unique_integrity_violation", "the entity already exists")
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		w.Header().Set("Retry-After", "5")
		ae = errStatus(http.StatusServiceUnavailable, "request.unavailable", "the database is unavailable; retry later")
	default:
		httpx.LogFailure(r.Context(), httpx.Logger(r.Context()), "management API", err, "path", r.URL.Path)
		ae = errStatus(http.StatusInternalServerError, "unexpected_error", "internal error")
	}
	httpx.WriteJSON(w, r, ae.Status, ae.apiError)
}

// field names the input a domain error is about. The domain's messages
// name the CLI flag ("--email: …"); the API names Logto's field.
func field(e *directory.Error) string {
	flag, ok := strings.CutPrefix(e.Message, "--")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(flag, " :"); i >= 0 {
		flag = flag[:i]
	}
	if f, ok := flagFields[flag]; ok {
		return f
	}
	return flag
}

var flagFields = map[string]string{
	"email": "primaryEmail", "email-verified": "primaryEmail", "redirect-uri": directory.FieldRedirectURIs,
	"post-logout-redirect-uri": directory.FieldPostLogoutRedirectURIs, "cors-origin": directory.FieldCORSOrigins,
	"access-token-ttl": "accessTokenTtl", "scope": "scopes", "permission": "scopes",
}

// decode reads a JSON body into v: unknown fields and wrong types are
// guard.invalid_input.
func decode(r *http.Request, v any) error { return decodeFrom(r.Body, v) }

// decodeBytes is decode for a body already read.
func decodeBytes(b []byte, v any) error { return decodeFrom(bytes.NewReader(b), v) }

func decodeFrom(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return invalidInput("the request body must be a JSON object")
		}
		return invalidInput("the request body is not valid: " + err.Error())
	}
	if dec.More() {
		return invalidInput("the request body must be one JSON object")
	}
	return nil
}

func write(w http.ResponseWriter, r *http.Request, status int, v any) error {
	httpx.WriteJSON(w, r, status, v)
	return nil
}

func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ms is a time as Logto writes it: epoch milliseconds, null when zero.
func ms(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	v := t.UnixMilli()
	return &v
}
