package cli

import (
	"context"
	"fmt"

	"github.com/sesameauth/sesame/internal/audit"
	"github.com/sesameauth/sesame/internal/mfa"
)

// usersResetMFA removes every second factor of a user who lost them
// (TOTP, backup codes, passkeys), so their next sign-in asks for the
// password only (or enrols again under a Mandatory policy). The change is
// in the audit log as Admin.User.ResetMfa by actor "cli".
func usersResetMFA(ctx context.Context, env Env, args []string) error {
	st, u, err := userTarget(ctx, env, "reset-mfa", args)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := &mfa.Service{Store: st} // removing needs no key
	before, err := svc.Factors(ctx, u.ID)
	if err != nil {
		return err
	}
	if err := svc.ResetAll(ctx, u.ID); err != nil {
		return err
	}
	type factors struct {
		Factors []mfa.Factor `json:"factors"`
	}
	log := audit.New(st, audit.Options{})
	e := audit.AdminChange("cli", "User", "ResetMfa", u.ID, factors{append([]mfa.Factor{}, before...)}, factors{[]mfa.Factor{}})
	err = log.RecordNow(ctx, e)
	if cerr := log.Close(ctx); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("second factors removed, but the audit entry was not written: %w", err)
	}
	if len(before) == 0 {
		fmt.Fprintf(env.Stdout, "User %s (id %s) had no second factor\n", u.Username, u.ID)
		return nil
	}
	fmt.Fprintf(env.Stdout, "Removed the second factors of user %s (id %s): %v\n", u.Username, u.ID, before)
	return nil
}
