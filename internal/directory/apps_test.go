package directory_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore/sqlitetest"
)

func ptr[T any](v T) *T { return &v }

// wantField checks err is bad input of code target naming field.
func wantField(t *testing.T, what string, err error, target error, field string) {
	t.Helper()
	var e *directory.Error
	if !errors.Is(err, target) || !errors.As(err, &e) || e.Field != field || e.Message == "" {
		t.Fatalf("%s: got %#v, want %v on field %q", what, err, target, field)
	}
}

// TestAppUpdateValidation: every field of an update is checked, each error
// names its field, and a refused update writes nothing.
func TestAppUpdateValidation(t *testing.T) {
	st := sqlitetest.Open(t)
	d := directory.Apps{Store: st}
	ctx := t.Context()
	web, _, err := d.Create(ctx, directory.NewApp{Name: "Web", Type: store.AppTraditional, RedirectURIs: []string{"https://a.example/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	job, _, err := d.Create(ctx, directory.NewApp{Name: "Job", Type: store.AppM2M})
	if err != nil {
		t.Fatal(err)
	}
	id := web.Client.ID
	big := `{"k":"` + strings.Repeat("x", 4100) + `"}`
	for _, tc := range []struct {
		name   string
		id     string
		u      directory.AppUpdate
		target error
		field  string
	}{
		{"empty name", id, directory.AppUpdate{Name: ptr("  ")}, directory.ErrAppName, directory.FieldName},
		{"long name", id, directory.AppUpdate{Name: ptr(strings.Repeat("n", 257))}, directory.ErrAppName, directory.FieldName},
		{"long description", id, directory.AppUpdate{Description: ptr(strings.Repeat("d", 2049))}, directory.ErrAppInvalid, directory.FieldDescription},
		{"bad redirect", id, directory.AppUpdate{RedirectURIs: &[]string{"http://evil.example/cb"}}, directory.ErrAppRedirectURI, directory.FieldRedirectURIs},
		{"fragment in post-logout", id, directory.AppUpdate{PostLogoutRedirectURIs: &[]string{"https://a.example/#x"}}, directory.ErrAppRedirectURI, directory.FieldPostLogoutRedirectURIs},
		{"m2m redirect", job.Client.ID, directory.AppUpdate{RedirectURIs: &[]string{"https://a.example/cb"}}, directory.ErrAppType, directory.FieldRedirectURIs},
		{"bad origin", id, directory.AppUpdate{CORSOrigins: &[]string{"https://a.example/path"}}, directory.ErrAppCORSOrigin, directory.FieldCORSOrigins},
		{"id token ttl low", id, directory.AppUpdate{IDTokenTTL: ptr(59)}, directory.ErrAppInvalid, directory.FieldIDTokenTTL},
		{"id token ttl high", id, directory.AppUpdate{IDTokenTTL: ptr(86401)}, directory.ErrAppInvalid, directory.FieldIDTokenTTL},
		{"refresh days 181", id, directory.AppUpdate{RefreshTokenTTLInDays: ptr(181)}, directory.ErrAppInvalid, directory.FieldRefreshTokenTTLInDays},
		{"refresh days negative", id, directory.AppUpdate{RefreshTokenTTLInDays: ptr(-1)}, directory.ErrAppInvalid, directory.FieldRefreshTokenTTLInDays},
		{"reuse interval negative", id, directory.AppUpdate{RefreshTokenReuseInterval: ptr(-1)}, directory.ErrAppInvalid, directory.FieldRefreshReuseInterval},
		{"reuse interval over an hour", id, directory.AppUpdate{RefreshTokenReuseInterval: ptr(3601)}, directory.ErrAppInvalid, directory.FieldRefreshReuseInterval},
		{"custom data array", id, directory.AppUpdate{CustomData: json.RawMessage(`[1]`)}, directory.ErrAppInvalid, directory.FieldCustomData},
		{"custom data broken", id, directory.AppUpdate{CustomData: json.RawMessage(`{"a":`)}, directory.ErrAppInvalid, directory.FieldCustomData},
		{"custom data too big", id, directory.AppUpdate{CustomData: json.RawMessage(big)}, directory.ErrAppInvalid, directory.FieldCustomData},
		{"back-channel logout uri over http", id, directory.AppUpdate{BackChannelLogoutURI: ptr("http://a.example/logout")}, directory.ErrAppInvalid, directory.FieldBackChannelLogoutURI},
		{"m2m back-channel logout uri", job.Client.ID, directory.AppUpdate{BackChannelLogoutURI: ptr("https://a.example/logout")}, directory.ErrAppType, directory.FieldBackChannelLogoutURI},
	} {
		// A valid change alongside must not be written either.
		tc.u.Description = cmpOr(tc.u.Description, ptr("changed"))
		_, err := d.Update(ctx, tc.id, tc.u)
		wantField(t, tc.name, err, tc.target, tc.field)
	}
	got, err := d.Get(ctx, id)
	if err != nil || got.Description != "" || got.Name != "Web" {
		t.Fatalf("a refused update wrote: %+v %v", got, err)
	}
	_, err = d.Update(ctx, "nope", directory.AppUpdate{Name: ptr("x")})
	if !errors.Is(err, directory.ErrAppNotFound) {
		t.Fatalf("update of a missing app: %v", err)
	}

	c, err := d.Update(ctx, id, directory.AppUpdate{Name: ptr(" Web 2 "), Description: ptr("desc"),
		RedirectURIs: &[]string{"https://b.example/cb"}, CORSOrigins: &[]string{"HTTPS://C.example:443"},
		IDTokenTTL: ptr(600), RefreshTokenTTLInDays: ptr(180), RotateRefreshToken: ptr(false),
		AlwaysIssueRefreshToken: ptr(true), RefreshTokenReuseInterval: ptr(30), CustomData: json.RawMessage(`{ "tier" : "gold" }`)})
	if err != nil {
		t.Fatal(err)
	}
	want := store.Client{ID: id, Name: "Web 2", Type: store.AppTraditional, Description: "desc",
		RedirectURIs: []string{"https://b.example/cb"}, CORSOrigins: []string{"https://c.example"},
		IDTokenTTL: 10 * time.Minute, RefreshTokenTTL: 180 * 24 * time.Hour, NoRefreshRotation: true,
		AlwaysIssueRefreshToken: true, RefreshReuseInterval: 30 * time.Second, CustomData: json.RawMessage(`{"tier":"gold"}`), CreatedAt: web.Client.CreatedAt}
	got, err = d.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got.Secrets = nil
	for _, v := range []store.Client{c, got} {
		if b1, b2 := jsonOf(v), jsonOf(want); b1 != b2 {
			t.Errorf("updated app\n got %s\nwant %s", b1, b2)
		}
	}
	// 0 restores the defaults; {} clears the custom data.
	c, err = d.Update(ctx, id, directory.AppUpdate{IDTokenTTL: ptr(0), RefreshTokenTTLInDays: ptr(0), CustomData: json.RawMessage(`{}`)})
	if err != nil || c.IDTokenTTL != 0 || c.RefreshTokenTTL != 0 || c.CustomData != nil || c.Name != "Web 2" {
		t.Fatalf("reset: %+v %v", c, err)
	}
}

func cmpOr(a, b *string) *string {
	if a != nil {
		return a
	}
	return b
}

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestAppSecrets: named secrets are added (32 characters, shown once),
// listed without hashes and deleted; names and expiries are checked.
func TestAppSecrets(t *testing.T) {
	st := sqlitetest.Open(t)
	now := time.Now().UTC().Truncate(time.Second)
	d := directory.Apps{Store: st, Now: func() time.Time { return now }}
	ctx := t.Context()
	job, _, err := d.Create(ctx, directory.NewApp{Name: "Job", Type: store.AppM2M})
	if err != nil {
		t.Fatal(err)
	}
	spa, _, err := d.Create(ctx, directory.NewApp{Name: "SPA", Type: store.AppSPA, RedirectURIs: []string{"https://a.example/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	c := job.Client
	secret, meta, err := d.AddSecret(ctx, c, "ci", now.Add(time.Hour))
	if err != nil || len(secret) != 32 || strings.Trim(secret, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" ||
		meta.Name != "ci" || meta.Hash != nil || !meta.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("AddSecret: %q %+v %v", secret, meta, err)
	}
	_, _, err = d.AddSecret(ctx, c, "ci", time.Time{})
	wantField(t, "same name", err, directory.ErrSecretExists, directory.FieldSecretName)
	_, _, err = d.AddSecret(ctx, c, "", time.Time{})
	wantField(t, "empty name", err, directory.ErrSecretInvalid, directory.FieldSecretName)
	_, _, err = d.AddSecret(ctx, c, strings.Repeat("s", 257), time.Time{})
	wantField(t, "long name", err, directory.ErrSecretInvalid, directory.FieldSecretName)
	_, _, err = d.AddSecret(ctx, c, "past", now.Add(-time.Second))
	wantField(t, "past expiry", err, directory.ErrSecretInvalid, directory.FieldSecretExpiresAt)
	if _, _, err = d.AddSecret(ctx, spa.Client, "x", time.Time{}); !errors.Is(err, directory.ErrAppNoSecret) {
		t.Fatalf("secret for a public app: %v", err)
	}
	list, err := d.Secrets(ctx, c.ID)
	// Same creation time: by name.
	if err != nil || len(list) != 2 || list[0].Name != "ci" || list[1].Name != store.SecretDefault || list[0].Hash != nil || list[1].Hash != nil {
		t.Fatalf("Secrets: %+v %v", list, err)
	}
	if _, err := d.Secrets(ctx, "nope"); !errors.Is(err, directory.ErrAppNotFound) {
		t.Fatalf("Secrets of a missing app: %v", err)
	}
	if err := d.DeleteSecret(ctx, c.ID, "ci"); err != nil {
		t.Fatal(err)
	}
	wantField(t, "delete twice", d.DeleteSecret(ctx, c.ID, "ci"), directory.ErrSecretNotFound, directory.FieldSecretName)
	if err := d.DeleteSecret(ctx, "nope", "ci"); !errors.Is(err, directory.ErrAppNotFound) {
		t.Fatalf("DeleteSecret of a missing app: %v", err)
	}
}

// TestBackChannelLogoutURI: the rule on an app's backchannel_logout_uri,
// the same on create and update: empty is none; otherwise an absolute
// https URL (http only on loopback, as redirect URIs) with a host, no
// fragment, no user information, at most 2048 bytes; never on an m2m app.
// The session-required flag is stored with or without a URI.
func TestBackChannelLogoutURI(t *testing.T) {
	long := "https://a.example/" + strings.Repeat("p", directory.MaxBackChannelLogoutURI-len("https://a.example/"))
	for _, tc := range []struct {
		typ    store.AppType
		uri    string
		target error // nil: accepted
	}{
		{store.AppTraditional, "", nil},
		{store.AppM2M, "", nil},
		{store.AppTraditional, "https://rp.example/logout", nil},
		{store.AppSPA, "https://rp.example:8443/bc/logout?tenant=a", nil},
		{store.AppNative, "https://rp.example/logout", nil},
		{store.AppTraditional, "http://localhost:3000/logout", nil},
		{store.AppTraditional, "http://127.0.0.1:3000/logout", nil},
		{store.AppTraditional, "http://[::1]:3000/logout", nil},
		{store.AppTraditional, long, nil},
		{store.AppTraditional, long + "p", directory.ErrAppInvalid},
		{store.AppTraditional, "http://rp.example/logout", directory.ErrAppInvalid},
		{store.AppTraditional, "http://127.0.0.2/logout", directory.ErrAppInvalid},
		{store.AppTraditional, "http://localhost.evil.example/logout", directory.ErrAppInvalid},
		{store.AppTraditional, "https://rp.example/logout#frag", directory.ErrAppInvalid},
		{store.AppTraditional, "https://rp.example/logout#", directory.ErrAppInvalid},
		{store.AppTraditional, "https://user:pw@rp.example/logout", directory.ErrAppInvalid},
		{store.AppTraditional, "https:///logout", directory.ErrAppInvalid},
		{store.AppTraditional, "https://:443/logout", directory.ErrAppInvalid},
		{store.AppTraditional, "/logout", directory.ErrAppInvalid},
		{store.AppTraditional, "rp.example/logout", directory.ErrAppInvalid},
		{store.AppTraditional, "ftp://rp.example/logout", directory.ErrAppInvalid},
		{store.AppNative, "com.example.app:/logout", directory.ErrAppInvalid},
		{store.AppTraditional, "javascript:alert(1)", directory.ErrAppInvalid},
		{store.AppTraditional, "https://rp.example/log out", directory.ErrAppInvalid},
		{store.AppTraditional, "https://rp.example\\@evil.example/", directory.ErrAppInvalid},
		{store.AppM2M, "https://rp.example/logout", directory.ErrAppType},
	} {
		what := string(tc.typ) + " " + tc.uri
		if len(what) > 80 {
			what = what[:80] + "…"
		}
		err := directory.CheckBackChannelLogoutURI(tc.typ, tc.uri)
		if tc.target == nil {
			if err != nil {
				t.Errorf("%s: refused: %v", what, err)
			}
		} else {
			wantField(t, what, err, tc.target, directory.FieldBackChannelLogoutURI)
		}
		// Create applies the same rule.
		a := directory.NewApp{Name: "x", Type: tc.typ, BackChannelLogoutURI: tc.uri}
		if err := directory.CheckNewApp(&a); (err == nil) != (tc.target == nil) || (tc.target != nil && !errors.Is(err, tc.target)) {
			t.Errorf("%s: CheckNewApp: %v, want %v", what, err, tc.target)
		}
	}

	st := sqlitetest.Open(t)
	d := directory.Apps{Store: st}
	ctx := t.Context()
	web, _, err := d.Create(ctx, directory.NewApp{Name: "Web", Type: store.AppTraditional, RedirectURIs: []string{"https://a.example/cb"},
		BackChannelLogoutURI: "https://a.example/logout", BackChannelLogoutSessionRequired: true})
	if err != nil {
		t.Fatal(err)
	}
	id := web.Client.ID
	if c, err := d.Get(ctx, id); err != nil || c.BackChannelLogoutURI != "https://a.example/logout" || !c.BackChannelLogoutSessionRequired {
		t.Fatalf("created: %q %v (%v)", c.BackChannelLogoutURI, c.BackChannelLogoutSessionRequired, err)
	}
	if _, _, err := d.Create(ctx, directory.NewApp{Name: "Bad", Type: store.AppSPA, BackChannelLogoutURI: "http://a.example/logout"}); !errors.Is(err, directory.ErrAppInvalid) {
		t.Fatalf("create with an http URI: %v", err)
	}
	if _, _, err := d.Create(ctx, directory.NewApp{Name: "Job", Type: store.AppM2M, BackChannelLogoutURI: "https://a.example/logout"}); !errors.Is(err, directory.ErrAppType) {
		t.Fatalf("create m2m with a URI: %v", err)
	}
	if l, _ := d.List(ctx); len(l) != 1 {
		t.Fatalf("a refused create stored an app: %d apps", len(l))
	}

	// A refused update writes nothing, the flag beside it included.
	_, err = d.Update(ctx, id, directory.AppUpdate{BackChannelLogoutURI: ptr("https://a.example/#x"), BackChannelLogoutSessionRequired: ptr(false)})
	wantField(t, "update with a fragment", err, directory.ErrAppInvalid, directory.FieldBackChannelLogoutURI)
	if c, _ := d.Get(ctx, id); c.BackChannelLogoutURI != "https://a.example/logout" || !c.BackChannelLogoutSessionRequired {
		t.Fatalf("a refused update wrote: %q %v", c.BackChannelLogoutURI, c.BackChannelLogoutSessionRequired)
	}
	// Each field alone changes only itself.
	c, err := d.Update(ctx, id, directory.AppUpdate{BackChannelLogoutURI: ptr("http://localhost:4000/bc")})
	if err != nil || c.BackChannelLogoutURI != "http://localhost:4000/bc" || !c.BackChannelLogoutSessionRequired {
		t.Fatalf("update the URI: %q %v (%v)", c.BackChannelLogoutURI, c.BackChannelLogoutSessionRequired, err)
	}
	c, err = d.Update(ctx, id, directory.AppUpdate{BackChannelLogoutSessionRequired: ptr(false)})
	if err != nil || c.BackChannelLogoutURI != "http://localhost:4000/bc" || c.BackChannelLogoutSessionRequired {
		t.Fatalf("update the flag: %q %v (%v)", c.BackChannelLogoutURI, c.BackChannelLogoutSessionRequired, err)
	}
	// "" removes the URI; the flag without a URI is kept.
	c, err = d.Update(ctx, id, directory.AppUpdate{BackChannelLogoutURI: ptr(""), BackChannelLogoutSessionRequired: ptr(true)})
	if err != nil || c.BackChannelLogoutURI != "" || !c.BackChannelLogoutSessionRequired {
		t.Fatalf("remove the URI: %q %v (%v)", c.BackChannelLogoutURI, c.BackChannelLogoutSessionRequired, err)
	}
	if c, _ := d.Get(ctx, id); c.BackChannelLogoutURI != "" || !c.BackChannelLogoutSessionRequired {
		t.Fatalf("stored after removal: %q %v", c.BackChannelLogoutURI, c.BackChannelLogoutSessionRequired)
	}
}
