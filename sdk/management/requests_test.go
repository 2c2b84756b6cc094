package management

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is an API that records each request and answers with answer.
type recorder struct {
	mu     sync.Mutex
	reqs   []recorded
	answer func(w http.ResponseWriter, r *http.Request)
}

type recorded struct {
	Method, Path, RawPath string
	Query                 url.Values
	Body                  string
}

func (rec *recorder) handle(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, recorded{r.Method, r.URL.Path, r.URL.EscapedPath(), r.URL.Query(), string(b)})
	rec.mu.Unlock()
	if rec.answer != nil {
		rec.answer(w, r)
		return
	}
	writeJSON(w, 200, map[string]any{})
}

func (rec *recorder) last(t *testing.T) recorded {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) == 0 {
		t.Fatal("no request")
	}
	return rec.reqs[len(rec.reqs)-1]
}

func newRecorder(t *testing.T) (*recorder, *Client) {
	rec := &recorder{}
	return rec, newFake(t, rec.handle).client(t)
}

func TestErrorDecoding(t *testing.T) {
	rec, c := newRecorder(t)
	ctx := context.Background()
	for _, tc := range []struct {
		status      int
		ctype, body string
		want        Error
		is          []error
		isNot       []error
	}{
		{404, "application/json", `{"code":"entity.not_exists_with_id","message":"The application with ID x does not exist.","data":{"domainCode":"app.not_found"}}`,
			Error{Status: 404, Code: "entity.not_exists_with_id", Message: "The application with ID x does not exist.", Data: json.RawMessage(`{"domainCode":"app.not_found"}`)},
			[]error{ErrNotFound}, []error{ErrUnauthorized, ErrInvalidInput}},
		{404, "application/json", `{"code":"entity.not_found","message":"not held"}`,
			Error{Status: 404, Code: "entity.not_found", Message: "not held"}, []error{ErrNotFound}, nil},
		{403, "application/json; charset=utf-8", `{"code":"auth.forbidden","message":"Forbidden","data":null}`,
			Error{Status: 403, Code: "auth.forbidden", Message: "Forbidden"}, []error{ErrForbidden}, []error{ErrUnauthorized, ErrNotFound}},
		{400, "application/json", `{"code":"guard.invalid_input","message":"bad","data":{"field":"primaryEmail"}}`,
			Error{Status: 400, Code: "guard.invalid_input", Message: "bad", Data: json.RawMessage(`{"field":"primaryEmail"}`)}, []error{ErrInvalidInput}, nil},
		{400, "application/json", `{"code":"guard.invalid_pagination","message":"page"}`,
			Error{Status: 400, Code: "guard.invalid_pagination", Message: "page"}, []error{ErrInvalidPagination}, []error{ErrInvalidInput}},
		{502, "text/html", "<html><body><h1>502 Bad Gateway</h1>\n</body></html>",
			Error{Status: 502, Code: "http.502", Message: "GET /roles/x: Bad Gateway: <html><body><h1>502 Bad Gateway</h1> </body></html>"}, nil, []error{ErrNotFound}},
		{503, "", "", Error{Status: 503, Code: "http.503", Message: "GET /roles/x: Service Unavailable"}, []error{ErrUnavailable}, nil},
		{404, "text/plain", "404 page not found", Error{Status: 404, Code: "http.404", Message: "GET /roles/x: Not Found: 404 page not found"}, []error{ErrNotFound}, nil},
		{403, "text/html", "<p>denied</p>", Error{Status: 403, Code: "auth.forbidden", Message: "GET /roles/x: Forbidden: <p>denied</p>"}, []error{ErrForbidden}, nil},
		// JSON without a code (not Logto's shape) is not taken for one.
		{500, "application/json", `{"error":"boom"}`, Error{Status: 500, Code: "http.500", Message: `GET /roles/x: Internal Server Error: {"error":"boom"}`}, nil, nil},
	} {
		rec.answer = func(w http.ResponseWriter, r *http.Request) {
			if tc.ctype != "" {
				w.Header().Set("Content-Type", tc.ctype)
			}
			w.WriteHeader(tc.status)
			io.WriteString(w, tc.body)
		}
		_, err := c.Roles.Get(ctx, "x")
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%d %s: err %v, want *Error", tc.status, tc.body, err)
		}
		if e.Status != tc.want.Status || e.Code != tc.want.Code || e.Message != tc.want.Message || string(e.Data) != string(tc.want.Data) {
			t.Errorf("%d %s:\n got %+v\nwant %+v", tc.status, tc.body, *e, tc.want)
		}
		for _, s := range tc.is {
			if !errors.Is(err, s) {
				t.Errorf("%d %s: not errors.Is %v", tc.status, tc.body, s)
			}
		}
		for _, s := range tc.isNot {
			if errors.Is(err, s) {
				t.Errorf("%d %s: errors.Is %v", tc.status, tc.body, s)
			}
		}
	}
	if f := (&Error{Data: json.RawMessage(`{"field":"primaryEmail"}`)}).Field(); f != "primaryEmail" {
		t.Errorf("Field() %q", f)
	}
	if (&Error{}).Field() != "" {
		t.Error("Field() of no data")
	}
	for code, want := range map[string]bool{"user.username_or_email_already_in_use": true, "scope.name_exists": true, "entity.unique_integrity_violation": true, "session.invalid_credentials": false} {
		if got := IsConflict(fmt.Errorf("wrapped: %w", &Error{Status: 422, Code: code})); got != want {
			t.Errorf("IsConflict(%s) = %v", code, got)
		}
	}
}

// Every method sends Logto's method, path and body.
func TestRequests(t *testing.T) {
	rec, c := newRecorder(t)
	ctx := context.Background()
	exp := time.UnixMilli(1764892800000)
	for _, tc := range []struct {
		call                      func() error
		method, path, body, query string
	}{
		{func() error {
			_, err := c.Applications.Create(ctx, ApplicationCreate{Name: "web", Type: AppTraditional,
				OIDCClientMetadata: &OIDCClientMetadata{RedirectURIs: []string{"https://app.example.com/callback"}}})
			return err
		}, "POST", "/api/applications", `{"name":"web","type":"Traditional","oidcClientMetadata":{"redirectUris":["https://app.example.com/callback"]}}`, ""},
		// nil leaves a list alone, an empty slice clears it; nil pointers are left out.
		{func() error {
			_, err := c.Applications.Update(ctx, "a/1", ApplicationUpdate{Name: Ptr("web 2"),
				OIDCClientMetadata:   &OIDCClientMetadata{PostLogoutRedirectURIs: []string{}},
				CustomClientMetadata: &CustomClientMetadata{RotateRefreshToken: Ptr(false)}})
			return err
		}, "PATCH", "/api/applications/a%2F1", `{"name":"web 2","oidcClientMetadata":{"postLogoutRedirectUris":[]},"customClientMetadata":{"rotateRefreshToken":false}}`, ""},
		// Back-channel logout: both fields on create; in an update, a nil
		// flag is left out and false is sent.
		{func() error {
			_, err := c.Applications.Create(ctx, ApplicationCreate{Name: "web", Type: AppTraditional,
				OIDCClientMetadata: &OIDCClientMetadata{BackchannelLogoutURI: "https://app.example.com/logout", BackchannelLogoutSessionRequired: Ptr(true)}})
			return err
		}, "POST", "/api/applications", `{"name":"web","type":"Traditional","oidcClientMetadata":{"backchannelLogoutUri":"https://app.example.com/logout","backchannelLogoutSessionRequired":true}}`, ""},
		{func() error {
			_, err := c.Applications.Update(ctx, "a1", ApplicationUpdate{OIDCClientMetadata: &OIDCClientMetadata{BackchannelLogoutSessionRequired: Ptr(false)}})
			return err
		}, "PATCH", "/api/applications/a1", `{"oidcClientMetadata":{"backchannelLogoutSessionRequired":false}}`, ""},
		{func() error {
			_, err := c.Applications.Update(ctx, "a1", ApplicationUpdate{OIDCClientMetadata: &OIDCClientMetadata{BackchannelLogoutURI: "http://localhost:3000/bc"}})
			return err
		}, "PATCH", "/api/applications/a1", `{"oidcClientMetadata":{"backchannelLogoutUri":"http://localhost:3000/bc"}}`, ""},
		{func() error { return c.Applications.Delete(ctx, "a1") }, "DELETE", "/api/applications/a1", "", ""},
		{func() error {
			_, err := c.Applications.CreateSecret(ctx, "a1", SecretCreate{Name: "ci", ExpiresAt: exp})
			return err
		}, "POST", "/api/applications/a1/secrets", `{"name":"ci","expiresAt":1764892800000}`, ""},
		{func() error {
			_, err := c.Applications.CreateSecret(ctx, "a1", SecretCreate{Name: "forever"})
			return err
		}, "POST", "/api/applications/a1/secrets", `{"name":"forever"}`, ""},
		{func() error { return c.Applications.DeleteSecret(ctx, "a1", "ci 2") }, "DELETE", "/api/applications/a1/secrets/ci%202", "", ""},
		{func() error { return c.Applications.AssignRoles(ctx, "a1", "r1", "r2") }, "POST", "/api/applications/a1/roles", `{"roleIds":["r1","r2"]}`, ""},
		{func() error { return c.Applications.RemoveRole(ctx, "a1", "r1") }, "DELETE", "/api/applications/a1/roles/r1", "", ""},
		{func() error {
			_, err := c.Users.Create(ctx, UserCreate{Username: "ann", Password: "pw"})
			return err
		}, "POST", "/api/users", `{"username":"ann","password":"pw"}`, ""},
		{func() error {
			_, err := c.Users.Update(ctx, "u1", UserUpdate{Name: Ptr(""), CustomData: map[string]any{}})
			return err
		}, "PATCH", "/api/users/u1", `{"name":"","customData":{}}`, ""},
		{func() error { _, err := c.Users.SetPassword(ctx, "u1", "new pw"); return err }, "PATCH", "/api/users/u1/password", `{"password":"new pw"}`, ""},
		{func() error { _, err := c.Users.SetSuspended(ctx, "u1", false); return err }, "PATCH", "/api/users/u1/is-suspended", `{"isSuspended":false}`, ""},
		{func() error { _, err := c.Users.CustomData(ctx, "u1"); return err }, "GET", "/api/users/u1/custom-data", "", ""},
		{func() error {
			_, err := c.Users.UpdateCustomData(ctx, "u1", map[string]any{"plan": "pro"})
			return err
		}, "PATCH", "/api/users/u1/custom-data", `{"customData":{"plan":"pro"}}`, ""},
		{func() error { return c.Users.AssignRoles(ctx, "u1", "r1") }, "POST", "/api/users/u1/roles", `{"roleIds":["r1"]}`, ""},
		{func() error { return c.Users.RemoveRole(ctx, "u1", "r1") }, "DELETE", "/api/users/u1/roles/r1", "", ""},
		{func() error {
			_, err := c.Roles.Create(ctx, RoleCreate{Name: "editor", Type: RoleUser, ScopeIDs: []string{"s1"}})
			return err
		}, "POST", "/api/roles", `{"name":"editor","type":"User","scopeIds":["s1"]}`, ""},
		{func() error { _, err := c.Roles.Update(ctx, "r1", RoleUpdate{IsDefault: Ptr(false)}); return err }, "PATCH", "/api/roles/r1", `{"isDefault":false}`, ""},
		{func() error { return c.Roles.AssignUsers(ctx, "r1", "u1") }, "POST", "/api/roles/r1/users", `{"userIds":["u1"]}`, ""},
		{func() error { return c.Roles.RemoveUser(ctx, "r1", "u1") }, "DELETE", "/api/roles/r1/users/u1", "", ""},
		{func() error { return c.Roles.AssignApplications(ctx, "r1", "a1") }, "POST", "/api/roles/r1/applications", `{"applicationIds":["a1"]}`, ""},
		{func() error { return c.Roles.RemoveApplication(ctx, "r1", "a1") }, "DELETE", "/api/roles/r1/applications/a1", "", ""},
		{func() error { return c.Roles.RemoveScope(ctx, "r1", "s1") }, "DELETE", "/api/roles/r1/scopes/s1", "", ""},
		{func() error {
			_, err := c.Resources.Create(ctx, ResourceCreate{Name: "Orders", Indicator: "https://orders.example.com"})
			return err
		}, "POST", "/api/resources", `{"name":"Orders","indicator":"https://orders.example.com"}`, ""},
		{func() error {
			_, err := c.Resources.Update(ctx, "rs1", ResourceUpdate{AccessTokenTTL: Ptr(600)})
			return err
		}, "PATCH", "/api/resources/rs1", `{"accessTokenTtl":600}`, ""},
		{func() error {
			_, err := c.Resources.CreateScope(ctx, "rs1", ScopeCreate{Name: "read"})
			return err
		}, "POST", "/api/resources/rs1/scopes", `{"name":"read"}`, ""},
		{func() error {
			_, err := c.Resources.UpdateScope(ctx, "rs1", "s1", ScopeUpdate{Description: Ptr("Read")})
			return err
		}, "PATCH", "/api/resources/rs1/scopes/s1", `{"description":"Read"}`, ""},
		{func() error { return c.Resources.DeleteScope(ctx, "rs1", "s1") }, "DELETE", "/api/resources/rs1/scopes/s1", "", ""},
		{func() error {
			_, err := c.SignInExperience.Update(ctx, SignInExperienceUpdate{SignInMode: Ptr(SignInOnly), Color: &Color{PrimaryColor: "#112233"}})
			return err
		}, "PATCH", "/api/sign-in-exp", `{"color":{"primaryColor":"#112233","isDarkModeEnabled":false,"darkPrimaryColor":""},"signInMode":"SignIn"}`, ""},
		{func() error { _, err := c.Logs.Get(ctx, "l1"); return err }, "GET", "/api/logs/l1", "", ""},
		{func() error {
			_, _, err := c.Logs.ListPage(ctx, LogListOptions{UserID: "u1", LogKey: "Interaction.SignIn.Submit", Start: exp, ListOptions: ListOptions{PageSize: 5}})
			return err
		}, "GET", "/api/logs", "", "logKey=Interaction.SignIn.Submit&page_size=5&start_time=1764892800000&userId=u1"},
		{func() error { _, err := c.OIDCKeys.Rotate(ctx, PrivateKeys, "ES256"); return err }, "POST", "/api/configs/oidc/private-keys/rotate", `{"signingKeyAlgorithm":"ES256"}`, ""},
		{func() error { _, err := c.OIDCKeys.Rotate(ctx, PrivateKeys, ""); return err }, "POST", "/api/configs/oidc/private-keys/rotate", `{}`, ""},
	} {
		rec.answer = func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.Method == "DELETE":
				w.WriteHeader(204)
			case r.Method == "POST" && strings.Count(r.URL.Path, "/") == 4 && !strings.HasSuffix(r.URL.Path, "/secrets") && !strings.HasSuffix(r.URL.Path, "/scopes"):
				w.WriteHeader(201) // an assignment
			case strings.HasSuffix(r.URL.Path, "/rotate") || r.URL.Path == "/api/logs":
				writeJSON(w, 200, []any{})
			default:
				writeJSON(w, 200, map[string]any{})
			}
		}
		if err := tc.call(); err != nil {
			t.Errorf("%s %s: %v", tc.method, tc.path, err)
			continue
		}
		got := rec.last(t)
		if got.Method != tc.method || got.RawPath != tc.path || got.Body != tc.body || got.Query.Encode() != tc.query {
			t.Errorf("sent %s %s ?%s %s\nwant %s %s ?%s %s", got.Method, got.RawPath, got.Query.Encode(), got.Body, tc.method, tc.path, tc.query, tc.body)
		}
	}
}

func TestVerifyPassword(t *testing.T) {
	rec, c := newRecorder(t)
	ctx := context.Background()
	for _, tc := range []struct {
		status  int
		code    string
		want    bool
		wantErr error
	}{
		{204, "", true, nil},
		{422, "session.invalid_credentials", false, nil},
		{404, "entity.not_exists_with_id", false, ErrNotFound},
	} {
		rec.answer = func(w http.ResponseWriter, r *http.Request) {
			if tc.code == "" {
				w.WriteHeader(tc.status)
				return
			}
			writeJSON(w, tc.status, map[string]string{"code": tc.code, "message": "m"})
		}
		ok, err := c.Users.VerifyPassword(ctx, "u1", "pw")
		if ok != tc.want || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
			t.Errorf("%d: %v, %v", tc.status, ok, err)
		}
		if got := rec.last(t); got.Method != "POST" || got.Path != "/api/users/u1/password/verify" || got.Body != `{"password":"pw"}` {
			t.Errorf("sent %+v", got)
		}
	}
}

// An empty id is refused before any request, so that it cannot turn into
// another route ("/applications/" + "" is the list).
func TestEmptyID(t *testing.T) {
	rec, c := newRecorder(t)
	if _, err := c.Applications.Get(context.Background(), ""); err == nil {
		t.Fatal("an empty id was accepted")
	}
	for range c.Roles.Users(context.Background(), "", UserListOptions{}) {
	}
	if len(rec.reqs) != 0 {
		t.Fatalf("requests were sent: %+v", rec.reqs)
	}
}

func TestSearchQuery(t *testing.T) {
	rec, c := newRecorder(t)
	rec.answer = func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, []any{}) }
	ctx := context.Background()
	for _, tc := range []struct {
		o    UserListOptions
		want string
	}{
		{UserListOptions{}, "page=1&page_size=100"},
		{UserListOptions{Search: Search{Value: Prefix("ann")}}, "page=1&page_size=100&search=ann%25"},
		{UserListOptions{ListOptions: ListOptions{Page: 2, PageSize: 10}, Search: Search{Value: "ann@example.com", Fields: []string{"username", "primaryEmail"}, Mode: Exact, Joint: "or", CaseSensitive: true}},
			"isCaseSensitive=true&joint=or&mode=exact&page=2&page_size=10&search.primaryEmail=ann%40example.com&search.username=ann%40example.com"},
		{UserListOptions{Search: Search{Value: Contains("nn"), Fields: []string{"name"}, Extra: url.Values{"mode.name": {"like"}}}},
			"mode.name=like&page=1&page_size=100&search.name=%25nn%25"},
	} {
		for _, err := range c.Users.List(ctx, tc.o) {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := rec.last(t).Query.Encode(); got != tc.want {
			t.Errorf("%+v: sent %s, want %s", tc.o, got, tc.want)
		}
	}
	// The one-page call sends only what is set.
	if _, _, err := c.Users.ListPage(ctx, UserListOptions{Search: Search{Value: "x"}}); err != nil {
		t.Fatal(err)
	}
	if got := rec.last(t).Query.Encode(); got != "search=x" {
		t.Errorf("ListPage sent %s", got)
	}
}

// pagedAPI serves n items as Sesame does: page and page_size, Total-Number
// and Link headers (withLink), or only Total-Number.
func pagedAPI(n int, withLink, withTotal bool, calls *[]int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		size, _ := strconv.Atoi(r.URL.Query().Get("page_size"))
		if page == 0 {
			page = 1
		}
		if size == 0 {
			size = 20
		}
		*calls = append(*calls, page)
		last := max(1, (n+size-1)/size)
		if withTotal {
			w.Header().Set("Total-Number", strconv.Itoa(n))
		}
		if withLink {
			links := []string{fmt.Sprintf(`<https://public.example.com/api/roles?page=1&page_size=%d>; rel="first"`, size)}
			if page < last {
				links = append(links, fmt.Sprintf(`<https://public.example.com/api/roles?page=%d&page_size=%d>; rel="next"`, page+1, size))
			}
			links = append(links, fmt.Sprintf(`<https://public.example.com/api/roles?page=%d&page_size=%d>; rel="last"`, last, size))
			w.Header().Set("Link", strings.Join(links, ", "))
		}
		items := []Role{}
		for i := (page - 1) * size; i < min(page*size, n); i++ {
			items = append(items, Role{ID: strconv.Itoa(i)})
		}
		writeJSON(w, 200, items)
	}
}

func TestIterator(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name              string
		n, size, start    int
		link, total       bool
		wantIDs, wantReqs int
		wantPages         []int
	}{
		{"link", 7, 3, 0, true, true, 7, 3, []int{1, 2, 3}},
		{"link exact multiple", 6, 3, 0, true, true, 6, 2, []int{1, 2}},
		{"total only", 7, 3, 0, false, true, 7, 3, []int{1, 2, 3}},
		{"link only", 7, 3, 0, true, false, 7, 3, []int{1, 2, 3}},
		{"total exact multiple", 6, 3, 0, false, true, 6, 2, []int{1, 2}},
		{"from page 2", 7, 3, 2, true, true, 4, 2, []int{2, 3}},
		{"empty", 0, 3, 0, true, true, 0, 1, []int{1}},
		{"unpaged answer", 5, 3, 0, false, false, 5, 1, []int{1}}, // the server ignored paging: one answer
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls []int
			api := pagedAPI(tc.n, tc.link, tc.total, &calls)
			if !tc.link && !tc.total {
				api = func(w http.ResponseWriter, r *http.Request) {
					calls = append(calls, 1)
					writeJSON(w, 200, []Role{{ID: "0"}, {ID: "1"}, {ID: "2"}, {ID: "3"}, {ID: "4"}})
				}
			}
			c := newFake(t, api).client(t)
			var ids []string
			for r, err := range c.Roles.List(ctx, ListOptions{Page: tc.start, PageSize: tc.size}) {
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, r.ID)
			}
			if len(ids) != tc.wantIDs || fmt.Sprint(calls) != fmt.Sprint(tc.wantPages) {
				t.Fatalf("items %v from pages %v, want %d items from pages %v", ids, calls, tc.wantIDs, tc.wantPages)
			}
			if tc.start <= 1 {
				for i, id := range ids {
					if id != strconv.Itoa(i) {
						t.Fatalf("items %v out of order", ids)
					}
				}
			}
		})
	}
}

// Breaking out of the loop stops fetching; an error is yielded once and
// ends the loop.
func TestIteratorStopsAndFails(t *testing.T) {
	ctx := context.Background()
	var calls []int
	c := newFake(t, pagedAPI(50, true, true, &calls)).client(t)
	n := 0
	for _, err := range c.Roles.List(ctx, ListOptions{PageSize: 5}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 7 {
			break
		}
	}
	if fmt.Sprint(calls) != "[1 2]" {
		t.Fatalf("pages %v fetched for 7 items, want [1 2]", calls)
	}

	fails := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			writeJSON(w, 400, map[string]string{"code": "guard.invalid_pagination", "message": "no"})
			return
		}
		pagedAPI(10, true, true, new([]int))(w, r)
	}).client(t)
	var errs, items int
	for _, err := range fails.Roles.List(ctx, ListOptions{PageSize: 5}) {
		if err != nil {
			errs++
			if !errors.Is(err, ErrInvalidPagination) {
				t.Fatalf("err %v", err)
			}
			continue
		}
		items++
	}
	if errs != 1 || items != 5 {
		t.Fatalf("%d items and %d errors, want 5 and 1", items, errs)
	}
}

func TestListPageTotal(t *testing.T) {
	var calls []int
	c := newFake(t, pagedAPI(7, true, true, &calls)).client(t)
	rs, total, err := c.Roles.ListPage(context.Background(), ListOptions{Page: 3, PageSize: 3})
	if err != nil || len(rs) != 1 || total != 7 || rs[0].ID != "6" {
		t.Fatalf("%v, %d, %v", rs, total, err)
	}
}

func TestHasRel(t *testing.T) {
	for _, tc := range []struct {
		v    []string
		want bool
	}{
		{[]string{`<https://x/api/users?page=2>; rel="next"`}, true},
		{[]string{`<https://x/api/users?page=1>; rel="first", <https://x/api/users?page=3>; rel="last"`}, false},
		{[]string{`<https://x/a>; rel="first"`, `<https://x/b>;rel=next`}, true},
		{[]string{`<https://x/a?q=a,b>; title="x"; rel="prev next"`}, true},
		{[]string{`<https://x/next>; rel="nextish"`}, false},
	} {
		if got := hasRel(tc.v, "next"); got != tc.want {
			t.Errorf("hasRel(%q) = %v", tc.v, got)
		}
	}
}

func TestDo(t *testing.T) {
	rec, c := newRecorder(t)
	rec.answer = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Total-Number", "1")
		writeJSON(w, 200, []map[string]string{{"id": "o1", "name": "Acme"}})
	}
	var orgs []struct{ ID, Name string }
	h, err := c.Do(context.Background(), "GET", "/organizations", url.Values{"q": {"Acme"}}, nil, &orgs)
	if err != nil || len(orgs) != 1 || orgs[0].Name != "Acme" || h.Get("Total-Number") != "1" {
		t.Fatalf("%+v, %v, %v", orgs, h, err)
	}
	if got := rec.last(t); got.Path != "/api/organizations" || got.Query.Get("q") != "Acme" {
		t.Fatalf("sent %+v", got)
	}
	if _, err := c.Do(context.Background(), "GET", "organizations", nil, nil, nil); err == nil {
		t.Fatal("a relative path was accepted")
	}
}
