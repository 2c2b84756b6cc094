package sqlstore

import (
	"testing"
	"time"
)

// checkFixture00027: an app's back-channel logout settings and a queued
// delivery read back; apps from before version 27 have none.
func checkFixture00027(t *testing.T, s *Store) {
	ctx := t.Context()
	if c, err := s.GetClient(ctx, "fixture-web-27"); err != nil || c.BackChannelLogoutURI != "https://web.example/backchannel" ||
		!c.BackChannelLogoutSessionRequired {
		t.Errorf("fixture-web-27: %+v %v", c, err)
	}
	if c, err := s.GetClient(ctx, "fixture-client"); err != nil || c.BackChannelLogoutURI != "" || c.BackChannelLogoutSessionRequired {
		t.Errorf("pre-version-27 app: %+v %v", c, err)
	}
	ds, err := s.ClaimLogoutDeliveries(ctx, time.Now(), time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].ClientID != "fixture-web-27" || ds[0].SID != "fixture-sid-27" || ds[0].UserID != "fixture-user" ||
		ds[0].Attempts != 2 || ds[0].LastError != "connection refused" {
		t.Errorf("queued delivery: %+v", ds)
	}
}
