package store

import (
	"context"
	"encoding/json"
	"time"
)

// AuditRetention is how long the audit log keeps an entry: GarbageCollect
// deletes entries older than this (docs/design.md, "Audit log").
const AuditRetention = 180 * 24 * time.Hour

// Audit results, as Logto's log payloads spell them.
const (
	AuditSuccess = "Success"
	AuditError   = "Error"
)

// AuditEntry is one event of the audit log. Entries are never updated and
// outlive the users, apps and sessions they name (no foreign keys), so the
// log still tells what happened to something that was deleted.
type AuditEntry struct {
	ID            string
	Key           string // "Interaction.SignIn.Submit", "Admin.User.Suspend", ...
	Result        string // AuditSuccess or AuditError
	Error         string // a reason code ("wrong_password", "invalid_grant"); never a secret
	Actor         string // who acted: "user:<id>", "app:<id>" or ""
	UserID        string
	ApplicationID string
	SessionID     string // the public sid, never the cookie
	IP            string
	UserAgent     string
	Target        string // what was acted on, "application:<id>"
	// Before and After are JSON documents (nil when absent), for settings
	// changes.
	Before, After json.RawMessage
	CreatedAt     time.Time
}

// AuditQuery selects one page of the audit log, newest first (created_at,
// then id, both descending). Empty string fields and zero times do not
// filter; the others must all match (Key exactly). Start is inclusive, End
// exclusive. Page and PageSize mean what they mean in ListQuery.
type AuditQuery struct {
	UserID        string
	ApplicationID string
	Key           string
	Actor         string
	Start, End    time.Time
	Page          int
	PageSize      int
}

// Audit is the append-only audit log.
type Audit interface {
	// AppendAudit writes entries in one statement (all or none). Writing
	// no entries is a no-op.
	AppendAudit(ctx context.Context, entries ...AuditEntry) error
	// ListAudit returns one page of the entries q selects and how many it
	// selects in all.
	ListAudit(ctx context.Context, q AuditQuery) ([]AuditEntry, int, error)
	// GetAudit returns the entry with this id, or ErrNotFound.
	GetAudit(ctx context.Context, id string) (AuditEntry, error)
}
