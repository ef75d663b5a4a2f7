// Package storetest is the contract suite every store.Store backend passes.
// A backend's test calls Run with a function that opens a fresh, empty,
// migrated store:
//
//	func TestStoreContract(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { ... })
//	}
//
// Each subtest opens its own store, so subtests are independent and may be
// run alone with -run 'TestStoreContract/Tokens'.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signing"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/google/uuid"
)

// Run runs the whole contract suite against the backend open returns. open
// must return a fresh, empty, migrated store and register its own cleanup.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Driver", testDriver},
		{"Bootstrap", testBootstrap},
		{"Organizations", testOrganizations},
		{"Projects", testProjects},
		{"DeleteProjectCascades", testDeleteProjectCascades},
		{"DeleteProjectRemovesLogs", testDeleteProjectRemovesLogs},
		{"Tokens", testTokens},
		{"Origins", testOrigins},
		{"Members", testMembers},
		{"Invites", testInvites},
		{"MfaSettings", testMfaSettings},
		{"SsoProvider", testSsoProvider},
		{"SealedValues", testSealedValues},
		{"RehashToken", testRehashToken},
		{"TestAccounts", testTestAccounts},
		{"Coupons", testCoupons},
		{"SigningKeys", testSigningKeys},
		{"SigningKeysConcurrent", testSigningKeysConcurrent},
		{"VisitorStats", testVisitorStats},
		{"Events", testEvents},
		{"EventsPastPurge", testEventsPastPurge},
		{"EventPurge", testEventPurge},
		{"SessionPurge", testSessionPurge},
		{"Analytics", testAnalytics},
		{"SDKSettings", testSDKSettings},
		{"Exports", testExports},
		{"ExportSources", testExportSources},
		{"ExportEventsPastPurge", testExportEventsPastPurge},
		{"NotFound", testNotFound},
		{"EmptyLists", testEmptyLists},
		{"CreateTenant", testCreateTenant},
		{"Operators", testOperators},
		{"SigningKeyRotation", testSigningKeyRotation},
		{"SigningKeyRotationConcurrent", testSigningKeyRotationConcurrent},
		{"StaleSigningKeys", testStaleSigningKeys},
		{"Nonces", testNonces},
		{"CompleteSignIn", testCompleteSignIn},
		{"CompleteSignInRefused", testCompleteSignInRefused},
		{"CompleteSignInInTx", testCompleteSignInInTx},
		{"CompleteSignInNonceRace", testCompleteSignInNonceRace},
		{"CompleteSignInWalletRace", testCompleteSignInWalletRace},
		{"CompleteSignInWalletRaceLost", testCompleteSignInWalletRaceLost},
		{"VisitorStatsCounts", testVisitorStatsCounts},
		{"Sessions", testSessions},
		{"RevokeSessionRace", testRevokeSessionRace},
		{"LinkCredential", testLinkCredential},
		{"LinkCredentialProof", testLinkCredentialProof},
		{"LinkCredentialRace", testLinkCredentialRace},
		{"PendingMerge", testPendingMerge},
		{"MergeRace", testMergeRace},
		{"UnlinkSelectCredential", testUnlinkSelectCredential},
		{"UnlinkRace", testUnlinkRace},
		{"CustomFields", testCustomFields},
		{"CustomFieldValues", testCustomFieldValues},
		{"UpdateProfile", testUpdateProfile},
		{"UpdateProfileChangeError", testUpdateProfileChangeError},
		{"UpdateProfileBackupCodeAck", testUpdateProfileBackupCodeAck},
		{"UpdateProfileProof", testUpdateProfileProof},
		{"UpdateProfileVerification", testUpdateProfileVerification},
		{"UniqueValueRace", testUniqueValueRace},
		{"DeleteUser", testDeleteUser},
		{"AdminSaveUser", testAdminSaveUser},
		{"AdminSaveUsers", testAdminSaveUsers},
		{"AdminSaveUsersMany", testAdminSaveUsersMany},
		{"UserFinder", testUserFinder},
		{"QueryPlans", testQueryPlans},
		{"UserCount", testUserCount},
		{"AdminUpdateUser", testAdminUpdateUser},
		{"AdminCredentials", testAdminCredentials},
		{"AdminSessions", testAdminSessions},
		{"AdminListUsers", testAdminListUsers},
		{"UsersListKeyset", testUsersListKeyset},
		{"AdminListWallets", testAdminListWallets},
		{"AdminListVisitors", testAdminListVisitors},
		{"MFADevices", testMFADevices},
		{"DeleteMFADeviceProof", testDeleteMFADeviceProof},
		{"MFAStepRace", testMFAStepRace},
		{"RecoveryCodes", testRecoveryCodes},
		{"MFAAttempts", testMFAAttempts},
		{"MFATokens", testMFATokens},
		{"PasskeyChallenges", testPasskeyChallenges},
		{"OTPCodes", testOTPCodes},
		{"OTPConsume", testOTPConsume},
		{"OTPBruteForce", testOTPBruteForce},
		{"Passkeys", testPasskeys},
		{"DeletePasskeyProof", testDeletePasskeyProof},
		{"InsertFactorProof", testInsertFactorProof},
		{"Devices", testDevices},
		{"Allowlists", testAllowlists},
		{"Gates", testGates},
		{"ChainalysisChecks", testChainalysisChecks},
		{"SdkViews", testSdkViews},
		{"CustomHostnames", testCustomHostnames},
		{"DeeplinkUrls", testDeeplinkUrls},
		{"Exchanges", testExchanges},
		{"SocialProviders", testSocialProviders},
		{"SocialStates", testSocialStates},
		{"SocialStatesRace", testSocialStatesRace},
		{"TelegramReplays", testTelegramReplays},
		{"ExternalAssertions", testExternalAssertions},
		{"OAuthTokens", testOAuthTokens},
		{"OAuthProfile", testOAuthProfile},
		{"VouchedSignIn", testVouchedSignIn},
		{"EmailClaims", testEmailClaims},
		{"MergeEmailMark", testMergeEmailMark},
		{"SocialJoinSignIn", testSocialJoinSignIn},
		{"SocialSignInAtomic", testSocialSignInAtomic},
		{"Webhooks", testWebhooks},
		{"WebhookJobsInTransaction", testWebhookJobsInTransaction},
		{"WebhookDisable", testWebhookDisable},
		{"WebhookURLChange", testWebhookURLChange},
		{"Caps", testCaps},
		{"WebhookLogPastPurge", testWebhookLogPastPurge},
		{"UnstorableText", testUnstorableText},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := open(t)
			c.fn(t, s)
		})
	}
}

// ---- fixtures ----

// clock hands out distinct, increasing, millisecond-precision UTC times so
// that orderings by creation time are deterministic; concurrent cases
// share one.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Now().UTC().Truncate(time.Millisecond).Add(-time.Hour)}
}

func (c *clock) next() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func id() string { return uuid.NewString() }

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func ctx(t *testing.T) context.Context { return t.Context() }

func newUser(c *clock, name string) tenant.DashboardUser {
	return tenant.DashboardUser{
		ID: id(), Alias: name, Email: name + "@example.com", FirstName: "First " + name, LastName: "Last " + name,
		WalletPublicKey: "0x" + name, CreatedAt: c.next(),
	}
}

func newOrgValue(c *clock, name string) *tenant.Organization {
	at := c.next()
	return &tenant.Organization{
		ID: id(), Name: name, Description: name + " description", WebsiteURL: "https://" + name + ".example.com",
		ImplementationTimeline: "now",
		Address: tenant.Address{Line1: "1 Main St", Line2: "Suite 2", City: "Springfield", Region: "IL",
			PostalCode: "62701", Country: "US"},
		CreatedAt: at, UpdatedAt: at,
	}
}

// createOrg creates an organization owned by user and returns it with the
// owner membership.
func createOrg(t *testing.T, s store.Store, c *clock, name string, user tenant.DashboardUser) (*tenant.Organization, *tenant.Member) {
	t.Helper()
	org := newOrgValue(c, name)
	owner := &tenant.Member{ID: id(), OrganizationID: org.ID, User: user, Role: tenant.RoleOwner, CreatedAt: c.next()}
	if err := s.CreateOrganization(ctx(t), org, owner); err != nil {
		t.Fatalf("CreateOrganization(%s): %v", name, err)
	}
	return org, owner
}

func settingsJSON(env, project string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"general":{"displayName":%q,"environment":%q},"sdk":{"emailSignIn":true,"n":3}}`, project, env))
}

func newEnv(c *clock, projectID, orgID, name, projectName string) *tenant.Environment {
	at := c.next()
	return &tenant.Environment{ID: id(), ProjectID: projectID, OrganizationID: orgID, Name: name,
		Settings: settingsJSON(name, projectName), SDKVersion: "1.2.3", CreatedAt: at, UpdatedAt: at}
}

// createProject creates a project with its two environments; the live one
// is passed first so backends must order environments themselves.
func createProject(t *testing.T, s store.Store, c *clock, orgID, name string) (p *tenant.Project, sandbox, live *tenant.Environment) {
	t.Helper()
	at := c.next()
	p = &tenant.Project{ID: id(), OrganizationID: orgID, Name: name, CreatedAt: at, UpdatedAt: at}
	sandbox = newEnv(c, p.ID, orgID, tenant.EnvSandbox, name)
	live = newEnv(c, p.ID, orgID, tenant.EnvLive, name)
	if err := s.CreateProject(ctx(t), p, []*tenant.Environment{live, sandbox}, tenant.MaxProjects); err != nil {
		t.Fatalf("CreateProject(%s): %v", name, err)
	}
	return p, sandbox, live
}

func newToken(t *testing.T, c *clock, env *tenant.Environment, by *tenant.Member, note string, scopes []tenant.Scope, orgWide bool) *tenant.Token {
	return &tenant.Token{
		ID: id(), EnvironmentID: env.ID, ProjectID: env.ProjectID, OrganizationID: env.OrganizationID,
		Hash: randomBytes(t, 32), Checksum: "chk-" + note, Note: note, Scopes: scopes, OrgWide: orgWide,
		CreatedBy: *by, CreatedAt: c.next(),
	}
}

func createToken(t *testing.T, s store.Store, c *clock, env *tenant.Environment, by *tenant.Member, note string, scopes []tenant.Scope, orgWide bool) *tenant.Token {
	t.Helper()
	tok := newToken(t, c, env, by, note, scopes, orgWide)
	if err := s.CreateToken(ctx(t), tok, tenant.MaxTokens); err != nil {
		t.Fatalf("CreateToken(%s): %v", note, err)
	}
	return tok
}

func createOrigin(t *testing.T, s store.Store, c *clock, envID, origin string) *tenant.Origin {
	t.Helper()
	o := &tenant.Origin{ID: id(), EnvironmentID: envID, Origin: origin, CreatedAt: c.next()}
	if err := s.AddOrigin(ctx(t), o, tenant.MaxOrigins); err != nil {
		t.Fatalf("AddOrigin(%s): %v", origin, err)
	}
	return o
}

func newInvite(c *clock, org *tenant.Organization, email, wallet, phone string, role tenant.Role) *tenant.Invite {
	return &tenant.Invite{ID: id(), OrganizationID: org.ID, OrganizationName: org.Name, Status: tenant.InvitePending,
		Email: email, Alias: "alias-" + email + wallet + phone, WalletPublicKey: wallet, PhoneNumber: phone,
		Role: role, CreatedByEmail: "owner@example.com", CreatedAt: c.next()}
}

func createInvite(t *testing.T, s store.Store, c *clock, org *tenant.Organization, email, wallet, phone string, role tenant.Role) *tenant.Invite {
	t.Helper()
	inv := newInvite(c, org, email, wallet, phone, role)
	if err := s.CreateInvite(ctx(t), inv, tenant.MaxPendingInvites); err != nil {
		t.Fatalf("CreateInvite: %v", err)
	}
	return inv
}

// addMember makes user a member of org with role, the way the service does:
// an invite, accepted.
func addMember(t *testing.T, s store.Store, c *clock, org *tenant.Organization, user tenant.DashboardUser, role tenant.Role) *tenant.Member {
	t.Helper()
	inv := createInvite(t, s, c, org, user.Email, "", "", role)
	m := &tenant.Member{ID: id(), OrganizationID: org.ID, User: user, Role: role, CreatedAt: c.next()}
	if err := s.SetInviteStatus(ctx(t), inv.ID, tenant.InviteAccepted, m, tenant.MaxPendingInvites); err != nil {
		t.Fatalf("accept invite of %s: %v", user.Alias, err)
	}
	return m
}

func newSigningKey(t *testing.T, c *clock, envID string) *signing.Key {
	return &signing.Key{ID: id(), EnvironmentID: envID, Algorithm: signing.ES256,
		PublicPEM:     "-----BEGIN PUBLIC KEY-----\n" + uuid.NewString() + "\n-----END PUBLIC KEY-----\n",
		PrivateSealed: randomBytes(t, 48), CreatedAt: c.next()}
}

// ---- assertions ----

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", what, err)
	}
}

func wantKind(t *testing.T, what string, err error, k errs.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: got no error, want kind %s", what, kindName(k))
	}
	if !errs.Is(err, k) {
		t.Fatalf("%s: got %v (kind %s), want kind %s", what, err, kindName(errs.KindOf(err)), kindName(k))
	}
}

func wantErr(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: got no error, want one", what)
	}
}

func kindName(k errs.Kind) string {
	names := map[errs.Kind]string{errs.KindInternal: "Internal", errs.KindInvalid: "Invalid",
		errs.KindUnauthorized: "Unauthorized", errs.KindForbidden: "Forbidden", errs.KindNotFound: "NotFound",
		errs.KindConflict: "Conflict", errs.KindUnprocessable: "Unprocessable", errs.KindRateLimited: "RateLimited"}
	if n, ok := names[k]; ok {
		return n
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func eqTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func eqTimePtr(t *testing.T, what string, got, want *time.Time) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s = %v, want %v", what, got, want)
	default:
		eqTime(t, what, *got, *want)
	}
}

func eqBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s = %x, want %x", what, got, want)
	}
}

// eqJSON compares two JSON documents by value (backends may reformat).
func eqJSON(t *testing.T, what string, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Errorf("%s: not JSON: %v (%q)", what, err, got)
		return
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: fixture not JSON: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

func eqStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

// eqSet compares ignoring order.
func eqSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Errorf("%s = %q, want (any order) %q", what, got, want)
	}
}

func eqOrganization(t *testing.T, what string, got, want *tenant.Organization) {
	t.Helper()
	eq(t, what+".ID", got.ID, want.ID)
	eq(t, what+".Name", got.Name, want.Name)
	eq(t, what+".Description", got.Description, want.Description)
	eq(t, what+".WebsiteURL", got.WebsiteURL, want.WebsiteURL)
	eq(t, what+".ImplementationTimeline", got.ImplementationTimeline, want.ImplementationTimeline)
	eq(t, what+".Address", got.Address, want.Address)
	eqTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	eqTime(t, what+".UpdatedAt", got.UpdatedAt, want.UpdatedAt)
}

func eqUser(t *testing.T, what string, got, want tenant.DashboardUser, withCreated bool) {
	t.Helper()
	eq(t, what+".ID", got.ID, want.ID)
	eq(t, what+".Alias", got.Alias, want.Alias)
	eq(t, what+".Email", got.Email, want.Email)
	eq(t, what+".FirstName", got.FirstName, want.FirstName)
	eq(t, what+".LastName", got.LastName, want.LastName)
	eq(t, what+".WalletPublicKey", got.WalletPublicKey, want.WalletPublicKey)
	if withCreated {
		eqTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	}
}

func eqMember(t *testing.T, what string, got, want *tenant.Member) {
	t.Helper()
	eq(t, what+".ID", got.ID, want.ID)
	eq(t, what+".OrganizationID", got.OrganizationID, want.OrganizationID)
	eq(t, what+".Role", got.Role, want.Role)
	eqTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	eqUser(t, what+".User", got.User, want.User, true)
}

func eqProject(t *testing.T, what string, got, want *tenant.Project, envs []tenant.EnvironmentRef) {
	t.Helper()
	eq(t, what+".ID", got.ID, want.ID)
	eq(t, what+".OrganizationID", got.OrganizationID, want.OrganizationID)
	eq(t, what+".Name", got.Name, want.Name)
	eqTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	eqTime(t, what+".UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	if !slices.Equal(got.Environments, envs) {
		t.Errorf("%s.Environments = %+v, want (sandbox first) %+v", what, got.Environments, envs)
	}
}

func eqEnvironment(t *testing.T, what string, got, want *tenant.Environment) {
	t.Helper()
	eq(t, what+".ID", got.ID, want.ID)
	eq(t, what+".ProjectID", got.ProjectID, want.ProjectID)
	eq(t, what+".OrganizationID", got.OrganizationID, want.OrganizationID)
	eq(t, what+".Name", got.Name, want.Name)
	eq(t, what+".SDKVersion", got.SDKVersion, want.SDKVersion)
	eqJSON(t, what+".Settings", got.Settings, want.Settings)
	eqTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	eqTime(t, what+".UpdatedAt", got.UpdatedAt, want.UpdatedAt)
}

func eqToken(t *testing.T, what string, got, want *tenant.Token) {
	t.Helper()
	eq(t, what+".ID", got.ID, want.ID)
	eq(t, what+".EnvironmentID", got.EnvironmentID, want.EnvironmentID)
	eq(t, what+".ProjectID", got.ProjectID, want.ProjectID)
	eq(t, what+".OrganizationID", got.OrganizationID, want.OrganizationID)
	eqBytes(t, what+".Hash", got.Hash, want.Hash)
	eq(t, what+".Checksum", got.Checksum, want.Checksum)
	eq(t, what+".Note", got.Note, want.Note)
	if !slices.Equal(got.Scopes, want.Scopes) { // nil and empty are equal
		t.Errorf("%s.Scopes = %q, want %q", what, got.Scopes, want.Scopes)
	}
	eq(t, what+".OrgWide", got.OrgWide, want.OrgWide)
	eqTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	eq(t, what+".CreatedBy.ID", got.CreatedBy.ID, want.CreatedBy.ID)
	eq(t, what+".CreatedBy.OrganizationID", got.CreatedBy.OrganizationID, want.CreatedBy.OrganizationID)
	eq(t, what+".CreatedBy.Role", got.CreatedBy.Role, want.CreatedBy.Role)
	eqUser(t, what+".CreatedBy.User", got.CreatedBy.User, want.CreatedBy.User, false)
}

func eqOrigin(t *testing.T, what string, got, want *tenant.Origin) {
	t.Helper()
	eq(t, what+".ID", got.ID, want.ID)
	eq(t, what+".EnvironmentID", got.EnvironmentID, want.EnvironmentID)
	eq(t, what+".Origin", got.Origin, want.Origin)
	eqTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
}

func eqInvite(t *testing.T, what string, got, want *tenant.Invite) {
	t.Helper()
	eq(t, what+".ID", got.ID, want.ID)
	eq(t, what+".OrganizationID", got.OrganizationID, want.OrganizationID)
	eq(t, what+".OrganizationName", got.OrganizationName, want.OrganizationName)
	eq(t, what+".Status", got.Status, want.Status)
	eq(t, what+".Email", got.Email, want.Email)
	eq(t, what+".Alias", got.Alias, want.Alias)
	eq(t, what+".WalletPublicKey", got.WalletPublicKey, want.WalletPublicKey)
	eq(t, what+".PhoneNumber", got.PhoneNumber, want.PhoneNumber)
	eq(t, what+".Role", got.Role, want.Role)
	eq(t, what+".CreatedByEmail", got.CreatedByEmail, want.CreatedByEmail)
	eqTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
}

func eqSsoProvider(t *testing.T, what string, got, want *tenant.SsoProvider) {
	t.Helper()
	eq(t, what+".ID", got.ID, want.ID)
	eq(t, what+".OrganizationID", got.OrganizationID, want.OrganizationID)
	eq(t, what+".ClientID", got.ClientID, want.ClientID)
	eqBytes(t, what+".ClientSecretSealed", got.ClientSecretSealed, want.ClientSecretSealed)
	eq(t, what+".MaskedClientSecret", got.MaskedClientSecret, want.MaskedClientSecret)
	eq(t, what+".SsoDomain", got.SsoDomain, want.SsoDomain)
	eq(t, what+".EmailDomain", got.EmailDomain, want.EmailDomain)
	eq(t, what+".Provider", got.Provider, want.Provider)
	eq(t, what+".RedirectURL", got.RedirectURL, want.RedirectURL)
	eq(t, what+".EnforceOnlySSO", got.EnforceOnlySSO, want.EnforceOnlySSO)
	eqTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	eqTime(t, what+".UpdatedAt", got.UpdatedAt, want.UpdatedAt)
}

func eqSigningKey(t *testing.T, what string, got, want *signing.Key) {
	t.Helper()
	eq(t, what+".ID", got.ID, want.ID)
	eq(t, what+".EnvironmentID", got.EnvironmentID, want.EnvironmentID)
	eq(t, what+".Algorithm", got.Algorithm, want.Algorithm)
	eq(t, what+".PublicPEM", got.PublicPEM, want.PublicPEM)
	eqBytes(t, what+".PrivateSealed", got.PrivateSealed, want.PrivateSealed)
	eqTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	eqTimePtr(t, what+".RetiredAt", got.RetiredAt, want.RetiredAt)
}

func ids[T any](items []T, idOf func(*T) string) []string {
	out := make([]string, len(items))
	for i := range items {
		out[i] = idOf(&items[i])
	}
	return out
}

func memberIDs(ms []tenant.Member) []string {
	return ids(ms, func(m *tenant.Member) string { return m.ID })
}

func inviteIDs(is []tenant.Invite) []string {
	return ids(is, func(i *tenant.Invite) string { return i.ID })
}

func tokenIDs(ts []tenant.Token) []string {
	return ids(ts, func(t *tenant.Token) string { return t.ID })
}

func originIDs(os []tenant.Origin) []string {
	return ids(os, func(o *tenant.Origin) string { return o.ID })
}

func projectIDs(ps []tenant.Project) []string {
	return ids(ps, func(p *tenant.Project) string { return p.ID })
}

func refs(sandbox, live *tenant.Environment) []tenant.EnvironmentRef {
	return []tenant.EnvironmentRef{{ID: sandbox.ID, Name: tenant.EnvSandbox}, {ID: live.ID, Name: tenant.EnvLive}}
}

func roleOf(t *testing.T, s store.Store, memberID string) tenant.Role {
	t.Helper()
	m, err := s.GetMember(ctx(t), memberID)
	must(t, "GetMember", err)
	return m.Role
}
