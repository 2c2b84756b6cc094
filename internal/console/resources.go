package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

// ResourceRow is one line of the API resources list.
type ResourceRow struct {
	ID, Name, Indicator string
	TTL                 int64 // access token lifetime in seconds
	Scopes              int
	Protected           bool
}

// ResourcesPage lists the API resources.
type ResourcesPage struct {
	ui.Base
	Nav
	Resources []ResourceRow
}

func (*ResourcesPage) Template() string { return "console/resources" }

// NewResourcePage registers an API resource.
type NewResourcePage struct {
	ui.Base
	Nav
	Indicator, Name, TTL string
	Errors               map[string]ui.Msg
}

func (*NewResourcePage) Template() string { return "console/resource_new" }

// ResourcePage is an API resource's details and permissions.
type ResourcePage struct {
	ui.Base
	Nav
	Resource  store.Resource
	Protected bool // seeded: cannot be renamed or deleted
	Name, TTL string
	Scopes    []store.ResourceScope
	ScopeName string // the add-a-permission form
	ScopeDesc string
	Errors    map[string]ui.Msg
	Error     ui.Msg
	Message   ui.Msg
}

func (*ResourcePage) Template() string { return "console/resource" }

// defaultTTL is the lifetime a new resource's form suggests, Logto's.
const defaultTTL = "3600"

// fieldOf names the form field a directory error is about, from the CLI
// flag its message starts with ("--name …"), or def.
func fieldOf(err error, fields map[string]string, def string) string {
	var de *directory.Error
	if errors.As(err, &de) {
		if rest, ok := strings.CutPrefix(de.Message, "--"); ok {
			flag, _, _ := strings.Cut(rest, " ")
			if f, ok := fields[flag]; ok {
				return f
			}
		}
	}
	return def
}

var resourceFields = map[string]string{"indicator": "indicator", "name": "name", "access-token-ttl": "ttl", "scope": "scope_name"}

// seconds parses a lifetime typed in seconds; the range is the domain's.
func seconds(s string) (time.Duration, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 || n > 1<<31 {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

var badTTL = ui.M("console.resource.bad_ttl")

func (h *Handler) resourcesPage(w http.ResponseWriter, r *http.Request, rq *request) {
	rs, err := h.Resources.List(r.Context())
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p := &ResourcesPage{Base: ui.Base{Title: h.t(r, "console.resources.title")}, Nav: h.nav(rq, "resources")}
	for _, x := range rs {
		p.Resources = append(p.Resources, ResourceRow{ID: x.ID, Name: x.Name, Indicator: x.Indicator,
			TTL: int64(x.AccessTokenTTL / time.Second), Scopes: len(x.Scopes), Protected: directory.CheckResourceChange(x.ID) != nil})
	}
	h.render(w, r, http.StatusOK, p)
}

func (h *Handler) newResourcePage(w http.ResponseWriter, r *http.Request, rq *request) {
	h.render(w, r, http.StatusOK, &NewResourcePage{Base: ui.Base{Title: h.t(r, "console.resource_new.title")}, Nav: h.nav(rq, "resources"), TTL: defaultTTL})
}

func (h *Handler) createResource(w http.ResponseWriter, r *http.Request, rq *request) {
	f := r.PostForm
	p := &NewResourcePage{Base: ui.Base{Title: h.t(r, "console.resource_new.title")}, Nav: h.nav(rq, "resources"),
		Indicator: f.Get("indicator"), Name: f.Get("name"), TTL: f.Get("ttl")}
	ttl, ok := seconds(p.TTL)
	if !ok {
		p.Errors = map[string]ui.Msg{"ttl": badTTL}
		h.render(w, r, http.StatusBadRequest, p)
		return
	}
	x, err := h.Resources.Create(r.Context(), directory.NewResource{Indicator: strings.TrimSpace(p.Indicator), Name: p.Name, AccessTokenTTL: ttl})
	if directory.IsBadInput(err) {
		p.Errors = map[string]ui.Msg{fieldOf(err, resourceFields, "indicator"): refused(err)}
		h.render(w, r, http.StatusBadRequest, p)
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "Resource", "Create", x.ID, nil, resourceDoc(x)) {
		return
	}
	h.seeOther(w, r, "/resources/"+url.PathEscape(x.ID)+"?done=created")
}

// loadResource finds the resource named in the path; on failure it has
// answered.
func (h *Handler) loadResource(w http.ResponseWriter, r *http.Request) (store.Resource, bool) {
	x, err := h.Resources.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, directory.ErrResourceNotFound) {
		h.errorPage(w, r, http.StatusNotFound, "console.error.no_resource", "console.error.no_resource.message")
		return store.Resource{}, false
	}
	if err != nil {
		h.failure(w, r, err)
		return store.Resource{}, false
	}
	return x, true
}

var resourceMessages = map[string]ui.Msg{
	"created": ui.M("console.resource.done.created"),
	"saved":   ui.M("console.saved"),
	"scope":   ui.M("console.resource.done.scope"),
	"scoped":  ui.M("console.resource.done.scoped"),
	"deleted": ui.M("console.resource.done.deleted"),
}

// resourceView renders the resource's page; status other than 200 shows
// an error.
func (h *Handler) resourceView(w http.ResponseWriter, r *http.Request, rq *request, x store.Resource, status int, fill func(*ResourcePage)) {
	scopes, err := h.Resources.Scopes(r.Context(), x.ID)
	if err != nil {
		h.failure(w, r, err)
		return
	}
	p := &ResourcePage{Base: ui.Base{Title: x.Name}, Nav: h.nav(rq, "resources"), Resource: x,
		Protected: directory.CheckResourceChange(x.ID) != nil, Name: x.Name,
		TTL: strconv.FormatInt(int64(x.AccessTokenTTL/time.Second), 10), Scopes: scopes,
		Message: resourceMessages[r.URL.Query().Get("done")]}
	if fill != nil {
		fill(p)
	}
	h.render(w, r, status, p)
}

func (h *Handler) resourcePage(w http.ResponseWriter, r *http.Request, rq *request) {
	if x, ok := h.loadResource(w, r); ok {
		h.resourceView(w, r, rq, x, http.StatusOK, nil)
	}
}

func (h *Handler) updateResource(w http.ResponseWriter, r *http.Request, rq *request) {
	x, ok := h.loadResource(w, r)
	if !ok {
		return
	}
	name, rawTTL := r.PostFormValue("name"), r.PostFormValue("ttl")
	bad := func(field string, msg ui.Msg) {
		h.resourceView(w, r, rq, x, http.StatusBadRequest, func(p *ResourcePage) {
			p.Name, p.TTL, p.Errors = name, rawTTL, map[string]ui.Msg{field: msg}
		})
	}
	ttl, ok := seconds(rawTTL)
	if !ok {
		bad("ttl", badTTL)
		return
	}
	u := directory.ResourceUpdate{AccessTokenTTL: &ttl}
	if name != x.Name { // a seeded resource keeps its name but its lifetime can change
		u.Name = &name
	}
	after, err := h.Resources.Update(r.Context(), x.ID, u)
	if directory.IsBadInput(err) {
		bad(fieldOf(err, resourceFields, "name"), refused(err))
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "Resource", "Update", x.ID, resourceDoc(x), resourceDoc(after)) {
		return
	}
	h.seeOther(w, r, "/resources/"+url.PathEscape(x.ID)+"?done=saved")
}

func (h *Handler) deleteResource(w http.ResponseWriter, r *http.Request, rq *request) {
	x, ok := h.loadResource(w, r)
	if !ok {
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		h.resourceView(w, r, rq, x, http.StatusBadRequest, func(p *ResourcePage) { p.Error = ui.M("console.confirm_tick") })
		return
	}
	err := h.Resources.Delete(r.Context(), x.ID)
	if directory.IsBadInput(err) {
		h.resourceView(w, r, rq, x, http.StatusBadRequest, func(p *ResourcePage) { p.Error = refused(err) })
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "Resource", "Delete", x.ID, resourceDoc(x), nil) {
		return
	}
	h.seeOther(w, r, "/resources")
}

func (h *Handler) createScope(w http.ResponseWriter, r *http.Request, rq *request) {
	x, ok := h.loadResource(w, r)
	if !ok {
		return
	}
	name, desc := strings.TrimSpace(r.PostFormValue("scope_name")), r.PostFormValue("scope_description")
	sc, err := h.Resources.CreateScope(r.Context(), x.ID, name, desc)
	if directory.IsBadInput(err) {
		h.resourceView(w, r, rq, x, http.StatusBadRequest, func(p *ResourcePage) {
			p.ScopeName, p.ScopeDesc = name, desc
			p.Errors = map[string]ui.Msg{fieldOf(err, map[string]string{"scope": "scope_name"}, "scope_description"): refused(err)}
			if errors.Is(err, directory.ErrScopeExists) {
				p.Errors = map[string]ui.Msg{"scope_name": refused(err)}
			}
		})
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "Resource", "CreateScope", x.ID, nil, scopeDoc(sc)) {
		return
	}
	h.seeOther(w, r, "/resources/"+url.PathEscape(x.ID)+"?done=scope")
}

// scopeOf finds the scope named in the path among x's.
func (h *Handler) scopeOf(w http.ResponseWriter, r *http.Request, rq *request, x store.Resource) (store.ResourceScope, bool) {
	scopes, err := h.Resources.Scopes(r.Context(), x.ID)
	if err != nil {
		h.failure(w, r, err)
		return store.ResourceScope{}, false
	}
	for _, sc := range scopes {
		if sc.ID == r.PathValue("scope") {
			return sc, true
		}
	}
	h.errorPage(w, r, http.StatusNotFound, "console.error.no_scope", "console.error.no_scope.message")
	return store.ResourceScope{}, false
}

func (h *Handler) updateScope(w http.ResponseWriter, r *http.Request, rq *request) {
	x, ok := h.loadResource(w, r)
	if !ok {
		return
	}
	before, ok := h.scopeOf(w, r, rq, x)
	if !ok {
		return
	}
	desc := r.PostFormValue("description")
	sc, err := h.Resources.UpdateScope(r.Context(), x.ID, before.ID, desc)
	if directory.IsBadInput(err) {
		h.resourceView(w, r, rq, x, http.StatusBadRequest, func(p *ResourcePage) {
			p.Errors = map[string]ui.Msg{"scope-" + before.ID: refused(err)}
		})
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "Resource", "UpdateScope", x.ID, scopeDoc(before), scopeDoc(sc)) {
		return
	}
	h.seeOther(w, r, "/resources/"+url.PathEscape(x.ID)+"?done=scoped")
}

func (h *Handler) deleteScope(w http.ResponseWriter, r *http.Request, rq *request) {
	x, ok := h.loadResource(w, r)
	if !ok {
		return
	}
	sc, ok := h.scopeOf(w, r, rq, x)
	if !ok {
		return
	}
	err := h.Resources.DeleteScope(r.Context(), x.ID, sc.ID)
	if directory.IsBadInput(err) {
		h.resourceView(w, r, rq, x, http.StatusBadRequest, func(p *ResourcePage) { p.Error = refused(err) })
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "Resource", "DeleteScope", x.ID, scopeDoc(sc), nil) {
		return
	}
	h.seeOther(w, r, "/resources/"+url.PathEscape(x.ID)+"?done=deleted")
}
