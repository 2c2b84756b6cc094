package storetest

import (
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func testConsents(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	_, err := s.GetConsent(ctx, "u1", "c1")
	wantErr(t, "GetConsent missing", err, store.ErrNotFound)
	c := store.Consent{UserID: "u1", ClientID: "c1", Scopes: []string{"openid", "profile"}, Resources: []string{"https://api.example"}, CreatedAt: n}
	noErr(t, "PutConsent", s.PutConsent(ctx, c))
	got, err := s.GetConsent(ctx, "u1", "c1")
	noErr(t, "GetConsent", err)
	diff(t, "consent", c, got)

	c2 := store.Consent{UserID: "u1", ClientID: "c1", Scopes: []string{"openid", "email"}, CreatedAt: n.Add(time.Hour)}
	noErr(t, "PutConsent replace", s.PutConsent(ctx, c2))
	got, err = s.GetConsent(ctx, "u1", "c1")
	noErr(t, "GetConsent", err)
	diff(t, "replaced consent", c2, got)
	_, err = s.GetConsent(ctx, "u1", "c2")
	wantErr(t, "other client", err, store.ErrNotFound)
	_, err = s.GetConsent(ctx, "u2", "c1")
	wantErr(t, "other user", err, store.ErrNotFound)
}
