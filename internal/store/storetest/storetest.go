package storetest

import (
	"crypto/rand"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sesameauth/sesame/internal/store"
)

// Run runs the whole suite. newStore is called once per subtest.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("Clients", func(t *testing.T) { testClients(t, newStore(t)) })
	t.Run("HostileValues", func(t *testing.T) { testHostileValues(t, newStore(t)) })
	t.Run("RotateClientSecret", func(t *testing.T) { testRotateClientSecret(t, newStore(t)) })
	t.Run("ClientSecrets", func(t *testing.T) { testClientSecrets(t, newStore(t)) })
	t.Run("UpdateClient", func(t *testing.T) { testUpdateClient(t, newStore(t)) })
	t.Run("ClientCORSOrigins", func(t *testing.T) { testClientCORSOrigins(t, newStore(t)) })
	t.Run("DeleteClientCascades", func(t *testing.T) { testDeleteClientCascades(t, newStore(t)) })
	t.Run("CreateClientWithRole", func(t *testing.T) { testCreateClientWithRole(t, newStore(t)) })
	t.Run("DeleteClientWithRole", func(t *testing.T) { testDeleteClientWithRole(t, newStore(t)) })
	t.Run("PutClientRole", func(t *testing.T) { testPutClientRole(t, newStore(t)) })
	t.Run("Users", func(t *testing.T) { testUsers(t, newStore(t)) })
	t.Run("UserUniqueness", func(t *testing.T) { testUserUniqueness(t, newStore(t)) })
	t.Run("UpdateUser", func(t *testing.T) { testUpdateUser(t, newStore(t)) })
	t.Run("DeleteUserCascades", func(t *testing.T) { testDeleteUserCascades(t, newStore(t)) })
	t.Run("SuspendUser", func(t *testing.T) { testSuspendUser(t, newStore(t)) })
	t.Run("UnsuspendKeepsSessions", func(t *testing.T) { testUnsuspendKeepsSessions(t, newStore(t)) })
	t.Run("SetUserPassword", func(t *testing.T) { testSetUserPassword(t, newStore(t)) })
	t.Run("ListPaging", func(t *testing.T) { testListPaging(t, newStore(t)) })
	t.Run("ListSearch", func(t *testing.T) { testListSearch(t, newStore(t)) })
	t.Run("ListSearchHostile", func(t *testing.T) { testListSearchHostile(t, newStore(t)) })
	t.Run("ListNewestFirst", func(t *testing.T) { testListNewestFirst(t, newStore(t)) })
	t.Run("UserProfileData", func(t *testing.T) { testUserProfileData(t, newStore(t)) })
	t.Run("ListUserSessions", func(t *testing.T) { testListUserSessions(t, newStore(t)) })
	t.Run("SessionUser", func(t *testing.T) { testSessionUser(t, newStore(t)) })
	t.Run("Resources", func(t *testing.T) { testResources(t, newStore(t)) })
	t.Run("ResourceScopes", func(t *testing.T) { testResourceScopes(t, newStore(t)) })
	t.Run("RoleMembers", func(t *testing.T) { testRoleMembers(t, newStore(t)) })
	t.Run("CreateRoleWithScopes", func(t *testing.T) { testCreateRoleWithScopes(t, newStore(t)) })
	t.Run("Keys", func(t *testing.T) { testKeys(t, newStore(t)) })
	t.Run("Consents", func(t *testing.T) { testConsents(t, newStore(t)) })
	t.Run("AuthRequests", func(t *testing.T) { testAuthRequests(t, newStore(t)) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, newStore(t)) })
	t.Run("DeleteSessionRevokesOnlineGrants", func(t *testing.T) { testDeleteSessionRevokes(t, newStore(t)) })
	t.Run("DeleteUserSessions", func(t *testing.T) { testDeleteUserSessions(t, newStore(t)) })
	t.Run("DeleteUserSession", func(t *testing.T) { testDeleteUserSession(t, newStore(t)) })
	t.Run("LogoutQueue", func(t *testing.T) { testLogoutQueue(t, newStore(t)) })
	t.Run("LogoutQueueEverySignOut", func(t *testing.T) { testLogoutQueueEverySignOut(t, newStore(t)) })
	t.Run("LogoutQueueTrim", func(t *testing.T) { testLogoutQueueTrim(t, newStore(t)) })
	t.Run("LogoutQueueConcurrentClaims", func(t *testing.T) { testLogoutQueueConcurrentClaims(t, newStore(t)) })
	t.Run("Grants", func(t *testing.T) { testGrants(t, newStore(t)) })
	t.Run("RevokeGrantCascades", func(t *testing.T) { testRevokeGrantCascades(t, newStore(t)) })
	t.Run("RevokeUserGrants", func(t *testing.T) { testRevokeUserGrants(t, newStore(t)) })
	t.Run("Codes", func(t *testing.T) { testCodes(t, newStore(t)) })
	t.Run("CreateGrantAndCode", func(t *testing.T) { testCreateGrantAndCode(t, newStore(t)) })
	t.Run("CodeReplay", func(t *testing.T) { testCodeReplay(t, newStore(t)) })
	t.Run("CodeCallbackError", func(t *testing.T) { testCodeCallbackError(t, newStore(t)) })
	t.Run("CodeExpired", func(t *testing.T) { testCodeExpired(t, newStore(t)) })
	t.Run("RefreshTokens", func(t *testing.T) { testRefreshTokens(t, newStore(t)) })
	t.Run("RefreshRotationReplay", func(t *testing.T) { testRefreshReplay(t, newStore(t)) })
	t.Run("RefreshReuse", func(t *testing.T) { testRefreshReuse(t, newStore(t)) })
	t.Run("Reseal", func(t *testing.T) { testReseal(t, newStore(t)) })
	t.Run("RefreshCallbackError", func(t *testing.T) { testRefreshCallbackError(t, newStore(t)) })
	t.Run("RefreshExpired", func(t *testing.T) { testRefreshExpired(t, newStore(t)) })
	t.Run("AccessTokens", func(t *testing.T) { testAccessTokens(t, newStore(t)) })
	t.Run("Roles", func(t *testing.T) { testRoles(t, newStore(t)) })
	t.Run("SetRolePermissions", func(t *testing.T) { testSetRolePermissions(t, newStore(t)) })
	t.Run("RoleAssignments", func(t *testing.T) { testRoleAssignments(t, newStore(t)) })
	t.Run("RoleCascades", func(t *testing.T) { testRoleCascades(t, newStore(t)) })
	t.Run("RoleChangesRevokeClientTokens", func(t *testing.T) { testRoleChangesRevokeClientTokens(t, newStore(t)) })
	t.Run("PermissionsRoundTrip", func(t *testing.T) { testPermissionsRoundTrip(t, newStore(t)) })
	t.Run("SetupFirstAdmin", func(t *testing.T) { testSetupFirstAdmin(t, newStore(t)) })
	t.Run("SetupFirstAdminRace", func(t *testing.T) { testSetupFirstAdminRace(t, newStore(t)) })
	t.Run("AdminHolders", func(t *testing.T) { testAdminHolders(t, newStore(t)) })
	t.Run("SeededFields", func(t *testing.T) { testSeededFields(t, newStore(t)) })
	t.Run("Throttle", func(t *testing.T) { testThrottle(t, newStore(t)) })
	t.Run("SignInExperience", func(t *testing.T) { testSignInExperience(t, newStore(t)) })
	t.Run("TOTP", func(t *testing.T) { testTOTP(t, newStore(t)) })
	t.Run("BackupCodes", func(t *testing.T) { testBackupCodes(t, newStore(t)) })
	t.Run("DeleteUserDeletesMFA", func(t *testing.T) { testDeleteUserDeletesMFA(t, newStore(t)) })
	t.Run("Passkeys", func(t *testing.T) { testPasskeys(t, newStore(t)) })
	t.Run("PasskeySignCount", func(t *testing.T) { testPasskeySignCount(t, newStore(t)) })
	t.Run("PasskeyCeremonies", func(t *testing.T) { testPasskeyCeremonies(t, newStore(t)) })
	t.Run("Verifications", func(t *testing.T) { testVerifications(t, newStore(t)) })
	t.Run("VerificationLimits", func(t *testing.T) { testVerificationLimits(t, newStore(t)) })
	t.Run("Identities", func(t *testing.T) { testIdentities(t, newStore(t)) })
	t.Run("GarbageCollect", func(t *testing.T) { testGarbageCollect(t, newStore(t)) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, newStore(t)) })
	t.Run("AuditFilters", func(t *testing.T) { testAuditFilters(t, newStore(t)) })
	t.Run("AuditPaging", func(t *testing.T) { testAuditPaging(t, newStore(t)) })
	t.Run("AuditGarbageCollect", func(t *testing.T) { testAuditGarbageCollect(t, newStore(t)) })
	t.Run("Ping", func(t *testing.T) {
		if err := newStore(t).Ping(t.Context()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
	t.Run("Concurrency", func(t *testing.T) {
		t.Run("RedeemCode50", func(t *testing.T) { testConcurrentRedeem(t, newStore(t)) })
		t.Run("RotateRefresh20", func(t *testing.T) { testConcurrentRotate(t, newStore(t)) })
		t.Run("RotateRefreshReuse20", func(t *testing.T) { testConcurrentRotateReuse(t, newStore(t)) })
		t.Run("RefreshNoRotation20", func(t *testing.T) { testConcurrentRefreshNoRotate(t, newStore(t)) })
		t.Run("ReserveAttempt50", func(t *testing.T) { testConcurrentReserve(t, newStore(t)) })
		t.Run("ReleaseAttempt30", func(t *testing.T) { testConcurrentRelease(t, newStore(t)) })
		t.Run("UpdateUser20", func(t *testing.T) { testConcurrentUpdateUser(t, newStore(t)) })
		t.Run("CreateFirstKey10", func(t *testing.T) { testConcurrentFirstKey(t, newStore(t)) })
		t.Run("CreateKeyIfNone8", func(t *testing.T) { testCreateKeyIfNone(t, newStore(t)) })
		t.Run("CreateResourceScope10", func(t *testing.T) { testConcurrentCreateScope(t, newStore(t)) })
		t.Run("AdvanceTOTPStep20", func(t *testing.T) { testConcurrentTOTPStep(t, newStore(t)) })
		t.Run("UseBackupCode20", func(t *testing.T) { testConcurrentBackupCode(t, newStore(t)) })
		t.Run("ConsumeVerification20", func(t *testing.T) { testConcurrentVerification(t, newStore(t)) })
		t.Run("PutSignInExperience10", func(t *testing.T) { testConcurrentSignInExperience(t, newStore(t)) })
	})
}

// --- helpers

var cmpOpts = []cmp.Option{cmpopts.EquateEmpty()}

// diff fails the test when got differs from want. time.Time compares with
// Equal (location and monotonic reading are ignored); nil equals empty.
// diffInCallback is diff for a store's callback (the fn of RedeemCode or
// UseRefreshToken): it reports with t.Errorf, because a store may run the
// callback on a goroutine of its own, where t.Fatalf would stop that
// goroutine and not the test.
func diffInCallback(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpOpts...); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

func diff(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpOpts...); d != "" {
		t.Fatalf("%s mismatch (-want +got):\n%s", what, d)
	}
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// now is a millisecond-truncated current time, so backends that store less
// than nanosecond precision still round-trip it.
func now() time.Time { return time.Now().Truncate(time.Millisecond) }

func id() string { return rand.Text() }

func hash() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

// watchdog runs fn and fails the test if it does not return within 60s,
// dumping every goroutine's stack to show where it is stuck.
func watchdog(t *testing.T, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Fatalf("deadlock: not finished after 60s\n%s", buf[:n])
	}
}

// redeemRefused redeems the code hash at n with a callback that must not
// run ("fn called " + why fails the test) and returns what RedeemCode
// returned. The callbacks report with t.Error, not t.Fatal: a store may run
// them on a goroutine of its own (SQLite's group commit), where t.Fatal
// would stop that goroutine instead of the test.
func redeemRefused(t *testing.T, s store.Store, hash []byte, n time.Time, why string) (store.AuthCode, error) {
	t.Helper()
	return s.RedeemCode(t.Context(), hash, n, func(store.AuthCode) (store.CodeIssue, error) {
		t.Error("fn called " + why)
		return store.CodeIssue{}, errors.New("fn called " + why)
	})
}

// useRefreshRefused uses the refresh token hash at n with a callback that
// must not run ("fn called " + why fails the test) and returns the error.
func useRefreshRefused(t *testing.T, s store.Store, hash []byte, n time.Time, why string) error {
	t.Helper()
	_, err := s.UseRefreshToken(t.Context(), hash, n, func(store.RefreshToken, store.Grant) (store.RefreshIssue, error) {
		t.Error("fn called " + why)
		return store.RefreshIssue{}, errors.New("fn called " + why)
	})
	return err
}

// fixture is a client, a user, a session and a live grant for the user.
type fixture struct {
	client  store.Client
	user    store.User
	session store.Session
	grant   store.Grant
}

func newFixture(t *testing.T, s store.Store, scopes ...string) fixture {
	t.Helper()
	ctx := t.Context()
	n := now()
	f := fixture{
		client: store.Client{ID: id(), Name: "app", Type: store.AppTraditional, Secrets: defaultSecret(n),
			RedirectURIs: []string{"https://app.example/cb"}, CreatedAt: n},
		user: store.User{ID: id(), Username: "u-" + id(), CreatedAt: n, UpdatedAt: n},
	}
	f.session = store.Session{IDHash: hash(), SID: id(), UserID: f.user.ID, AuthTime: n, CreatedAt: n, ExpiresAt: n.Add(time.Hour),
		AMR: []string{"pwd", "otp", "mfa"}}
	if len(scopes) == 0 {
		scopes = []string{"openid", "offline_access"}
	}
	f.grant = newGrant(f, scopes, n)
	noErr(t, "CreateClient", s.CreateClient(ctx, f.client))
	noErr(t, "CreateUser", s.CreateUser(ctx, f.user))
	noErr(t, "CreateSession", s.CreateSession(ctx, f.session))
	noErr(t, "CreateGrant", s.CreateGrant(ctx, f.grant))
	return f
}

func newGrant(f fixture, scopes []string, n time.Time) store.Grant {
	return store.Grant{ID: id(), ClientID: f.client.ID, UserID: f.user.ID, SID: f.session.SID,
		Scopes: scopes, Resources: []string{"https://api.example"}, AuthTime: n, CreatedAt: n,
		ExpiresAt: n.Add(30 * 24 * time.Hour), AMR: f.session.AMR}
}

func (f fixture) code(n time.Time) store.AuthCode {
	return store.AuthCode{Hash: hash(), GrantID: f.grant.ID, ClientID: f.client.ID, UserID: f.user.ID,
		SID: f.session.SID, RedirectURI: "https://app.example/cb", Scopes: f.grant.Scopes,
		Resources: f.grant.Resources, Nonce: "n-0S6_WzA2Mj", CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: "S256", AuthTime: n, CreatedAt: n, ExpiresAt: n.Add(time.Minute), AMR: f.grant.AMR}
}

func (f fixture) refresh(n time.Time) store.RefreshToken {
	return store.RefreshToken{Hash: hash(), GrantID: f.grant.ID, ClientID: f.client.ID, UserID: f.user.ID,
		Scopes: f.grant.Scopes, Resources: f.grant.Resources, CreatedAt: n, ExpiresAt: n.Add(14 * 24 * time.Hour)}
}

func (f fixture) access(n time.Time) store.AccessToken {
	return store.AccessToken{Hash: hash(), GrantID: f.grant.ID, ClientID: f.client.ID, UserID: f.user.ID,
		Scopes: f.grant.Scopes, Audience: "https://api.example", CreatedAt: n, ExpiresAt: n.Add(time.Hour)}
}

// ptr returns a pointer to a copy of v, for the optional parts of an issue.
func ptr[T any](v T) *T { return &v }
