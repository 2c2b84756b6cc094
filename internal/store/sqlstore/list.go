package sqlstore

// Paged lists with search: ListUsersPage and ListClientsPage.

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/sesameauth/sesame/internal/store"
)

// listSpec is what a paged list needs to know about its table.
type listSpec[T any] struct {
	table, cols string
	scan        func(rowScanner) (T, error)
	columns     map[store.SearchField]string // searchable field → column
	allowed     []store.SearchField          // in the order the WHERE clause names them
	counted     bool                         // row_counts holds the table's row count (migration 00016)
}

var userList = listSpec[store.User]{table: "users", cols: userCols, scan: scanUser, allowed: store.UserSearchFields, counted: true,
	columns: map[store.SearchField]string{store.FieldID: "id", store.FieldUsername: "username", store.FieldEmail: "email",
		store.FieldPhone: "phone", store.FieldName: "name"}}

var clientList = listSpec[store.Client]{table: "clients", cols: clientCols, scan: scanClientRow, allowed: store.ClientSearchFields,
	columns: map[store.SearchField]string{store.FieldID: "id", store.FieldName: "name"}}

// ListUsersPage implements store.Users: one page of users and how many
// match in all (see store.ListQuery).
func (s *Store) ListUsersPage(ctx context.Context, q store.ListQuery) ([]store.User, int, error) {
	return listPage(ctx, s, userList, q)
}

// ListClientsPage implements store.Clients, as ListUsersPage.
func (s *Store) ListClientsPage(ctx context.Context, q store.ListQuery) ([]store.Client, int, error) {
	return listPage(ctx, s, clientList, q)
}

// listPage counts the matching rows, then reads the page (skipped when it
// lies past the end). The two reads are separate statements: a row added
// in between may show in one and not the other, as with any paging.
//
// The page is found on ids alone, then its rows are read: the inner
// query walks the (created_at, id) index without reading the rows it
// skips, so a deep page costs an index walk, not 100,000 row reads.
func listPage[T any](ctx context.Context, s *Store, l listSpec[T], q store.ListQuery) ([]T, int, error) {
	return listPageIn(ctx, s, l, q, "", nil)
}

// listPageIn is listPage restricted to the rows whose id is in the
// subquery in (one parameter, written $ARG, bound to arg); empty in
// restricts nothing.
func listPageIn[T any](ctx context.Context, s *Store, l listSpec[T], q store.ListQuery, in string, arg any) ([]T, int, error) {
	where, args, err := searchWhere(s.d, l, q)
	if err != nil {
		return nil, 0, err
	}
	if in != "" {
		args = append(args, arg)
		cond := `id IN (` + strings.ReplaceAll(in, "$ARG", "$"+strconv.Itoa(len(args))) + `)`
		if where == "" {
			where = " WHERE " + cond
		} else {
			where += " AND " + cond
		}
	}
	// The whole table's total is the triggers' count: count(*) reads every
	// row, 10-20 ms at 100,000 users on PostgreSQL (bench/README.md).
	count := `SELECT count(*) FROM ` + l.table + where
	if l.counted && where == "" {
		count = `SELECT n FROM row_counts WHERE name = '` + l.table + `'`
	}
	var total int
	if err := s.rq.QueryRowContext(ctx, s.d.q(count), args...).Scan(&total); err != nil {
		return nil, 0, s.d.mapErr(err)
	}
	if q.Offset() >= int64(total) {
		return nil, total, nil
	}
	// A search sorts its matches rather than walking the created_at index:
	// walking it, a planner that expects many matches (PostgreSQL guesses
	// hundreds) reads the whole table when there are few. created_at + 0
	// is the same order without that index.
	by := `created_at`
	if where != "" {
		by = `created_at + 0`
	}
	asc, desc := ` ORDER BY `+by+`, id`, ` ORDER BY `+by+` DESC, id DESC`
	order, walk := asc, asc
	if q.NewestFirst {
		order, walk = desc, desc
	}
	// A page past the middle is found from the other end: the walk to it
	// is then at most half the matches (page 1000 of 1000 costs what page
	// 1 does), and the rows are sorted back into the asked order.
	limit, offset := int64(q.Limit()), q.Offset()
	if offset > int64(total)/2 {
		if walk == asc {
			walk = desc
		} else {
			walk = asc
		}
		limit = min(limit, int64(total)-offset)
		offset = int64(total) - offset - limit
	}
	n := strconv.Itoa(len(args) + 1)
	m := strconv.Itoa(len(args) + 2)
	items, err := getAll(ctx, s, s.rq, l.scan, `SELECT `+l.cols+` FROM `+l.table+` WHERE id IN (SELECT id FROM `+l.table+where+
		walk+` LIMIT $`+n+` OFFSET $`+m+`)`+order, append(args, limit, offset)...)
	return items, total, err
}

// searchWhere builds " WHERE ..." for q (empty without a search). The
// search string is the only argument ($1); columns come from the spec,
// never from the caller, and always in the spec's order, so the set of
// statements (and of prepared statements in the SQLite cache) stays small
// and fixed.
func searchWhere[T any](d *dialect, l listSpec[T], q store.ListQuery) (string, []any, error) {
	if q.Search == "" {
		return "", nil, nil
	}
	fields, err := q.SearchFields(l.allowed)
	if err != nil {
		return "", nil, err
	}
	var terms []string
	for _, f := range l.allowed {
		if slices.Contains(fields, f) {
			terms = append(terms, matchTerm(d, l.columns[f], q))
		}
	}
	arg := q.Search
	if !q.CaseSensitive && q.Match == store.MatchContains {
		arg = escapeLike(arg)
	}
	return " WHERE (" + strings.Join(terms, " OR ") + ")", []any{arg}, nil
}

// matchTerm compares col with $1. Case-insensitive exact and prefix
// matches compare lower(col) in byte order, which the expression indexes
// of migration 00011 serve (on PostgreSQL through COLLATE "C"): a prefix
// p is the range p <= lower(col) < p || U+10FFFF, so a value that goes on
// with U+10FFFF itself (a noncharacter) is missed. Case-insensitive
// contains uses LIKE on lower-cased sides with $1 escaped (escapeLike) and
// reads every row; the case-sensitive ones avoid LIKE, which SQLite folds
// ASCII case in, and read every row too.
func matchTerm(d *dialect, col string, q store.ListQuery) string {
	const p = `CAST($1 AS TEXT)`
	lc, maxChar := `lower(`+col+`)`, `char(1114111)`
	if d.name != "sqlite" {
		lc, maxChar = `lower(`+col+`) COLLATE "C"`, `chr(1114111)`
	}
	// A search is never empty, so "col <> ''" changes no answer; it lets
	// the partial indexes (which skip empty values) serve the term.
	nonEmpty := ``
	if col != "id" {
		nonEmpty = col + ` <> '' AND `
	}
	switch {
	case q.Match == store.MatchExact && q.CaseSensitive:
		return col + ` = ` + p
	case q.Match == store.MatchExact:
		return `(` + nonEmpty + lc + ` = lower(` + p + `))`
	case q.Match == store.MatchPrefix && q.CaseSensitive:
		return `substr(` + col + `, 1, length(` + p + `)) = ` + p
	case q.Match == store.MatchPrefix:
		return `(` + nonEmpty + lc + ` >= lower(` + p + `) AND ` + lc + ` < lower(` + p + `) || ` + maxChar + `)`
	case q.CaseSensitive && d.name == "sqlite":
		return `instr(` + col + `, ` + p + `) > 0`
	case q.CaseSensitive:
		return `strpos(` + col + `, ` + p + `) > 0`
	}
	return `lower(` + col + `) LIKE '%' || lower(` + p + `) || '%' ESCAPE '\'`
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// escapeLike makes every character of s match only itself in a LIKE
// pattern with ESCAPE '\': search input is data, never a pattern.
func escapeLike(s string) string { return likeEscaper.Replace(s) }
