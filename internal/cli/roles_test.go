package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore"
)

// cliDir runs commands against one data directory.
type cliDir struct {
	t   *testing.T
	dir string
}

func (d cliDir) ok(args ...string) string {
	d.t.Helper()
	code, out, errs := run(d.t, append(args, "--data", d.dir)...)
	if code != 0 {
		d.t.Fatalf("%v: exit %d: %s", args, code, errs)
	}
	return out
}

// fails wants exit 2 and one line on stderr containing want.
func (d cliDir) fails(want string, args ...string) {
	d.t.Helper()
	code, _, errs := run(d.t, append(args, "--data", d.dir)...)
	if code != 2 || !strings.Contains(errs, want) || strings.Count(strings.TrimRight(errs, "\n"), "\n") != 0 {
		d.t.Errorf("%v: exit %d, stderr %q; want 2 and one line with %q", args, code, errs, want)
	}
}

func (d cliDir) json(v any, args ...string) {
	d.t.Helper()
	if err := json.Unmarshal([]byte(d.ok(append(args, "--json")...)), v); err != nil {
		d.t.Fatalf("%v: %v", args, err)
	}
}

// permissions reads what the store gives a user or an app.
func (d cliDir) permissions(user bool, id string) string {
	d.t.Helper()
	st, err := sqlstore.Open(context.Background(), sqlstore.Options{DataDir: d.dir})
	if err != nil {
		d.t.Fatal(err)
	}
	defer st.Close()
	var ps []store.Permission
	if user {
		ps, err = st.UserPermissions(context.Background(), id)
	} else {
		ps, err = st.ClientPermissions(context.Background(), id)
	}
	if err != nil {
		d.t.Fatal(err)
	}
	return formatPermissions(ps)
}

// TestRolesCommands: roles are created, listed, changed and deleted; a
// permission must name a registered resource and a scope it defines; bad
// input is one line, exit 2, and writes nothing (docs/security.md, item
// 8.1).
func TestRolesCommands(t *testing.T) {
	d := cliDir{t, t.TempDir()}
	d.ok("resources", "create", "--indicator", "https://api.example", "--name", "API", "--scope", "read", "--scope", "write")
	d.ok("resources", "create", "--indicator", "https://billing.example", "--name", "Billing", "--scope", "charge", "--scope", "refund")

	var editor map[string]any
	d.json(&editor, "roles", "create", "--name", "Editor", "--type", "user", "--description", "Edits things",
		"--permission", "https://api.example=write,read", "--permission", "https://billing.example=charge")
	if editor["name"] != "Editor" || editor["type"] != "user" || editor["description"] != "Edits things" ||
		fmt.Sprint(editor["permissions"]) != "map[https://api.example:[read write] https://billing.example:[charge]]" {
		t.Fatalf("roles create: %v", editor)
	}
	if out := d.ok("roles", "create", "--name", "Nightly job", "--type", "M2M"); !strings.Contains(out, `m2m role "Nightly job"`) {
		t.Errorf("roles create m2m said %q", out)
	}

	d.fails("already exists", "roles", "create", "--name", "Editor", "--type", "m2m")
	d.fails("--name must be 1 to 128", "roles", "create", "--name", " ", "--type", "user")
	d.fails("--name must be 1 to 128", "roles", "create", "--name", strings.Repeat("é", 129), "--type", "user")
	d.fails("printable", "roles", "create", "--name", "bad\x1bname", "--type", "user")
	d.fails("--type must be user or m2m", "roles", "create", "--name", "x", "--type", "admin")
	d.fails("no API resource", "roles", "create", "--name", "x", "--type", "user", "--permission", "https://nope.example=read")
	d.fails("defines no scope", "roles", "create", "--name", "x", "--type", "user", "--permission", "https://api.example=admin")
	d.fails("want RESOURCE=SCOPE", "roles", "create", "--name", "x", "--type", "user", "--permission", "https://api.example")
	d.fails("usage", "roles", "create", "--name", "x", "--type", "user", "extra")
	// 128 characters is fine.
	d.ok("roles", "create", "--name", strings.Repeat("é", 128), "--type", "user")

	var list []map[string]any
	d.json(&list, "roles", "list")
	if len(list) != 3 || list[0]["name"] != "Editor" || list[1]["name"] != "Nightly job" {
		t.Fatalf("roles list (refused creates must write nothing): %v", list)
	}
	if out := d.ok("roles", "list"); !strings.Contains(out, "https://api.example=read,write https://billing.example=charge") {
		t.Errorf("roles list table: %s", out)
	}

	// permit adds; revoke takes away one scope, or a whole resource.
	d.ok("roles", "permit", "Nightly job", "https://billing.example=refund", "https://api.example=read")
	d.fails("defines no scope", "roles", "permit", "Nightly job", "https://billing.example=void")
	d.fails("no role", "roles", "permit", "nope", "https://billing.example=refund")
	d.fails("usage", "roles", "permit", "Nightly job")
	d.ok("roles", "revoke", editor["id"].(string), "https://api.example=write")
	d.fails("holds no permission", "roles", "revoke", "Editor", "https://api.example=write")
	d.ok("roles", "revoke", "Editor", "https://billing.example")
	d.json(&list, "roles", "list")
	if got := fmt.Sprint(list[0]["permissions"], list[1]["permissions"]); got != "map[https://api.example:[read]] map[https://api.example:[read] https://billing.example:[refund]]" {
		t.Errorf("after permit and revoke: %s", got)
	}

	d.ok("roles", "delete", "Nightly job")
	d.fails("no role", "roles", "delete", "Nightly job")
	d.json(&list, "roles", "list")
	if len(list) != 2 {
		t.Errorf("roles list after delete: %v", list)
	}
}

// TestRoleAssignments: user roles go to users and m2m roles to m2m apps;
// what the store then gives each is exactly the union of its roles
// (docs/security.md, item 8.1).
func TestRoleAssignments(t *testing.T) {
	d := cliDir{t, t.TempDir()}
	d.ok("resources", "create", "--indicator", "https://api.example", "--name", "API", "--scope", "read", "--scope", "write")
	d.ok("roles", "create", "--name", "reader", "--type", "user", "--permission", "https://api.example=read")
	d.ok("roles", "create", "--name", "writer", "--type", "user", "--permission", "https://api.example=write,read")
	d.ok("roles", "create", "--name", "job", "--type", "m2m", "--permission", "https://api.example=write")
	var u map[string]any
	d.json(&u, "users", "create", "--username", "alice", "--password", "correct horse")
	uid := u["id"].(string)

	if got := d.permissions(true, uid); got != "" {
		t.Fatalf("a user without roles holds %q", got)
	}
	d.ok("users", "assign-role", "alice", "reader")
	d.ok("users", "assign-role", "alice", "reader") // idempotent
	d.ok("users", "assign-role", uid, "writer")
	if got := d.permissions(true, uid); got != "https://api.example=read,write" {
		t.Errorf("user permissions %q", got)
	}
	d.fails("m2m role", "users", "assign-role", "alice", "job")
	d.fails("no user", "users", "assign-role", "nobody", "reader")
	d.fails("no role", "users", "assign-role", "alice", "nope")
	d.fails("usage", "users", "assign-role", "alice")
	d.ok("users", "unassign-role", "alice", "writer")
	d.fails("does not hold", "users", "unassign-role", "alice", "writer")
	if got := d.permissions(true, uid); got != "https://api.example=read" {
		t.Errorf("user permissions after unassign %q", got)
	}

	var app, spa map[string]any
	d.json(&app, "apps", "create", "--name", "batch", "--type", "m2m")
	d.json(&spa, "apps", "create", "--name", "web", "--type", "spa", "--redirect-uri", "https://a.example/cb")
	id := app["id"].(string)
	if got := d.permissions(false, id); got != "" {
		t.Fatalf("an m2m app without roles holds %q", got)
	}
	d.ok("apps", "assign-role", id, "job")
	d.ok("apps", "assign-role", id, "job") // idempotent
	d.fails("user role", "apps", "assign-role", id, "reader")
	d.fails("roles are for m2m apps", "apps", "assign-role", spa["id"].(string), "job")
	d.fails("no app", "apps", "assign-role", "nope", "job")
	d.ok("apps", "permit", id, "https://api.example=read")
	var list []map[string]any
	d.json(&list, "apps", "list")
	if fmt.Sprint(list[0]["permissions"], list[0]["roles"]) != "map[https://api.example:[read write]] [app:"+id+" job]" {
		t.Errorf("apps list: %v", list[0])
	}
	if _, ok := list[1]["roles"]; ok {
		t.Errorf("a spa app lists roles: %v", list[1])
	}
	d.ok("apps", "unassign-role", id, "job")
	d.fails("does not hold", "apps", "unassign-role", id, "job")
	if got := d.permissions(false, id); got != "https://api.example=read" {
		t.Errorf("app permissions after unassign %q", got)
	}
}

// TestAppOwnRole: `apps create --permission` and `apps permit` keep
// working as the README shows; the permissions live in the app's own role
// "app:<id>", which `apps delete` removes with the app.
func TestAppOwnRole(t *testing.T) {
	d := cliDir{t, t.TempDir()}
	d.ok("resources", "create", "--indicator", "https://api.example", "--name", "API", "--scope", "read", "--scope", "write")
	var app map[string]any
	d.json(&app, "apps", "create", "--name", "job", "--type", "m2m", "--permission", "https://api.example=read")
	id := app["id"].(string)
	if fmt.Sprint(app["roles"]) != "[app:"+id+"]" || d.permissions(false, id) != "https://api.example=read" {
		t.Fatalf("apps create: %v, store gives %q", app, d.permissions(false, id))
	}
	// The own role is a role like any other, and permit recreates it.
	d.ok("roles", "delete", "app:"+id)
	if got := d.permissions(false, id); got != "" {
		t.Fatalf("after deleting the app's role it holds %q", got)
	}
	d.ok("apps", "permit", id, "https://api.example=write")
	if got := d.permissions(false, id); got != "https://api.example=write" {
		t.Errorf("permit after the role was deleted: %q", got)
	}
	d.ok("apps", "delete", id)
	var roles []map[string]any
	d.json(&roles, "roles", "list")
	if len(roles) != 0 {
		t.Errorf("the app's role outlived the app: %v", roles)
	}
	// A refused create leaves no app and no role.
	d.fails("defines no scope", "apps", "create", "--name", "job", "--type", "m2m", "--permission", "https://api.example=read", "--permission", "https://api.example=admin")
	var apps []map[string]any
	d.json(&apps, "apps", "list")
	d.json(&roles, "roles", "list")
	if len(apps) != 0 || len(roles) != 0 {
		t.Errorf("a refused create wrote %v %v", apps, roles)
	}
}

// TestDefaultRoles: a default user role goes to every user created after
// it (by `users create` here), in the same write; `roles update` switches
// it off; `resources delete` takes a resource's scopes from every role.
func TestDefaultRoles(t *testing.T) {
	d := cliDir{t, t.TempDir()}
	var res map[string]any
	d.json(&res, "resources", "create", "--indicator", "https://api.example", "--name", "API", "--scope", "read")
	var member map[string]any
	d.json(&member, "roles", "create", "--name", "member", "--type", "user", "--default", "--permission", "https://api.example=read")
	if member["is_default"] != true {
		t.Fatalf("roles create --default: %v", member)
	}
	d.fails("only user roles can be default roles", "roles", "create", "--name", "job", "--type", "m2m", "--default")
	var u map[string]any
	d.json(&u, "users", "create", "--username", "alice", "--password", "long enough password")
	if got := d.permissions(true, u["id"].(string)); got != "https://api.example=read" {
		t.Fatalf("a new user's permissions: %q", got)
	}

	var upd map[string]any
	d.json(&upd, "roles", "update", "member", "--default=false", "--description", "Everyone")
	if upd["is_default"] != false || upd["description"] != "Everyone" || upd["name"] != "member" {
		t.Fatalf("roles update: %v", upd)
	}
	d.json(&u, "users", "create", "--username", "bob", "--password", "long enough password")
	if got := d.permissions(true, u["id"].(string)); got != "" {
		t.Fatalf("a user created after --default=false: %q", got)
	}
	d.fails("no role", "roles", "update", "nope", "--name", "x")
	d.fails("--name must be 1 to 128", "roles", "update", "member", "--name", " ")

	d.ok("resources", "delete", res["id"].(string))
	d.fails("no API resource with id", "resources", "delete", res["id"].(string))
	var list []map[string]any
	d.json(&list, "roles", "list")
	if len(list) != 1 || fmt.Sprint(list[0]["permissions"]) != "map[]" {
		t.Fatalf("roles after resources delete: %v", list)
	}
}
