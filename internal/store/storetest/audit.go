package storetest

// The audit log: AppendAudit and ListAudit, and its retention in
// GarbageCollect.

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// auditIDs lists the ids of entries, for compact comparisons.
func auditIDs(es []store.AuditEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

// testAudit: every field round-trips, a batch is all or none, and an empty
// append writes nothing.
func testAudit(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	noErr(t, "AppendAudit of nothing", s.AppendAudit(ctx))
	full := store.AuditEntry{ID: "a-full", Key: "Admin.SignInExperience.Update", Result: store.AuditSuccess, Actor: "user:admin-1",
		UserID: "u-1", ApplicationID: "app-1", SessionID: "sid-1", IP: "2001:db8::1", UserAgent: "Mozilla/5.0 (X11; Linux) \"quoted\" 'single' é 日本",
		Target: "signInExperience", Before: json.RawMessage(`{"color":"#000000","words":["a","b"]}`),
		After: json.RawMessage(`{"color":"#ffffff","words":[]}`), CreatedAt: n}
	failed := store.AuditEntry{ID: "a-failed", Key: "Interaction.SignIn.Submit", Result: store.AuditError, Error: "wrong_password",
		UserID: "u-1", ApplicationID: "app-1", IP: "192.0.2.1", CreatedAt: n.Add(-time.Second)}
	noErr(t, "AppendAudit", s.AppendAudit(ctx, full, failed))
	got, total, err := s.ListAudit(ctx, store.AuditQuery{})
	noErr(t, "ListAudit", err)
	if total != 2 {
		t.Fatalf("total %d, want 2", total)
	}
	// JSON documents round-trip as text; compare them decoded.
	for i, want := range []store.AuditEntry{full, failed} {
		g := got[i]
		for _, p := range []struct{ w, g json.RawMessage }{{want.Before, g.Before}, {want.After, g.After}} {
			var wv, gv any
			if (p.w == nil) != (p.g == nil) {
				t.Fatalf("entry %s: JSON %q read back as %q", want.ID, p.w, p.g)
			}
			if p.w != nil {
				noErr(t, "decode", json.Unmarshal(p.w, &wv))
				noErr(t, "decode read-back JSON", json.Unmarshal(p.g, &gv))
				diff(t, "JSON of "+want.ID, wv, gv)
			}
		}
		want.Before, want.After, g.Before, g.After = nil, nil, nil, nil
		diff(t, "entry "+want.ID, want, g)
	}

	// GetAudit reads one entry by id, every field as ListAudit reads it.
	one, err := s.GetAudit(ctx, "a-full")
	noErr(t, "GetAudit", err)
	diff(t, "GetAudit", got[0], one)
	_, err = s.GetAudit(ctx, "no-such-entry")
	wantErr(t, "GetAudit of an unknown id", err, store.ErrNotFound)

	// A batch with a clashing id writes nothing.
	err = s.AppendAudit(ctx, store.AuditEntry{ID: "a-new", Key: "k", Result: store.AuditSuccess, CreatedAt: n},
		store.AuditEntry{ID: "a-full", Key: "k", Result: store.AuditSuccess, CreatedAt: n})
	wantErr(t, "AppendAudit with an existing id", err, store.ErrAlreadyExists)
	if _, total, _ := s.ListAudit(ctx, store.AuditQuery{}); total != 2 {
		t.Fatalf("a failed batch left %d entries, want 2", total)
	}
}

// testAuditFilters: each filter alone and together; times bound the range
// with Start inclusive and End exclusive.
func testAuditFilters(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	at := func(i int) time.Time { return n.Add(time.Duration(i) * time.Minute) }
	entries := []store.AuditEntry{
		{ID: "e0", Key: "Interaction.SignIn.Submit", Result: store.AuditError, Error: "unknown_user", ApplicationID: "app-a", CreatedAt: at(0)},
		{ID: "e1", Key: "Interaction.SignIn.Submit", Result: store.AuditSuccess, UserID: "u-1", ApplicationID: "app-a", SessionID: "s1", CreatedAt: at(1)},
		{ID: "e2", Key: "ExchangeTokenBy.AuthorizationCode", Result: store.AuditSuccess, UserID: "u-1", ApplicationID: "app-a", CreatedAt: at(2)},
		{ID: "e3", Key: "ExchangeTokenBy.ClientCredentials", Result: store.AuditSuccess, ApplicationID: "app-m2m", CreatedAt: at(3)},
		{ID: "e4", Key: "Admin.User.Suspend", Result: store.AuditSuccess, Actor: "user:admin", UserID: "u-1", Target: "user:u-1", CreatedAt: at(4)},
		{ID: "e5", Key: "Admin.Application.Create", Result: store.AuditSuccess, Actor: "app:app-m2m", ApplicationID: "app-b", Target: "application:app-b", CreatedAt: at(5)},
		{ID: "e6", Key: "Interaction.SignIn.Submit", Result: store.AuditError, Error: "suspended", UserID: "u-1", ApplicationID: "app-b", CreatedAt: at(6)},
	}
	noErr(t, "AppendAudit", s.AppendAudit(ctx, entries...))
	for _, c := range []struct {
		q    store.AuditQuery
		want []string
	}{
		{store.AuditQuery{}, []string{"e6", "e5", "e4", "e3", "e2", "e1", "e0"}},
		{store.AuditQuery{UserID: "u-1"}, []string{"e6", "e4", "e2", "e1"}},
		{store.AuditQuery{ApplicationID: "app-a"}, []string{"e2", "e1", "e0"}},
		{store.AuditQuery{Key: "Interaction.SignIn.Submit"}, []string{"e6", "e1", "e0"}},
		{store.AuditQuery{Key: "Interaction.SignIn"}, nil}, // exact, not a prefix
		{store.AuditQuery{Key: "interaction.signin.submit"}, nil},
		{store.AuditQuery{Actor: "user:admin"}, []string{"e4"}},
		{store.AuditQuery{Actor: "app:app-m2m"}, []string{"e5"}},
		{store.AuditQuery{Start: at(2)}, []string{"e6", "e5", "e4", "e3", "e2"}},
		{store.AuditQuery{End: at(2)}, []string{"e1", "e0"}},
		{store.AuditQuery{Start: at(1), End: at(4)}, []string{"e3", "e2", "e1"}},
		{store.AuditQuery{Start: at(4), End: at(4)}, nil},
		{store.AuditQuery{UserID: "u-1", ApplicationID: "app-a", Key: "ExchangeTokenBy.AuthorizationCode"}, []string{"e2"}},
		{store.AuditQuery{UserID: "u-1", Key: "Interaction.SignIn.Submit", Start: at(2)}, []string{"e6"}},
		{store.AuditQuery{UserID: "u-1", ApplicationID: "app-m2m"}, nil},
		{store.AuditQuery{UserID: "' OR 1=1 --"}, nil},
		{store.AuditQuery{Key: "%"}, nil},
	} {
		got, total, err := s.ListAudit(ctx, c.q)
		noErr(t, fmt.Sprintf("ListAudit %+v", c.q), err)
		diff(t, fmt.Sprintf("ListAudit %+v", c.q), c.want, auditIDs(got))
		if total != len(c.want) {
			t.Fatalf("ListAudit %+v: total %d, want %d", c.q, total, len(c.want))
		}
	}
}

// testAuditPaging: newest first, ties on created_at broken by id (also
// descending), pages of one stable order, and ListQuery's page bounds.
func testAuditPaging(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	var batch []store.AuditEntry
	for i := range 45 {
		// Pairs share a created_at, so the id decides between them.
		batch = append(batch, store.AuditEntry{ID: fmt.Sprintf("p%02d", i), Key: "k", Result: store.AuditSuccess,
			UserID: []string{"u-even", "u-odd"}[i%2], CreatedAt: n.Add(time.Duration(i/2) * time.Second)})
	}
	// Appended in three batches, out of order.
	noErr(t, "AppendAudit", s.AppendAudit(ctx, batch[30:]...))
	noErr(t, "AppendAudit", s.AppendAudit(ctx, batch[:15]...))
	noErr(t, "AppendAudit", s.AppendAudit(ctx, batch[15:30]...))
	var want []string
	for i := 44; i >= 0; i-- {
		want = append(want, fmt.Sprintf("p%02d", i))
	}
	var got []string
	for p := 1; p <= 7; p++ {
		page, total, err := s.ListAudit(ctx, store.AuditQuery{Page: p, PageSize: 7})
		noErr(t, "ListAudit", err)
		if total != 45 {
			t.Fatalf("page %d: total %d, want 45", p, total)
		}
		got = append(got, auditIDs(page)...)
	}
	diff(t, "pages of 7 joined", want, got)
	for _, c := range []struct {
		q        store.AuditQuery
		from, to int
	}{
		{store.AuditQuery{}, 0, 20},
		{store.AuditQuery{Page: 3}, 40, 45},
		{store.AuditQuery{Page: 4}, 45, 45},
		{store.AuditQuery{Page: -1, PageSize: -5}, 0, 20},
		{store.AuditQuery{PageSize: 1000}, 0, 45},
	} {
		page, total, err := s.ListAudit(ctx, c.q)
		noErr(t, fmt.Sprintf("ListAudit %+v", c.q), err)
		if total != 45 {
			t.Fatalf("%+v: total %d, want 45", c.q, total)
		}
		diff(t, fmt.Sprintf("ListAudit %+v", c.q), want[c.from:c.to], auditIDs(page))
	}
	// A filtered page counts and pages the filtered rows only.
	page, total, err := s.ListAudit(ctx, store.AuditQuery{UserID: "u-odd", Page: 2, PageSize: 5})
	noErr(t, "ListAudit u-odd", err)
	diff(t, "u-odd page 2", []string{"p33", "p31", "p29", "p27", "p25"}, auditIDs(page))
	if total != 22 {
		t.Fatalf("u-odd total %d, want 22", total)
	}
}

// testAuditGarbageCollect: entries older than store.AuditRetention go,
// younger ones stay.
func testAuditGarbageCollect(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	noErr(t, "AppendAudit", s.AppendAudit(ctx,
		store.AuditEntry{ID: "old", Key: "k", Result: store.AuditSuccess, CreatedAt: n.Add(-store.AuditRetention - time.Second)},
		store.AuditEntry{ID: "edge", Key: "k", Result: store.AuditSuccess, CreatedAt: n.Add(-store.AuditRetention)},
		store.AuditEntry{ID: "young", Key: "k", Result: store.AuditSuccess, CreatedAt: n.Add(-store.AuditRetention + time.Hour)},
		store.AuditEntry{ID: "now", Key: "k", Result: store.AuditSuccess, CreatedAt: n},
	))
	got, err := s.GarbageCollect(ctx, n)
	noErr(t, "GarbageCollect", err)
	if got != 1 {
		t.Fatalf("GarbageCollect deleted %d rows, want 1", got)
	}
	left, _, err := s.ListAudit(ctx, store.AuditQuery{})
	noErr(t, "ListAudit", err)
	diff(t, "entries left", []string{"now", "young", "edge"}, auditIDs(left))
}
