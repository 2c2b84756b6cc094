package management

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// ListOptions picks a page of a list: Page counts from 1 and PageSize is at
// most 100 (the server's limit). For the one-page calls (the …Page
// methods) zero values mean page 1 of 20, the server's default; the
// iterators start at Page (default 1) and ask for PageSize items at a time
// (default 100, the fewest requests).
type ListOptions struct {
	Page     int
	PageSize int
}

// MaxPageSize is the largest page the API serves.
const MaxPageSize = 100

func (o ListOptions) values(q url.Values, iterating bool) {
	page, size := o.Page, o.PageSize
	if iterating {
		page = max(page, 1)
		if size <= 0 {
			size = MaxPageSize
		}
	}
	if page > 0 {
		q.Set("page", strconv.Itoa(page))
	}
	if size > 0 {
		q.Set("page_size", strconv.Itoa(size))
	}
}

// list fetches one page of path into []T and reads Total-Number (-1 when
// the server sent none).
func list[T any](ctx context.Context, c *Client, path string, q url.Values) ([]T, int, http.Header, error) {
	var items []T
	header, err := c.do(ctx, http.MethodGet, path, q, nil, &items)
	if err != nil {
		return nil, 0, nil, err
	}
	total := -1
	if v := header.Get("Total-Number"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			total = n
		}
	}
	return items, total, header, nil
}

// onePage is a …Page method: the items and the total (Total-Number, or the
// number of items when the server sent the whole list without it).
func onePage[T any](ctx context.Context, c *Client, path string, q url.Values, o ListOptions) ([]T, int, error) {
	o.values(q, false)
	items, total, _, err := list[T](ctx, c, path, q)
	if err != nil {
		return nil, 0, err
	}
	if total < 0 {
		total = len(items)
	}
	return items, total, nil
}

// pages iterates over a list page by page from o.Page. It stops on an
// empty page; when the server sends a Link header, after the page without
// a rel="next" link; otherwise when Total-Number items have been seen; and
// after the first answer if the server sent neither header (it did not
// page, the answer was the whole list). The next page is asked for by
// number on the Client's own endpoint, not by the Link's URL, which is
// built from the server's public endpoint and may not be reachable from
// here.
//
// Pages are read one at a time as the loop asks for items; items created
// or deleted meanwhile can shift the pages so that one is seen twice or
// missed, as with any offset paging.
func pages[T any](ctx context.Context, c *Client, path string, q url.Values, o ListOptions) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		o.values(q, true)
		page, _ := strconv.Atoi(q.Get("page"))
		size, _ := strconv.Atoi(q.Get("page_size"))
		for {
			q.Set("page", strconv.Itoa(page))
			items, total, header, err := list[T](ctx, c, path, q)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			links := header.Values("Link")
			switch {
			case len(items) == 0:
				return
			case len(links) > 0:
				if !hasRel(links, "next") {
					return
				}
			case total >= 0:
				if (page-1)*size+len(items) >= total {
					return
				}
			default:
				return
			}
			page++
		}
	}
}

// hasRel reports whether one of the RFC 8288 Link header values has a
// link with relation rel.
func hasRel(values []string, rel string) bool {
	for _, v := range values {
		for link := range strings.SplitSeq(v, ",") {
			_, params, ok := strings.Cut(link, ";")
			if !ok {
				continue
			}
			for param := range strings.SplitSeq(params, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(param), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
					continue
				}
				for r := range strings.FieldsSeq(strings.Trim(strings.TrimSpace(val), `"`)) {
					if strings.EqualFold(r, rel) {
						return true
					}
				}
			}
		}
	}
	return false
}
