package store

// Paged lists with search (ListUsersPage, ListClientsPage).

import "fmt"

// Page size bounds, as Logto's Management API: 20 rows unless asked, at
// most 100.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
	// maxPage keeps Offset far from overflowing.
	maxPage = 1 << 31
)

// SearchField names a column a list can be searched on.
type SearchField string

// Searchable fields. Users search ID, Username, Email, Phone and Name;
// apps search ID and Name.
const (
	FieldID       SearchField = "id"
	FieldUsername SearchField = "username"
	FieldEmail    SearchField = "email"
	FieldPhone    SearchField = "phone"
	FieldName     SearchField = "name"
)

// UserSearchFields and ClientSearchFields are what an empty
// ListQuery.Fields searches.
var (
	UserSearchFields   = []SearchField{FieldID, FieldUsername, FieldEmail, FieldPhone, FieldName}
	ClientSearchFields = []SearchField{FieldID, FieldName}
)

// Match says how ListQuery.Search compares with a field.
type Match int

const (
	MatchContains Match = iota // the field contains Search (the default)
	MatchPrefix                // the field starts with Search
	MatchExact                 // the field equals Search
)

// ListQuery selects one page of a list, oldest first (created_at, then id,
// so pages are stable while rows are added), or newest first (the reverse
// order) with NewestFirst, as Logto lists users.
//
// Search, when not empty, keeps the rows of which at least one of Fields
// (all the list's searchable fields when empty) matches it by Match. Every
// character of Search is literal: LIKE wildcards (% and _) and the escape
// character (\) match only themselves. Unless CaseSensitive is set, case is
// ignored as the database's lower() folds it: ASCII only on SQLite, Unicode
// on PostgreSQL (usernames and emails are stored lower-cased anyway).
// Case-insensitive MatchPrefix and MatchExact on users use indexes (one
// range scan per field, migration 00011), so they and their total stay
// fast at 100,000 users; MatchContains and case-sensitive matches read
// every row (about linear in the table: see bench/README.md).
// This is enough to serve Logto's search grammar (search / search.<field>,
// mode exact or like with the caller's % at either end, isCaseSensitive,
// joint=or): the API layer maps a pattern to Match and Fields.
type ListQuery struct {
	Page          int // 1-based; less than 1 means 1
	PageSize      int // 0 or less means DefaultPageSize; capped at MaxPageSize
	Search        string
	Fields        []SearchField
	Match         Match
	CaseSensitive bool
	NewestFirst   bool
}

// Limit is the normalised page size.
func (q ListQuery) Limit() int {
	switch {
	case q.PageSize <= 0:
		return DefaultPageSize
	case q.PageSize > MaxPageSize:
		return MaxPageSize
	}
	return q.PageSize
}

// Offset is how many rows come before the page.
func (q ListQuery) Offset() int64 {
	p := min(max(q.Page, 1), maxPage)
	return int64(p-1) * int64(q.Limit())
}

// SearchFields returns the fields to search among allowed (Fields, or all
// of allowed when Fields is empty); a field not in allowed is an error.
func (q ListQuery) SearchFields(allowed []SearchField) ([]SearchField, error) {
	if len(q.Fields) == 0 {
		return allowed, nil
	}
	for _, f := range q.Fields {
		ok := false
		for _, a := range allowed {
			ok = ok || a == f
		}
		if !ok {
			return nil, fmt.Errorf("store: cannot search on %q", f)
		}
	}
	return q.Fields, nil
}
