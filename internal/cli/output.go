package cli

// What the commands print: the --json shapes, tables and permission lists.

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
)

type appJSON struct {
	ID                     string   `json:"id"`
	Name                   string   `json:"name"`
	Type                   string   `json:"type"`
	Secret                 string   `json:"secret"`
	RedirectURIs           []string `json:"redirect_uris"`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris"`
	ThirdParty             bool     `json:"third_party"`
	// Permissions: M2M apps only, resource indicator → scopes: the union
	// of the app's roles. Roles: M2M apps only, the names of its roles.
	Permissions map[string][]string `json:"permissions,omitempty"`
	Roles       []string            `json:"roles,omitempty"`
	// CORSOrigins: allowed besides the redirect URIs' origins.
	CORSOrigins []string `json:"cors_origins"`
	CreatedAt   string   `json:"created_at"`
}

func toAppJSON(v directory.App, secret string) appJSON {
	c := v.Client
	j := appJSON{ID: c.ID, Name: c.Name, Type: string(c.Type), Secret: secret, RedirectURIs: nonNil(c.RedirectURIs),
		PostLogoutRedirectURIs: nonNil(c.PostLogoutRedirectURIs), ThirdParty: c.ThirdParty, CORSOrigins: nonNil(c.CORSOrigins),
		CreatedAt: c.CreatedAt.UTC().Format(time.RFC3339)}
	if c.Type == store.AppM2M {
		j.Permissions = permissionMap(v.Permissions)
		for _, r := range v.Roles {
			j.Roles = append(j.Roles, r.Name)
		}
	}
	return j
}

type userJSON struct {
	ID            string `json:"id"`
	Username      string `json:"username"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	Name          string `json:"name"`
	Suspended     bool   `json:"suspended"`
	CreatedAt     string `json:"created_at"`
}

type resourceJSON struct {
	ID             string   `json:"id"`
	Indicator      string   `json:"indicator"`
	Name           string   `json:"name"`
	Scopes         []string `json:"scopes"`
	AccessTokenTTL int64    `json:"access_token_ttl"`
}

type roleJSON struct {
	ID          string              `json:"id"`
	Name        string              `json:"name"`
	Description string              `json:"description"`
	Type        string              `json:"type"`
	Permissions map[string][]string `json:"permissions"` // resource indicator → scopes
	CreatedAt   string              `json:"created_at"`
	IsDefault   bool                `json:"is_default"`
}

func toRoleJSON(r store.Role) roleJSON {
	return roleJSON{ID: r.ID, Name: r.Name, Description: r.Description, Type: string(r.Type),
		Permissions: permissionMap(r.Permissions), CreatedAt: r.CreatedAt.UTC().Format(time.RFC3339), IsDefault: r.IsDefault}
}

// permissionMap groups (resource, scope) pairs by resource, the shape
// `--json` output has always used.
func permissionMap(ps []store.Permission) map[string][]string {
	m := map[string][]string{}
	for _, p := range ps {
		m[p.Resource] = append(m[p.Resource], p.Scope)
	}
	return m
}

// formatPermissions prints pairs as "RESOURCE=SCOPE,SCOPE RESOURCE=SCOPE".
func formatPermissions(ps []store.Permission) string {
	m := permissionMap(ps)
	var out []string
	for _, res := range slices.Sorted(maps.Keys(m)) {
		out = append(out, res+"="+strings.Join(m[res], ","))
	}
	return strings.Join(out, " ")
}

func printPermissions(env Env, perms []store.Permission) {
	m := permissionMap(perms)
	for _, r := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(env.Stdout, "  Permission: %s %s\n", r, strings.Join(m[r], " "))
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func ts(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// list is the shape every "… list" command shares: flags, open the store,
// print a table or (with --json) a JSON array.
func list[T any](ctx context.Context, env Env, args []string, name string, fetch func(store.Store, context.Context) ([]T, error),
	asJSONRow func(T) any, header string, row func(T) string) error {
	var cfg config.Config
	var asJSON bool
	fs := newFlags(env, name, name+" [--json]")
	cfg.StoreFlags(fs)
	fs.BoolVar(&asJSON, "json", false, "print a JSON array")
	return withStore(ctx, fs, &cfg, args, func(st store.Store) error {
		items, err := fetch(st, ctx)
		if err != nil {
			return err
		}
		if asJSON {
			out := make([]any, 0, len(items))
			for _, it := range items {
				out = append(out, asJSONRow(it))
			}
			return writeJSON(env.Stdout, out)
		}
		return printTable(env.Stdout, header, items, row)
	})
}

// printTable writes header and a row for each item as aligned columns.
func printTable[T any](w io.Writer, header string, items []T, row func(T) string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, it := range items {
		fmt.Fprintln(tw, row(it))
	}
	return tw.Flush()
}
