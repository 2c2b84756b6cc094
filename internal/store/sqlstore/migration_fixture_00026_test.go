package sqlstore

import (
	"testing"

	"github.com/sesameauth/sesame/internal/store"
)

// checkFixture00026: a key's purpose and an app's ID token algorithm read
// back; keys and apps from before version 26 sign by default.
func checkFixture00026(t *testing.T, s *Store) {
	ctx := t.Context()
	ks, err := s.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, k := range ks {
		switch {
		case k.ID == "fixture-key-26":
			found = k.Purpose == store.KeyForAlg && k.Alg == "RS256"
		case k.Purpose != "":
			t.Errorf("pre-version-26 key %s has purpose %q", k.ID, k.Purpose)
		}
	}
	if !found {
		t.Errorf("fixture-key-26 missing or wrong: %+v", ks)
	}
	if c, err := s.GetClient(ctx, "fixture-web-26"); err != nil || c.IDTokenAlg != "RS256" {
		t.Errorf("fixture-web-26: %+v %v", c, err)
	}
	if c, err := s.GetClient(ctx, "fixture-client"); err != nil || c.IDTokenAlg != "" {
		t.Errorf("pre-version-26 app: %+v %v", c, err)
	}
}
