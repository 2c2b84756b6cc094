package signinexp_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/mfa"
	"github.com/sesameauth/sesame/internal/signinexp"
)

// TestMFASettings: the "mfa" document in Logto's shape — defaults, off,
// Mandatory — and the refusals of its validation, each naming the field.
func TestMFASettings(t *testing.T) {
	s, _ := newService(t)
	ctx := t.Context()
	x, _ := s.Get(ctx)
	if !slices.Equal(x.MFA.Factors, []mfa.Factor{mfa.TOTP, mfa.BackupCode, mfa.WebAuthn}) || x.MFA.Policy != mfa.UserControlled {
		t.Fatalf("default mfa = %+v", x.MFA)
	}
	for _, tc := range []struct{ patch, field string }{
		{`{"mfa":{"factors":["Sms"]}}`, "mfa.factors[0]"},
		{`{"mfa":{"factors":["Totp","Totp"]}}`, "mfa.factors[1]"},
		{`{"mfa":{"factors":["BackupCode"]}}`, "mfa.factors"},
		{`{"mfa":{"policy":"Required"}}`, "mfa.policy"},
		{`{"mfa":{"factors":[],"policy":"Mandatory"}}`, "mfa.policy"},
		{`{"mfa":{"factors":["BackupCode","Totp"],"policy":""}}`, "mfa.policy"},
	} {
		_, _, err := s.Update(ctx, []byte(tc.patch))
		var de *directory.Error
		if !errors.As(err, &de) || de.Code != "sign_in_exp."+tc.field {
			t.Errorf("%s: %v, want sign_in_exp.%s", tc.patch, err, tc.field)
		}
	}
	_, after, err := s.Update(ctx, []byte(`{"mfa":{"factors":["Totp","BackupCode"],"policy":"Mandatory"}}`))
	if err != nil || after.MFA.Policy != mfa.Mandatory || after.MFA.Offers(mfa.WebAuthn) {
		t.Fatalf("Mandatory: %+v, %v", after.MFA, err)
	}
	// Off: factors [] (stored as [], not null, so it reads back as off).
	_, after, err = s.Update(ctx, []byte(`{"mfa":{"factors":null,"policy":"UserControlled"}}`))
	if err != nil || after.MFA.Factors == nil || len(after.MFA.Factors) != 0 {
		t.Fatalf("off: %+v, %v", after.MFA, err)
	}
	got, _ := s.Get(ctx)
	if len(got.MFA.Factors) != 0 || got.MFA.Policy != mfa.UserControlled {
		t.Fatalf("off read back as %+v", got.MFA)
	}
	if d := signinexp.Defaults(true); !strings.Contains(string(mustJSON(t, d)), `"mfa":{"factors":["Totp","BackupCode","WebAuthn"],"policy":"UserControlled"}`) {
		t.Errorf("defaults JSON: %s", mustJSON(t, d))
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
