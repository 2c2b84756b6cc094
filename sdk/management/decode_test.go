package management

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"testing"
	"time"
)

// serveFile answers every API call with the recorded answer in testdata.
func serveFile(t *testing.T, name string) *Client {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
	return f.client(t)
}

func msTime(v int64) time.Time { return time.UnixMilli(v) }

func TestDecodeApplication(t *testing.T) {
	a, err := serveFile(t, "logto-application.json").Applications.Get(context.Background(), "2xltgoq2kef1ooe06tigf")
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "2xltgoq2kef1ooe06tigf" || a.Type != AppTraditional || a.Description != "" || a.TenantID != "default" {
		t.Errorf("app %+v", a)
	}
	if !a.CreatedAt.Equal(msTime(1733299200123)) {
		t.Errorf("createdAt %v", a.CreatedAt)
	}
	if !reflect.DeepEqual(a.OIDCClientMetadata.RedirectURIs, []string{"http://localhost:3000/callback"}) ||
		!reflect.DeepEqual(a.OIDCClientMetadata.PostLogoutRedirectURIs, []string{"http://localhost:3000"}) {
		t.Errorf("oidcClientMetadata %+v", a.OIDCClientMetadata)
	}
	m := a.CustomClientMetadata
	if m.IDTokenTTL == nil || *m.IDTokenTTL != 3600 || m.RefreshTokenTTLInDays == nil || *m.RefreshTokenTTLInDays != 14 ||
		m.RotateRefreshToken == nil || !*m.RotateRefreshToken || m.AlwaysIssueRefreshToken == nil || *m.AlwaysIssueRefreshToken {
		t.Errorf("customClientMetadata %+v", m)
	}
	if a.CustomData["team"] != "payments" || a.IsAdmin == nil || *a.IsAdmin {
		t.Errorf("customData %v, isAdmin %v", a.CustomData, a.IsAdmin)
	}
}

// TestDecodeSesameApplication: Sesame's own fields of an app, as its
// Management API answers them.
func TestDecodeSesameApplication(t *testing.T) {
	c := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"id": "a1", "type": "SPA", "createdAt": 1733299200123, "oidcClientMetadata": map[string]any{
			"redirectUris": []string{"https://app.example/cb"}, "postLogoutRedirectUris": []string{}, "idTokenSignedResponseAlg": "RS256",
			"backchannelLogoutUri": "https://app.example/logout", "backchannelLogoutSessionRequired": true}})
	}).client(t)
	a, err := c.Applications.Get(context.Background(), "a1")
	if err != nil {
		t.Fatal(err)
	}
	m := a.OIDCClientMetadata
	if m.IDTokenSignedResponseAlg != "RS256" || m.BackchannelLogoutURI != "https://app.example/logout" ||
		m.BackchannelLogoutSessionRequired == nil || !*m.BackchannelLogoutSessionRequired {
		t.Errorf("oidcClientMetadata %+v", m)
	}
}

func TestDecodeUsers(t *testing.T) {
	us, total, err := serveFile(t, "logto-users.json").Users.ListPage(context.Background(), UserListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 2 || total != 2 {
		t.Fatalf("%d users, total %d", len(us), total)
	}
	ann, bob := us[0], us[1]
	if ann.Username != "ann" || ann.PrimaryEmail != "ann@example.com" || ann.PrimaryPhone != "" || ann.Avatar != "" || ann.Name != "Ann Example" {
		t.Errorf("ann %+v", ann)
	}
	if !ann.LastSignInAt.IsZero() || !ann.CreatedAt.Equal(msTime(1733299200000)) || !ann.UpdatedAt.Equal(msTime(1733302800500)) {
		t.Errorf("ann's times %v %v %v", ann.LastSignInAt, ann.CreatedAt, ann.UpdatedAt)
	}
	if ann.CustomData["plan"] != "pro" || ann.CustomData["seats"] != float64(3) {
		t.Errorf("customData %v", ann.CustomData)
	}
	if ann.Profile.GivenName != "Ann" || ann.Profile.Address == nil || ann.Profile.Address.PostalCode != "69001" {
		t.Errorf("profile %+v", ann.Profile)
	}
	if string(ann.Identities["github"]) == "" || ann.ApplicationID != "2xltgoq2kef1ooe06tigf" {
		t.Errorf("identities %s, applicationId %q", ann.Identities["github"], ann.ApplicationID)
	}
	if bob.Username != "" || bob.PrimaryPhone != "+33600000000" || !bob.IsSuspended || !bob.LastSignInAt.Equal(msTime(1733306400000)) {
		t.Errorf("bob %+v", bob)
	}
}

func TestDecodeRoles(t *testing.T) {
	var got []Role
	for r, err := range serveFile(t, "logto-roles.json").Roles.List(context.Background(), ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if len(got) != 2 {
		t.Fatalf("%d roles", len(got))
	}
	m2m, ed := got[0], got[1]
	if m2m.Type != RoleMachineToMachine || m2m.ApplicationsCount != 1 || len(m2m.FeaturedApplications) != 1 || m2m.FeaturedApplications[0].Type != AppMachineToMachine {
		t.Errorf("m2m role %+v", m2m)
	}
	if ed.Type != RoleUser || !ed.IsDefault || ed.UsersCount != 2 || len(ed.FeaturedUsers) != 2 || ed.FeaturedUsers[1].Avatar != "https://example.com/bob.png" || ed.FeaturedUsers[1].Name != "" {
		t.Errorf("editor role %+v", ed)
	}
}

func TestDecodeLogs(t *testing.T) {
	ls, _, err := serveFile(t, "logto-logs.json").Logs.ListPage(context.Background(), LogListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 {
		t.Fatalf("%d entries", len(ls))
	}
	l := ls[0]
	if l.Key != "ExchangeTokenBy.ClientCredentials" || l.Payload.Result != "Error" || l.Payload.IP != "203.0.113.7" || !l.CreatedAt.Equal(msTime(1733299201000)) {
		t.Errorf("entry %+v", l)
	}
	var e map[string]string
	if err := json.Unmarshal([]byte(l.Payload.Error), &e); err != nil || e["message"] != "invalid_client" {
		t.Errorf("Logto's error object as %q (%v)", l.Payload.Error, err)
	}
	var raw map[string]any
	if err := json.Unmarshal(l.Payload.Raw, &raw); err != nil || raw["params"] == nil {
		t.Errorf("Raw %s lost Logto's params (%v)", l.Payload.Raw, err)
	}
	a := ls[1].Payload
	if a.Actor != "app:m2mapp0000000000000001" || a.Target != "user:x0wv3hk5dzlm" || string(a.Before) != `{"name": "Ann"}` || a.Error != "" {
		t.Errorf("admin entry %+v", a)
	}
}

func TestDecodeSignInExperience(t *testing.T) {
	x, err := serveFile(t, "logto-sign-in-exp.json").SignInExperience.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if x.Color.PrimaryColor != "#6139f6" || !x.Color.IsDarkModeEnabled || x.Branding.LogoURL != "https://example.com/logo.svg" ||
		x.SignInMode != SignInAndRegister || len(x.SignIn.Methods) != 2 || x.SignIn.Methods[1].Identifier != "email" ||
		x.PasswordPolicy.Length.Min != 8 || x.PasswordPolicy.CharacterTypes.Min != 2 || !reflect.DeepEqual(x.PasswordPolicy.Rejects.Words, []string{"acme"}) ||
		x.TermsOfUseURL != "https://example.com/terms" || x.PrivacyPolicyURL != "" {
		t.Errorf("sign-in experience %+v", x)
	}
}

func TestDecodeSecretKeysScopesResource(t *testing.T) {
	ctx := context.Background()
	s, err := serveFile(t, "logto-secret.json").Applications.CreateSecret(ctx, "2xltgoq2kef1ooe06tigf", SecretCreate{Name: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Value != "vwyW8M4e3BupmghVerupTDHRswnmrlaD" || !s.ExpiresAt.IsZero() || !s.CreatedAt.Equal(msTime(1733299200000)) {
		t.Errorf("secret %+v", s)
	}
	ks, err := serveFile(t, "logto-keys.json").OIDCKeys.List(ctx, PrivateKeys)
	if err != nil {
		t.Fatal(err)
	}
	if len(ks) != 2 || ks[0].SigningKeyAlgorithm != "EC" || !ks[1].CreatedAt.Equal(msTime(1701763200000)) {
		t.Errorf("keys %+v", ks)
	}
	ss, err := serveFile(t, "logto-scopes.json").Resources.Scopes(ctx, "rs9x8y7z6w")
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 1 || ss[0].Name != "read:orders" || ss[0].Description != "" || ss[0].ResourceID != "rs9x8y7z6w" {
		t.Errorf("scopes %+v", ss)
	}
	r, err := serveFile(t, "logto-resource.json").Resources.Get(ctx, "rs9x8y7z6w")
	if err != nil {
		t.Fatal(err)
	}
	if r.Indicator != "https://orders.example.com" || r.AccessTokenTTL != 3600 {
		t.Errorf("resource %+v", r)
	}
}

// A value encodes back to Logto's shape: times as epoch milliseconds, null
// for none.
func TestEncodeTimes(t *testing.T) {
	u := User{ID: "u1", CreatedAt: msTime(1733299200123)}
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["createdAt"] != float64(1733299200123) || m["lastSignInAt"] != nil {
		t.Errorf("encoded %s", b)
	}
	var back User
	if err := json.Unmarshal(b, &back); err != nil || !back.CreatedAt.Equal(u.CreatedAt) || back.ID != "u1" {
		t.Errorf("round trip %+v (%v)", back, err)
	}
}

func TestDecodeBadTime(t *testing.T) {
	var u User
	for _, in := range []string{`{"createdAt":"2024-12-04"}`, `{"createdAt":1e300}`, `{"createdAt":true}`} {
		if err := json.Unmarshal([]byte(in), &u); err == nil {
			t.Errorf("%s decoded", in)
		}
	}
}
