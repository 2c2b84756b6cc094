package directory_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/identity"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/store/sqlstore/sqlitetest"
)

// TestUserPatch: each rule of Users.Update refuses with the field at
// fault and writes nothing; a good patch is stored whole.
func TestUserPatch(t *testing.T) {
	ctx := t.Context()
	st := sqlitetest.Open(t)
	users := directory.Users{Store: st, PasswordParams: fastHash}
	u, err := users.Create(ctx, directory.NewUser{Username: "alice", Email: "alice@example.com", Password: "long enough", EmailVerified: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := users.Create(ctx, directory.NewUser{Username: "bob", Password: "long enough"}); err != nil {
		t.Fatal(err)
	}
	big := `{"k":"` + strings.Repeat("x", directory.MaxUserCustomData) + `"}`
	for _, c := range []struct {
		name  string
		patch directory.UserPatch
		field string
		code  error
	}{
		{"username chars", directory.UserPatch{Username: ptr("a b")}, "username", identity.ErrUsernameChars},
		{"username taken", directory.UserPatch{Username: ptr("BOB")}, "", directory.ErrUserExists},
		{"email", directory.UserPatch{Email: ptr("not-an-email")}, "primaryEmail", identity.ErrEmailInvalid},
		{"name length", directory.UserPatch{Name: ptr(strings.Repeat("é", directory.MaxName+1))}, "name", directory.ErrUserInvalid},
		{"avatar http", directory.UserPatch{Avatar: ptr("http://pic.example/a.png")}, "avatar", directory.ErrUserInvalid},
		{"avatar javascript", directory.UserPatch{Avatar: ptr("javascript:alert(1)")}, "avatar", directory.ErrUserInvalid},
		{"profile unknown key", directory.UserPatch{Profile: json.RawMessage(`{"shoeSize":"42"}`)}, "profile.shoeSize", directory.ErrUserInvalid},
		{"profile number", directory.UserPatch{Profile: json.RawMessage(`{"givenName":7}`)}, "profile.givenName", directory.ErrUserInvalid},
		{"profile array", directory.UserPatch{Profile: json.RawMessage(`["x"]`)}, "profile", directory.ErrUserInvalid},
		{"address key", directory.UserPatch{Profile: json.RawMessage(`{"address":{"planet":"Mars"}}`)}, "profile.address.planet", directory.ErrUserInvalid},
		{"address string", directory.UserPatch{Profile: json.RawMessage(`{"address":"Paris"}`)}, "profile.address", directory.ErrUserInvalid},
		{"custom array", directory.UserPatch{CustomData: json.RawMessage(`[1]`)}, "customData", directory.ErrUserInvalid},
		{"custom broken", directory.UserPatch{CustomData: json.RawMessage(`{"a":`)}, "customData", directory.ErrUserInvalid},
		{"custom too big", directory.UserPatch{CustomData: json.RawMessage(big)}, "customData", directory.ErrUserInvalid},
		{"no identifier left", directory.UserPatch{Username: ptr(""), Email: ptr("")}, "username", directory.ErrUserInvalid},
		// A bad field refuses the whole patch, the good fields with it.
		{"mixed", directory.UserPatch{Name: ptr("Mallory"), Avatar: ptr("ftp://x")}, "avatar", directory.ErrUserInvalid},
	} {
		_, err := users.Update(ctx, u.ID, c.patch)
		var e *directory.Error
		if !errors.As(err, &e) || e.Field != c.field || !errors.Is(err, c.code) {
			t.Errorf("%s: got %#v, want field %q and %v", c.name, err, c.field, c.code)
		}
	}
	got, _ := st.GetUser(ctx, u.ID)
	if got.Name != u.Name || got.Username != "alice" || got.CustomData != nil {
		t.Fatalf("refused patches wrote: %+v", got)
	}
	if _, err := users.Update(ctx, "nobody", directory.UserPatch{Name: ptr("x")}); !errors.Is(err, directory.ErrUserNotFound) {
		t.Fatalf("unknown user: %v", err)
	}

	upd, err := users.Update(ctx, u.ID, directory.UserPatch{Username: ptr(" Alice2 "), Email: ptr("New@Example.com"), Name: ptr(" Alice "),
		Avatar: ptr("https://pic.example/a.png"), Profile: json.RawMessage(`{"givenName":"Alice","locale":"en","address":{"country":"GB"}}`),
		CustomData: json.RawMessage(`{"plan":"pro","seats":3}`)})
	if err != nil {
		t.Fatal(err)
	}
	want := store.UserProfile{GivenName: "Alice", Locale: "en", Address: store.UserAddress{Country: "GB"}}
	if upd.Username != "alice2" || upd.Email != "new@example.com" || upd.EmailVerified || upd.Name != "Alice" ||
		upd.Picture != "https://pic.example/a.png" || upd.Profile != want || upd.CustomData["seats"] != float64(3) {
		t.Fatalf("after Update: %+v", upd)
	}
	got, _ = st.GetUser(ctx, u.ID)
	if got.Profile != want || got.CustomData["plan"] != "pro" || got.EmailVerified {
		t.Fatalf("stored after Update: %+v", got)
	}
	// Profile merges key by key; null and "" remove a key.
	upd, err = users.Update(ctx, u.ID, directory.UserPatch{Profile: json.RawMessage(`{"locale":null,"nickname":"al","address":{"locality":"Leeds","country":""}}`)})
	if err != nil {
		t.Fatal(err)
	}
	want = store.UserProfile{GivenName: "Alice", Nickname: "al", Address: store.UserAddress{Locality: "Leeds"}}
	if upd.Profile != want || upd.CustomData["plan"] != "pro" {
		t.Fatalf("after merge: %+v", upd)
	}
}

// TestSetCustomData: replace and merge, both bounded.
func TestSetCustomData(t *testing.T) {
	ctx := t.Context()
	st := sqlitetest.Open(t)
	users := directory.Users{Store: st, PasswordParams: fastHash}
	u, err := users.Create(ctx, directory.NewUser{Username: "alice", Password: "long enough"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := users.SetCustomData(ctx, u.ID, json.RawMessage(`{"a":1,"b":{"c":true}}`), false); err != nil {
		t.Fatal(err)
	}
	x, err := users.SetCustomData(ctx, u.ID, json.RawMessage(`{"a":2,"d":"e"}`), true)
	if err != nil || x.CustomData["a"] != float64(2) || x.CustomData["d"] != "e" || x.CustomData["b"] == nil {
		t.Fatalf("merge: %+v %v", x.CustomData, err)
	}
	x, err = users.SetCustomData(ctx, u.ID, json.RawMessage(`{"z":null}`), false)
	if err != nil || len(x.CustomData) != 1 {
		t.Fatalf("replace: %+v %v", x.CustomData, err)
	}
	half := strings.Repeat("x", directory.MaxUserCustomData/2+10)
	if _, err := users.SetCustomData(ctx, u.ID, json.RawMessage(`{"p":"`+half+`"}`), true); err != nil {
		t.Fatal(err)
	}
	_, err = users.SetCustomData(ctx, u.ID, json.RawMessage(`{"q":"`+half+`"}`), true)
	var e *directory.Error
	if !errors.As(err, &e) || e.Field != "customData" {
		t.Fatalf("merge past the bound: %v", err)
	}
	got, _ := st.GetUser(ctx, u.ID)
	if _, ok := got.CustomData["q"]; ok {
		t.Fatal("refused merge was written")
	}
	if _, err := users.SetCustomData(ctx, "nobody", json.RawMessage(`{}`), false); !errors.Is(err, directory.ErrUserNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
}
