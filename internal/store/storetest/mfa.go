package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/store"
)

func mfaUser(t *testing.T, s store.Store) store.User {
	t.Helper()
	n := now()
	u := store.User{ID: id(), Username: "m-" + id(), CreatedAt: n, UpdatedAt: n}
	noErr(t, "CreateUser", s.CreateUser(t.Context(), u))
	return u
}

func testTOTP(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := mfaUser(t, s)
	n := now()
	_, err := s.GetTOTP(ctx, u.ID)
	wantErr(t, "GetTOTP before enrolment", err, store.ErrNotFound)
	wantErr(t, "AdvanceTOTPStep before enrolment", s.AdvanceTOTPStep(ctx, u.ID, 5), store.ErrNotFound)
	wantErr(t, "CreateTOTP unknown user", s.CreateTOTP(ctx, store.TOTP{UserID: "no-such-user", Secret: hash(), CreatedAt: n}), store.ErrNotFound)

	want := store.TOTP{UserID: u.ID, Secret: hash(), CreatedAt: n}
	noErr(t, "CreateTOTP", s.CreateTOTP(ctx, want))
	wantErr(t, "second CreateTOTP", s.CreateTOTP(ctx, store.TOTP{UserID: u.ID, Secret: hash(), CreatedAt: n}), store.ErrAlreadyExists)
	got, err := s.GetTOTP(ctx, u.ID)
	noErr(t, "GetTOTP", err)
	diff(t, "TOTP", want, got)

	// The step only moves forward: the same or an earlier step is a replay.
	noErr(t, "AdvanceTOTPStep 100", s.AdvanceTOTPStep(ctx, u.ID, 100))
	wantErr(t, "same step", s.AdvanceTOTPStep(ctx, u.ID, 100), store.ErrReplayed)
	wantErr(t, "earlier step", s.AdvanceTOTPStep(ctx, u.ID, 99), store.ErrReplayed)
	noErr(t, "AdvanceTOTPStep 101", s.AdvanceTOTPStep(ctx, u.ID, 101))
	got, _ = s.GetTOTP(ctx, u.ID)
	if got.LastStep != 101 {
		t.Fatalf("LastStep = %d, want 101", got.LastStep)
	}

	noErr(t, "DeleteTOTP", s.DeleteTOTP(ctx, u.ID))
	wantErr(t, "DeleteTOTP again", s.DeleteTOTP(ctx, u.ID), store.ErrNotFound)
	_, err = s.GetTOTP(ctx, u.ID)
	wantErr(t, "GetTOTP after delete", err, store.ErrNotFound)
	// A new enrolment starts afresh.
	noErr(t, "CreateTOTP again", s.CreateTOTP(ctx, store.TOTP{UserID: u.ID, Secret: hash(), CreatedAt: n}))
	noErr(t, "AdvanceTOTPStep after re-enrolment", s.AdvanceTOTPStep(ctx, u.ID, 50))
}

func testBackupCodes(t *testing.T, s store.Store) {
	ctx := t.Context()
	u, other := mfaUser(t, s), mfaUser(t, s)
	n := now()
	wantErr(t, "ReplaceBackupCodes unknown user", s.ReplaceBackupCodes(ctx, "no-such-user", [][]byte{hash()}, n), store.ErrNotFound)
	first := [][]byte{hash(), hash(), hash()}
	noErr(t, "ReplaceBackupCodes", s.ReplaceBackupCodes(ctx, u.ID, first, n))
	noErr(t, "ReplaceBackupCodes other", s.ReplaceBackupCodes(ctx, other.ID, [][]byte{hash()}, n))
	left := func(want int) {
		t.Helper()
		got, err := s.BackupCodesLeft(ctx, u.ID)
		noErr(t, "BackupCodesLeft", err)
		if got != want {
			t.Fatalf("BackupCodesLeft = %d, want %d", got, want)
		}
	}
	left(3)
	noErr(t, "UseBackupCode", s.UseBackupCode(ctx, u.ID, first[0], n))
	wantErr(t, "UseBackupCode twice", s.UseBackupCode(ctx, u.ID, first[0], n), store.ErrNotFound)
	wantErr(t, "UseBackupCode unknown", s.UseBackupCode(ctx, u.ID, hash(), n), store.ErrNotFound)
	wantErr(t, "another user's code", s.UseBackupCode(ctx, other.ID, first[1], n), store.ErrNotFound)
	left(2)

	// Regenerating replaces every code, used or not.
	second := [][]byte{hash(), hash()}
	noErr(t, "ReplaceBackupCodes again", s.ReplaceBackupCodes(ctx, u.ID, second, n))
	left(2)
	wantErr(t, "old code after regeneration", s.UseBackupCode(ctx, u.ID, first[1], n), store.ErrNotFound)
	noErr(t, "new code", s.UseBackupCode(ctx, u.ID, second[1], n))
	left(1)

	noErr(t, "DeleteBackupCodes", s.DeleteBackupCodes(ctx, u.ID))
	noErr(t, "DeleteBackupCodes none", s.DeleteBackupCodes(ctx, u.ID))
	left(0)
	if n, _ := s.BackupCodesLeft(ctx, other.ID); n != 1 {
		t.Fatalf("other user's codes = %d, want 1", n)
	}
}

func testDeleteUserDeletesMFA(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := mfaUser(t, s)
	n := now()
	noErr(t, "CreateTOTP", s.CreateTOTP(ctx, store.TOTP{UserID: u.ID, Secret: hash(), CreatedAt: n}))
	noErr(t, "ReplaceBackupCodes", s.ReplaceBackupCodes(ctx, u.ID, [][]byte{hash()}, n))
	noErr(t, "DeleteUser", s.DeleteUser(ctx, u.ID))
	_, err := s.GetTOTP(ctx, u.ID)
	wantErr(t, "GetTOTP of deleted user", err, store.ErrNotFound)
	if n, _ := s.BackupCodesLeft(ctx, u.ID); n != 0 {
		t.Fatalf("backup codes of deleted user = %d", n)
	}
}

// testConcurrentTOTPStep: N requests present a code of the same step at
// once (across replicas they share only the database): exactly one wins.
func testConcurrentTOTPStep(t *testing.T, s store.Store) {
	u := mfaUser(t, s)
	noErr(t, "CreateTOTP", s.CreateTOTP(t.Context(), store.TOTP{UserID: u.ID, Secret: hash(), CreatedAt: now()}))
	errs := race(t, 20, func(int) error { return s.AdvanceTOTPStep(t.Context(), u.ID, 1000) })
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, store.ErrReplayed):
		default:
			t.Fatalf("AdvanceTOTPStep: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of 20 concurrent uses of one step won, want exactly 1", won)
	}
}

// testConcurrentBackupCode: N uses of one backup code at once: exactly one
// wins.
func testConcurrentBackupCode(t *testing.T, s store.Store) {
	u := mfaUser(t, s)
	h := hash()
	noErr(t, "ReplaceBackupCodes", s.ReplaceBackupCodes(t.Context(), u.ID, [][]byte{h, hash()}, now()))
	errs := race(t, 20, func(int) error { return s.UseBackupCode(t.Context(), u.ID, h, time.Now()) })
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, store.ErrNotFound):
		default:
			t.Fatalf("UseBackupCode: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of 20 concurrent uses of one backup code won, want exactly 1", won)
	}
}
