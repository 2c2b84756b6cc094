package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/ui"
)

// AuditRow is one audit log entry as the console shows it (audit.View's
// fields; Before and After indented JSON).
type AuditRow struct {
	ID, Key, Result, Error   string
	Actor, Target, User, App string
	IP, UserAgent            string
	Time                     time.Time
	Before, After            string
	Failed                   bool
}

// AuditPage is the audit log, filtered and paged.
type AuditPage struct {
	ui.Base
	Nav
	User, App, Event, From, To string // the filters as typed
	Events                     []string
	Entries                    []AuditRow
	Total, Page                int
	Prev, Next                 string
	Error                      ui.Msg
}

func (*AuditPage) Template() string { return "console/audit" }

const (
	auditPerPage = 50
	// timeInput is the format of <input type="datetime-local">, read as UTC.
	timeInput = "2006-01-02T15:04"
)

// auditEvents are the keys the event filter suggests.
var auditEvents = []string{audit.KeySignIn, audit.KeyRegister, audit.KeyTokenAuthorizationCode,
	audit.KeyTokenRefreshToken, audit.KeyTokenClientCredentials}

// indent is a stored JSON document for reading ("" for none).
func indent(d json.RawMessage) string {
	var b bytes.Buffer
	if len(d) == 0 || json.Indent(&b, d, "", "  ") != nil {
		return ""
	}
	return b.String()
}

func (h *Handler) auditPage(w http.ResponseWriter, r *http.Request, rq *request) {
	q := r.URL.Query()
	clip := func(s string) string { return strings.TrimSpace(s[:min(len(s), 256)]) }
	p := &AuditPage{Base: ui.Base{Title: h.t(r, "console.audit.title")}, Nav: h.nav(rq, "audit"), User: clip(q.Get("user")), App: clip(q.Get("app")),
		Event: clip(q.Get("event")), From: clip(q.Get("from")), To: clip(q.Get("to")), Events: auditEvents}
	page, _ := strconv.Atoi(q.Get("page"))
	if page < 1 || page > 1<<20 {
		page = 1
	}
	p.Page = page
	aq := audit.Query{UserID: p.User, ApplicationID: p.App, Key: p.Event, Page: page, PageSize: auditPerPage}
	for _, t := range []struct {
		in  string
		dst *time.Time
		bad string // the message's key
	}{{p.From, &aq.Start, "console.audit.bad_from"}, {p.To, &aq.End, "console.audit.bad_until"}} {
		if t.in == "" {
			continue
		}
		v, err := time.ParseInLocation(timeInput, t.in, time.UTC)
		if err != nil {
			p.Error = ui.M(t.bad)
			h.render(w, r, http.StatusBadRequest, p)
			return
		}
		*t.dst = v
	}
	es, total, err := h.Audit.List(r.Context(), aq)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p.Total = total
	for _, v := range audit.Views(es) {
		pl := v.Payload
		p.Entries = append(p.Entries, AuditRow{ID: v.ID, Key: v.Key, Result: pl.Result, Error: pl.Error, Actor: pl.Actor,
			Target: pl.Target, User: pl.UserID, App: pl.ApplicationID, IP: pl.IP, UserAgent: pl.UserAgent,
			Time: time.UnixMilli(v.CreatedAt).UTC(), Before: indent(pl.Before), After: indent(pl.After), Failed: pl.Result != audit.Success})
	}
	link := func(n int) string {
		v := url.Values{"page": {strconv.Itoa(n)}}
		for k, s := range map[string]string{"user": p.User, "app": p.App, "event": p.Event, "from": p.From, "to": p.To} {
			if s != "" {
				v.Set(k, s)
			}
		}
		return h.path("/audit?" + v.Encode())
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page*auditPerPage < total {
		p.Next = link(page + 1)
	}
	h.render(w, r, http.StatusOK, p)
}
