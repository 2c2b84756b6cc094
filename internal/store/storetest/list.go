package storetest

// Paged lists with search: ListUsersPage and ListClientsPage.

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

// testListPaging: pages are slices of one stable order (created_at, then
// id), the page size is bounded, and the total counts every row.
func testListPaging(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	for i := range 45 {
		// Pairs share a created_at, so the id decides between them.
		u := store.User{ID: fmt.Sprintf("u%02d", 44-i), Username: fmt.Sprintf("user%02d", i), CreatedAt: n.Add(time.Duration(i/2) * time.Second), UpdatedAt: n}
		noErr(t, "CreateUser", s.CreateUser(ctx, u))
	}
	want, err := s.ListUsers(ctx)
	noErr(t, "ListUsers", err)
	if len(want) != 45 || want[0].ID != "u43" || want[1].ID != "u44" {
		t.Fatalf("ListUsers order: %d users, first %s, %s", len(want), want[0].ID, want[1].ID)
	}
	var got []store.User
	for p := 1; p <= 7; p++ {
		page, total, err := s.ListUsersPage(ctx, store.ListQuery{Page: p, PageSize: 7})
		noErr(t, "ListUsersPage", err)
		if total != 45 {
			t.Fatalf("page %d: total %d, want 45", p, total)
		}
		got = append(got, page...)
	}
	diff(t, "pages of 7 joined", want, got)

	// The same slices newest first and within a search, where the pages
	// past the middle may be found from the other end.
	rev := slices.Clone(want)
	slices.Reverse(rev)
	for _, c := range []struct {
		name string
		q    store.ListQuery
		want []store.User
	}{
		{"newest first", store.ListQuery{PageSize: 7, NewestFirst: true}, rev},
		{"prefix search", store.ListQuery{PageSize: 7, Search: "USER", Match: store.MatchPrefix}, want},
		{"prefix search newest first", store.ListQuery{PageSize: 7, Search: "user", Match: store.MatchPrefix, NewestFirst: true}, rev},
	} {
		var got []store.User
		for p := 1; p <= 8; p++ {
			q := c.q
			q.Page = p
			page, total, err := s.ListUsersPage(ctx, q)
			noErr(t, "ListUsersPage", err)
			if total != 45 {
				t.Fatalf("%s, page %d: total %d, want 45", c.name, p, total)
			}
			got = append(got, page...)
		}
		diff(t, c.name+": pages of 7 joined", c.want, got)
	}

	for _, c := range []struct {
		q        store.ListQuery
		from, to int
	}{
		{store.ListQuery{}, 0, 20},                                  // defaults: page 1, 20 rows
		{store.ListQuery{Page: 3}, 40, 45},                          // the last, short page
		{store.ListQuery{Page: 4}, 45, 45},                          // past the end: empty
		{store.ListQuery{Page: -1, PageSize: -5}, 0, 20},            // nonsense means the defaults
		{store.ListQuery{PageSize: 1000}, 0, 45},                    // capped at 100
		{store.ListQuery{Page: math.MaxInt, PageSize: 100}, 45, 45}, // no overflow
	} {
		page, total, err := s.ListUsersPage(ctx, c.q)
		noErr(t, fmt.Sprintf("ListUsersPage %+v", c.q), err)
		if total != 45 {
			t.Fatalf("%+v: total %d, want 45", c.q, total)
		}
		diff(t, fmt.Sprintf("ListUsersPage %+v", c.q), want[c.from:c.to], page)
	}
	if l := (store.ListQuery{PageSize: 1000}).Limit(); l != store.MaxPageSize {
		t.Fatalf("Limit of 1000 = %d, want %d", l, store.MaxPageSize)
	}

	for i := range 25 {
		noErr(t, "CreateClient", s.CreateClient(ctx, store.Client{ID: fmt.Sprintf("c%02d", i), Name: "app", Type: store.AppSPA,
			CreatedAt: n.Add(time.Duration(i) * time.Second)}))
	}
	page, total, err := s.ListClientsPage(ctx, store.ListQuery{Page: 2})
	noErr(t, "ListClientsPage", err)
	if total != 25 || len(page) != 5 || page[0].ID != "c20" || page[4].ID != "c24" {
		t.Fatalf("ListClientsPage page 2: total %d, %d apps, want 25 and c20..c24", total, len(page))
	}
}

// testListSearch: search by field, by contains, prefix or exact match,
// with and without case.
func testListSearch(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	for i, u := range []store.User{
		{ID: "id-alice", Username: "alice", Email: "alice@example.com", Name: "Alice Liddell", Phone: "+15550100"},
		{ID: "id-bob", Username: "bob", Email: "bob@example.org", Name: "Bobby Tables"},
		{ID: "id-carol", Email: "carol@example.com", Name: "Carol ALICEson"},
	} {
		u.CreatedAt, u.UpdatedAt = n.Add(time.Duration(i)*time.Second), n
		noErr(t, "CreateUser", s.CreateUser(ctx, u))
	}
	for _, c := range []struct {
		q    store.ListQuery
		want []string
	}{
		{store.ListQuery{Search: "alice"}, []string{"id-alice", "id-carol"}},
		{store.ListQuery{Search: "LIDDELL"}, []string{"id-alice"}},
		{store.ListQuery{Search: "example.com"}, []string{"id-alice", "id-carol"}},
		{store.ListQuery{Search: "5550"}, []string{"id-alice"}},
		{store.ListQuery{Search: "id-b"}, []string{"id-bob"}},
		{store.ListQuery{Search: "ali", Match: store.MatchPrefix}, []string{"id-alice"}},
		{store.ListQuery{Search: "lice", Match: store.MatchPrefix}, nil},
		{store.ListQuery{Search: "BOB", Match: store.MatchExact}, []string{"id-bob"}},
		{store.ListQuery{Search: "bob@example", Match: store.MatchExact}, nil},
		{store.ListQuery{Search: "ALICE", CaseSensitive: true}, []string{"id-carol"}},
		{store.ListQuery{Search: "Alice", Match: store.MatchPrefix, CaseSensitive: true}, []string{"id-alice"}},
		{store.ListQuery{Search: "alice", Match: store.MatchPrefix, CaseSensitive: true}, []string{"id-alice"}},
		{store.ListQuery{Search: "ALICE", Match: store.MatchPrefix, CaseSensitive: true}, nil},
		{store.ListQuery{Search: "BOB", Match: store.MatchExact, CaseSensitive: true}, nil},
		{store.ListQuery{Search: "bob", Match: store.MatchExact, CaseSensitive: true}, []string{"id-bob"}},
		{store.ListQuery{Search: "alice", Fields: []store.SearchField{store.FieldName}}, []string{"id-alice", "id-carol"}},
		{store.ListQuery{Search: "alice", Fields: []store.SearchField{store.FieldUsername}}, []string{"id-alice"}},
		{store.ListQuery{Search: ".org", Fields: []store.SearchField{store.FieldEmail, store.FieldName}}, []string{"id-bob"}},
		{store.ListQuery{Search: "zzz"}, nil},
	} {
		page, total, err := s.ListUsersPage(ctx, c.q)
		noErr(t, fmt.Sprintf("ListUsersPage %+v", c.q), err)
		if got := userIDs(page); !slices.Equal(got, c.want) || total != len(c.want) {
			t.Errorf("ListUsersPage %+v = %v (total %d), want %v", c.q, got, total, c.want)
		}
	}
	page, total, err := s.ListUsersPage(ctx, store.ListQuery{Search: "example", PageSize: 1, Page: 2})
	noErr(t, "ListUsersPage paged search", err)
	if total != 3 || len(page) != 1 || page[0].ID != "id-bob" {
		t.Errorf("search page 2 of size 1: %v (total %d), want [id-bob] of 3", userIDs(page), total)
	}

	noErr(t, "CreateClient", s.CreateClient(ctx, store.Client{ID: "app-1", Name: "Billing Portal", Type: store.AppSPA, CreatedAt: n}))
	noErr(t, "CreateClient", s.CreateClient(ctx, store.Client{ID: "app-2", Name: "Shop", Type: store.AppSPA, CreatedAt: n}))
	for search, want := range map[string]string{"portal": "app-1", "APP-2": "app-2"} {
		apps, total, err := s.ListClientsPage(ctx, store.ListQuery{Search: search})
		noErr(t, "ListClientsPage "+search, err)
		if total != 1 || len(apps) != 1 || apps[0].ID != want {
			t.Errorf("ListClientsPage %q: %d apps (total %d), want %s", search, len(apps), total, want)
		}
	}
	if _, _, err := s.ListClientsPage(ctx, store.ListQuery{Search: "x", Fields: []store.SearchField{store.FieldEmail}}); err == nil {
		t.Error("ListClientsPage searched apps by email")
	}
}

// testListSearchHostile: LIKE wildcards, the escape character, quotes and
// SQL in a search string are matched literally, in every mode.
func testListSearchHostile(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	names := []string{`100%`, `a_b`, `back\slash`, `\%`, `it's`, `' OR 1=1--`, `plain`, `axb`, `1000`}
	for i, name := range names {
		noErr(t, "CreateUser", s.CreateUser(ctx, store.User{ID: fmt.Sprintf("h%d", i), Username: fmt.Sprintf("h%d", i),
			Name: name, CreatedAt: n.Add(time.Duration(i) * time.Second), UpdatedAt: n}))
		noErr(t, "CreateClient", s.CreateClient(ctx, store.Client{ID: fmt.Sprintf("c%d", i), Name: name, Type: store.AppSPA,
			CreatedAt: n.Add(time.Duration(i) * time.Second)}))
	}
	name := store.ListQuery{Fields: []store.SearchField{store.FieldName}}
	for _, c := range []struct {
		search string
		match  store.Match
		want   []string // names
	}{
		{`%`, store.MatchContains, []string{`100%`, `\%`}},
		{`_`, store.MatchContains, []string{`a_b`}},
		{`\`, store.MatchContains, []string{`back\slash`, `\%`}},
		{`\%`, store.MatchContains, []string{`\%`}},
		{`%%`, store.MatchContains, nil},
		{`a_b`, store.MatchPrefix, []string{`a_b`}},
		{`100`, store.MatchPrefix, []string{`100%`, `1000`}},
		{`100%`, store.MatchPrefix, []string{`100%`}},
		{`\%`, store.MatchPrefix, []string{`\%`}},
		{`a`, store.MatchPrefix, []string{`a_b`, `axb`}},
		{`%`, store.MatchPrefix, nil},
		{`\`, store.MatchPrefix, []string{`\%`}},
		{`_`, store.MatchExact, nil},
		{`%`, store.MatchExact, nil},
		{`'`, store.MatchContains, []string{`it's`, `' OR 1=1--`}},
		{`' OR 1=1--`, store.MatchExact, []string{`' OR 1=1--`}},
		{`' OR '1'='1`, store.MatchContains, nil},
	} {
		for _, cs := range []bool{false, true} {
			q := name
			q.Search, q.Match, q.CaseSensitive, q.PageSize = c.search, c.match, cs, store.MaxPageSize
			users, total, err := s.ListUsersPage(ctx, q)
			noErr(t, "ListUsersPage "+c.search, err)
			apps, appTotal, err := s.ListClientsPage(ctx, q)
			noErr(t, "ListClientsPage "+c.search, err)
			var got, gotApps []string
			for _, u := range users {
				got = append(got, u.Name)
			}
			for _, a := range apps {
				gotApps = append(gotApps, a.Name)
			}
			if !slices.Equal(got, c.want) || total != len(c.want) || !slices.Equal(gotApps, c.want) || appTotal != len(c.want) {
				t.Errorf("search %q (match %d, case-sensitive %v): users %q (total %d), apps %q (total %d), want %q",
					c.search, c.match, cs, got, total, gotApps, appTotal, c.want)
			}
		}
	}
	all, total, err := s.ListUsersPage(ctx, store.ListQuery{})
	noErr(t, "ListUsersPage", err)
	if total != len(names) || len(all) != len(names) {
		t.Fatalf("%d users (total %d) after hostile searches, want %d", len(all), total, len(names))
	}
}

func userIDs(us []store.User) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.ID)
	}
	return out
}

// testListNewestFirst: NewestFirst is the exact reverse of the default
// order, ties broken by id, on every page and with a search.
func testListNewestFirst(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	for i := range 25 {
		u := store.User{ID: fmt.Sprintf("u%02d", 24-i), Username: fmt.Sprintf("user%02d", i), CreatedAt: n.Add(time.Duration(i/2) * time.Second), UpdatedAt: n}
		noErr(t, "CreateUser", s.CreateUser(ctx, u))
	}
	oldest, _, err := s.ListUsersPage(ctx, store.ListQuery{PageSize: 100})
	noErr(t, "ListUsersPage", err)
	want := slices.Clone(oldest)
	slices.Reverse(want)
	var got []store.User
	for p := 1; p <= 3; p++ {
		page, total, err := s.ListUsersPage(ctx, store.ListQuery{Page: p, PageSize: 10, NewestFirst: true})
		noErr(t, "ListUsersPage newest first", err)
		if total != 25 {
			t.Fatalf("newest first page %d: total %d, want 25", p, total)
		}
		got = append(got, page...)
	}
	diff(t, "newest first, pages of 10 joined", want, got)
	if got[0].Username != "user24" || got[1].Username != "user22" {
		t.Fatalf("newest first starts %s, %s; want user24, user22 (ids decide ties, reversed too)", got[0].Username, got[1].Username)
	}
	page, total, err := s.ListUsersPage(ctx, store.ListQuery{Search: "USER1", Match: store.MatchPrefix, NewestFirst: true, PageSize: 3})
	noErr(t, "ListUsersPage prefix newest first", err)
	// user18 and user19 share a second, as do user16 and user17.
	if want := []string{"u06", "u05", "u08"}; total != 10 || !slices.Equal(userIDs(page), want) {
		t.Fatalf("prefix user1 newest first: %v (total %d), want %v of 10", userIDs(page), total, want)
	}
}
