package management

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/store"
)

// paging is a list request's page, as Logto's koa-pagination reads it.
type paging struct {
	Page, Size int
	Asked      bool // page or page_size was given
}

func badPaging(msg string) *Error {
	return errStatus(http.StatusBadRequest, "guard.invalid_pagination", msg)
}

func readPaging(q url.Values) (paging, error) {
	p := paging{Page: 1, Size: store.DefaultPageSize}
	if v, ok := q["page"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > 1<<31 || len(v) > 1 {
			return p, badPaging("page must be a whole number of at least 1")
		}
		p.Page, p.Asked = n, true
	}
	if v, ok := q["page_size"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > store.MaxPageSize || len(v) > 1 {
			return p, badPaging(fmt.Sprintf("page_size must be between 1 and %d", store.MaxPageSize))
		}
		p.Size, p.Asked = n, true
	}
	return p, nil
}

// slice returns the page's part of a whole list.
func slice[T any](all []T, p paging) []T {
	start := min(int64(p.Page-1)*int64(p.Size), int64(len(all)))
	end := min(start+int64(p.Size), int64(len(all)))
	return all[start:end]
}

// pageHeaders sets Total-Number and the RFC 8288 Link header (first, prev,
// next, last) with absolute URLs from the configured endpoint.
func (h *Handler) pageHeaders(w http.ResponseWriter, r *http.Request, p paging, total int) {
	w.Header().Set("Total-Number", strconv.Itoa(total))
	last := max(1, (total+p.Size-1)/p.Size)
	link := func(page int, rel string) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(page))
		q.Set("page_size", strconv.Itoa(p.Size))
		path := strings.TrimPrefix(r.URL.Path, routes.Base(basePath(h.Endpoint)).Path(""))
		return fmt.Sprintf("<%s%s?%s>; rel=%q", strings.TrimSuffix(h.Endpoint, "/"), path, q.Encode(), rel)
	}
	links := []string{link(1, "first")}
	if p.Page > 1 {
		links = append(links, link(min(p.Page-1, last), "prev"))
	}
	if p.Page < last {
		links = append(links, link(p.Page+1, "next"))
	}
	links = append(links, link(last, "last"))
	w.Header().Set("Link", strings.Join(links, ", "))
}

func basePath(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}

// userSearchFields maps Logto's search.<field> names to the store's.
var userSearchFields = map[string]store.SearchField{
	"id": store.FieldID, "username": store.FieldUsername, "primaryEmail": store.FieldEmail,
	"primaryPhone": store.FieldPhone, "name": store.FieldName,
}

// appSearchFields are what apps can be searched on.
var appSearchFields = map[string]store.SearchField{"id": store.FieldID, "name": store.FieldName}

// readSearch maps Logto's search grammar (docs/management-api.md) onto a
// store.ListQuery: search or search.<field> (one value, the same for every
// field named), mode / mode.<field> exact or like (like: "abc%" is a
// prefix, "%abc%" contains, no % is exact), joint=or, isCaseSensitive.
// similar_to, posix and joint=and are refused as not supported.
func readSearch(q url.Values, fields map[string]store.SearchField) (store.ListQuery, error) {
	var lq store.ListQuery
	bad := func(msg string) (store.ListQuery, error) { return store.ListQuery{}, invalidInput(msg) }
	value, hasValue := "", false
	mode := "like"
	for k, vs := range q {
		switch {
		case k == "page" || k == "page_size":
		case k == "search" || strings.HasPrefix(k, "search."):
			if len(vs) != 1 {
				return bad("give " + k + " once")
			}
			if hasValue && vs[0] != value {
				return bad("searching different values in different fields is not supported; give one value")
			}
			value, hasValue = vs[0], true
			if name, ok := strings.CutPrefix(k, "search."); ok {
				f, ok := fields[name]
				if !ok {
					return bad("cannot search on " + name)
				}
				lq.Fields = append(lq.Fields, f)
			}
		case k == "mode" || strings.HasPrefix(k, "mode."):
			if len(vs) != 1 || (vs[0] != "like" && vs[0] != "exact") {
				return bad(k + " must be exact or like (similar_to and posix are not supported)")
			}
			if k != "mode" && mode != "like" && mode != vs[0] {
				return bad("different modes in different fields are not supported")
			}
			if k == "mode" || vs[0] != "like" {
				mode = vs[0]
			}
		case k == "joint":
			if len(vs) != 1 || vs[0] != "or" {
				return bad("joint must be or (and is not supported)")
			}
		case k == "isCaseSensitive":
			if len(vs) != 1 || (vs[0] != "true" && vs[0] != "false") {
				return bad("isCaseSensitive must be true or false")
			}
			lq.CaseSensitive = vs[0] == "true"
		default:
			return bad("unknown query parameter " + k)
		}
	}
	if !hasValue {
		return lq, nil
	}
	lq.Search, lq.Match = value, store.MatchExact
	if mode == "like" {
		switch s, pre := strings.CutPrefix(value, "%"); {
		case pre && strings.HasSuffix(s, "%") && len(s) > 0:
			lq.Search, lq.Match = strings.TrimSuffix(s, "%"), store.MatchContains
		case !pre && strings.HasSuffix(value, "%"):
			lq.Search, lq.Match = strings.TrimSuffix(value, "%"), store.MatchPrefix
		case pre:
			return bad("a like pattern may end with % or be wrapped in %; a leading % alone is not supported")
		}
	}
	return lq, nil
}
