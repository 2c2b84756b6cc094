package directory_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
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
	st := newStore(t)
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
	st := newStore(t)
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
