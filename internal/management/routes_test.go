package management

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/routes"
	"github.com/sesameauth/sesame/internal/store"
)

type recordingMux struct{ patterns []string }

func (m *recordingMux) Handle(p string, _ http.Handler) { m.patterns = append(m.patterns, p) }
func (m *recordingMux) HandleFunc(p string, _ func(http.ResponseWriter, *http.Request)) {
	m.patterns = append(m.patterns, p)
}

// TestRoutesDocumented: every registered route is in the OpenAPI document
// and every documented operation is registered.
func TestRoutesDocumented(t *testing.T) {
	h := &Handler{Endpoint: "https://id.example/base"}
	mux := &recordingMux{}
	h.Mount(mux)
	var documented []string
	for p, ops := range h.openAPI()["paths"].(map[string]map[string]any) {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+p)
		}
	}
	registered := slices.DeleteFunc(slices.Clone(mux.patterns), func(p string) bool { return p == "GET "+routes.API+"/swagger.json" })
	slices.Sort(documented)
	slices.Sort(registered)
	if !slices.Equal(documented, registered) {
		t.Errorf("registered %v\ndocumented %v", registered, documented)
	}
	ids := map[string]bool{}
	for _, rt := range h.table() {
		if ids[rt.ID] || rt.Summary == "" {
			t.Errorf("operation %q duplicated or without summary", rt.ID)
		}
		ids[rt.ID] = true
		for _, s := range []string{rt.Request, rt.Response} {
			if _, ok := schemas[s]; s != "" && !ok {
				t.Errorf("%s names unknown schema %q", rt.ID, s)
			}
		}
	}
}

func TestSearchGrammar(t *testing.T) {
	for _, c := range []struct {
		query string
		want  store.ListQuery
		bad   bool
	}{
		{"", store.ListQuery{}, false},
		{"search=abc", store.ListQuery{Search: "abc", Match: store.MatchExact}, false},
		{"search=abc%25", store.ListQuery{Search: "abc", Match: store.MatchPrefix}, false},
		{"search=%25abc%25", store.ListQuery{Search: "abc", Match: store.MatchContains}, false},
		{"search=%25abc%25&mode=exact", store.ListQuery{Search: "%abc%", Match: store.MatchExact}, false},
		{"search.primaryEmail=a%25&isCaseSensitive=true", store.ListQuery{Search: "a", Match: store.MatchPrefix,
			Fields: []store.SearchField{store.FieldEmail}, CaseSensitive: true}, false},
		{"search.username=x&mode.username=exact&joint=or", store.ListQuery{Search: "x", Match: store.MatchExact,
			Fields: []store.SearchField{store.FieldUsername}}, false},
		{"search=%25abc", store.ListQuery{}, true},
		{"search=a&mode=similar_to", store.ListQuery{}, true},
		{"search=a&mode=posix", store.ListQuery{}, true},
		{"search=a&joint=and", store.ListQuery{}, true},
		{"search.password=a", store.ListQuery{}, true},
		{"search.id=a&search.name=b", store.ListQuery{}, true},
		{"isCaseSensitive=yes", store.ListQuery{}, true},
		{"sort=name", store.ListQuery{}, true},
	} {
		q, _ := url.ParseQuery(c.query)
		got, err := readSearch(q, userSearchFields)
		if (err != nil) != c.bad {
			t.Errorf("%q: err %v", c.query, err)
			continue
		}
		if !c.bad && (got.Search != c.want.Search || got.Match != c.want.Match || got.CaseSensitive != c.want.CaseSensitive ||
			!slices.Equal(got.Fields, c.want.Fields)) {
			t.Errorf("%q: %+v, want %+v", c.query, got, c.want)
		}
	}
}

func TestPaging(t *testing.T) {
	for q, want := range map[string]string{"page=0": "bad", "page=x": "bad", "page_size=101": "bad", "page_size=0": "bad",
		"page=2&page_size=100": "ok", "": "ok"} {
		v, _ := url.ParseQuery(q)
		_, err := readPaging(v)
		if (err != nil) != (want == "bad") {
			t.Errorf("%q: %v", q, err)
		}
		if err != nil && err.(*Error).Code != "guard.invalid_pagination" {
			t.Errorf("%q: code %s", q, err.(*Error).Code)
		}
	}
}
