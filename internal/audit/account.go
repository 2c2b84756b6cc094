package audit

// Keys of the account pages' changes (a user acting on their own account;
// Logto's Account API has no log keys for them). ReasonWrongStepUp is a
// step-up whose password or code was wrong.
const (
	KeyAccountReauth        = "Account.Reauth.Submit"
	KeyAccountName          = "Account.Profile.UpdateName"
	KeyAccountEmail         = "Account.Profile.UpdateEmail"
	KeyAccountPassword      = "Account.Password.Update"
	KeyAccountTOTPAdd       = "Account.Mfa.AddTotp"
	KeyAccountTOTPRemove    = "Account.Mfa.RemoveTotp"
	KeyAccountBackupCodes   = "Account.Mfa.GenerateBackupCodes"
	KeyAccountSessionEnd    = "Account.Session.End"
	KeyAccountSessionOthers = "Account.Session.EndOthers"
	KeyAccountPasskeyAdd    = "Account.Mfa.AddWebAuthn"
	KeyAccountPasskeyRemove = "Account.Mfa.RemoveWebAuthn"
	ReasonWrongStepUp       = "wrong_step_up"
)
