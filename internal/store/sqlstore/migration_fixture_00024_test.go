package sqlstore

import (
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func checkFixture00024(t *testing.T, s *Store) {
	ctx := t.Context()
	// The counter survives later migrations and never goes back: a cache
	// holding version v must never meet v again for another state.
	v, err := s.ConfigVersion(ctx)
	if err != nil || v < 2425 {
		t.Fatalf("ConfigVersion = %d, %v; want at least 2425 (the fixture's value, moved by its insert)", v, err)
	}
	if _, err := s.GetResourceByIndicator(ctx, "https://fixture-24.example"); err != nil {
		t.Errorf("fixture-res-24: %v", err)
	}
	// The triggers are still in place at the latest version.
	if err := s.CreateResource(ctx, store.Resource{ID: "fixture-res-24b", Indicator: "https://fixture-24b.example", Name: "b",
		AccessTokenTTL: time.Hour, CreatedAt: time.Unix(0, 1700000000000000024)}); err != nil {
		t.Fatal(err)
	}
	if w, err := s.ConfigVersion(ctx); err != nil || w <= v {
		t.Errorf("ConfigVersion after a change = %d, %v; want more than %d", w, err, v)
	}
}
