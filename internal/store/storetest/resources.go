package storetest

import (
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func testResources(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := now()
	api := store.Resource{ID: "r1", Indicator: "https://api.example", Name: "API",
		Scopes: []string{"read:x", "write:x"}, AccessTokenTTL: 90 * time.Minute, CreatedAt: n}
	bare := store.Resource{ID: "r2", Indicator: "https://other.example/", Name: "Other", CreatedAt: n.Add(time.Second)}

	_, err := s.GetResourceByIndicator(ctx, api.Indicator)
	wantErr(t, "GetResourceByIndicator before create", err, store.ErrNotFound)
	noErr(t, "CreateResource", s.CreateResource(ctx, api))
	noErr(t, "CreateResource 2", s.CreateResource(ctx, bare))
	wantErr(t, "indicator clash", s.CreateResource(ctx, store.Resource{ID: "r3", Indicator: api.Indicator, CreatedAt: n}), store.ErrAlreadyExists)
	wantErr(t, "id clash", s.CreateResource(ctx, store.Resource{ID: "r1", Indicator: "https://x.example", CreatedAt: n}), store.ErrAlreadyExists)

	got, err := s.GetResourceByIndicator(ctx, api.Indicator)
	noErr(t, "GetResourceByIndicator", err)
	diff(t, "resource", api, got)
	list, err := s.ListResources(ctx)
	noErr(t, "ListResources", err)
	diff(t, "ListResources", []store.Resource{api, bare}, list)

	noErr(t, "DeleteResource", s.DeleteResource(ctx, "r1"))
	_, err = s.GetResourceByIndicator(ctx, api.Indicator)
	wantErr(t, "after delete", err, store.ErrNotFound)
	wantErr(t, "DeleteResource twice", s.DeleteResource(ctx, "r1"), store.ErrNotFound)
	noErr(t, "indicator reusable", s.CreateResource(ctx, store.Resource{ID: "r4", Indicator: api.Indicator, CreatedAt: n}))
}
