package storetest

// Fixtures and assertions for end users: wallets, nonces, sign-ins,
// sessions, custom fields, and the optional outbox check.

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/sqlstore"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/mr-tron/base58"
)

// EventCounter is optional. A backend that implements it also has the
// outbox events its writes record checked: EventCounts returns how many
// events of each name an environment's outbox holds. Backends without it
// skip those checks (they are logged).
type EventCounter interface {
	EventCounts(ctx context.Context, envID string) (map[string]int, error)
}

// wantEvents checks the environment's outbox holds exactly want[name]
// events of each name in want (other names are not looked at).
func wantEvents(t *testing.T, s store.Store, what, envID string, want map[string]int) {
	t.Helper()
	ec, ok := s.(EventCounter)
	if !ok {
		t.Logf("%s: outbox not checked: the store does not implement storetest.EventCounter", what)
		return
	}
	got, err := ec.EventCounts(ctx(t), envID)
	must(t, what+": EventCounts", err)
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if got[name] != want[name] {
			t.Errorf("%s: %d %q events, want %d", what, got[name], name, want[name])
		}
	}
}

// wantCode checks err is an *errs.E of kind k with the contract code.
func wantCode(t *testing.T, what string, err error, k errs.Kind, code string) {
	t.Helper()
	wantKind(t, what, err, k)
	var e *errs.E
	if !errors.As(err, &e) {
		t.Fatalf("%s: %T %v is not an *errs.E", what, err, err)
	}
	if e.Code != code {
		t.Fatalf("%s: code %q (%v), want %q", what, e.Code, err, code)
	}
}

// endEnv is an organization's project with its two environments.
type endEnv struct {
	org           *tenant.Organization
	sandbox, live *tenant.Environment
}

func newEndEnv(t *testing.T, s store.Store, c *clock) endEnv {
	t.Helper()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	_, sb, lv := createProject(t, s, c, org.ID, "app")
	return endEnv{org: org, sandbox: sb, live: lv}
}

func randomHex(t *testing.T, n int) string { return hex.EncodeToString(randomBytes(t, n)) }

// newWallet is an EVM wallet credential as sign-in builds it (times are
// set when it is used).
func newWallet(t *testing.T, envID string) users.Credential {
	stored, display := users.NormalizeAddress(users.ChainEIP155, "0x"+randomHex(t, 20))
	return users.Credential{ID: id(), EnvironmentID: envID, Format: users.FormatBlockchain, Chain: users.ChainEIP155,
		Address: stored, PublicIdentifier: display, WalletName: "metamask", WalletProvider: "browserExtension",
		SignInEnabled: true}
}

// newSolanaWallet is a Solana wallet credential.
func newSolanaWallet(t *testing.T, envID string) users.Credential {
	a := base58.Encode(randomBytes(t, 32))
	return users.Credential{ID: id(), EnvironmentID: envID, Format: users.FormatBlockchain, Chain: users.ChainSolana,
		Address: a, PublicIdentifier: a, WalletName: "phantom", WalletProvider: "browserExtension", SignInEnabled: true}
}

// sameWallet is another sign-in's candidate credential for w's address.
func sameWallet(w users.Credential) users.Credential {
	w.ID, w.UserID = id(), ""
	return w
}

// nonceMinter mints the suite's nonces (the service's format, which the
// store reads the expiry of).
var nonceMinter = signin.NewNonceMinter([]byte("storetest nonce key, 32 bytes..."))

// mintNonce is a nonce of envID expiring at exp.
func mintNonce(t *testing.T, envID string, exp time.Time) string {
	t.Helper()
	n, err := nonceMinter.Issue(envID, exp)
	must(t, "mint nonce", err)
	return n
}

// issueNonces mints n fresh nonces of an environment, live for a day.
// Issuing writes nothing: a nonce is recorded when used.
func issueNonces(t *testing.T, s store.Store, c *clock, envID string, n int) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		out[i] = mintNonce(t, envID, c.t.Add(24*time.Hour))
	}
	return out
}

func issueNonce(t *testing.T, s store.Store, c *clock, envID string) string {
	t.Helper()
	return issueNonces(t, s, c, envID, 1)[0]
}

// newSession is a session of envID starting at now.
func newSession(t *testing.T, envID string, now time.Time) *session.Session {
	return &session.Session{ID: id(), EnvironmentID: envID, SessionPublicKey: "02" + randomHex(t, 32),
		IPAddress: "203.0.113.7", UserAgent: "storetest/1.0", CreatedAt: now, ExpiresAt: now.Add(2 * time.Hour),
		RefreshExpiresAt: now.Add(30 * 24 * time.Hour)}
}

// signInEvents are the events wallet sign-in writes.
var signInEvents = []signin.Event{{Name: "user.created", OnlyIfNew: true}, {Name: "wallet.linked", OnlyIfNew: true},
	{Name: "user.session.created"}}

// newWrite is a sign-in of cred at now with the nonces, as the service
// builds it.
func newWrite(t *testing.T, envID string, cred users.Credential, now time.Time, nonces ...string) *signin.Write {
	cred.VerifiedAt, cred.CreatedAt = now, now
	return &signin.Write{EnvironmentID: envID, Nonces: nonces, Now: now, Credential: cred, NewUserID: id(),
		Session: newSession(t, envID, now), Events: signInEvents}
}

// oneWriter tells whether the store's writes run one at a time, which
// makes a sign-in wait for a bulk import's batch (sqlstore.Dialect).
func oneWriter(s store.Store) bool {
	d, ok := s.(interface{ Driver() sqlstore.Driver })
	return ok && d.Driver().Dialect().OneWriter
}

// signInAt signs cred in at now with a fresh nonce; it must succeed.
func signInAt(t *testing.T, s store.Store, c *clock, envID string, cred users.Credential, now time.Time) (*users.User, *session.Session, bool) {
	t.Helper()
	w := newWrite(t, envID, cred, now, issueNonce(t, s, c, envID))
	before := s.WriterSignIns()
	u, created, err := s.CompleteSignIn(ctx(t), w)
	must(t, "CompleteSignIn", err)
	if counted := s.WriterSignIns() > before; counted != oneWriter(s) {
		t.Errorf("a sign-in counted by WriterSignIns: %v, want %v (whether the store has one writer)", counted, oneWriter(s))
	}
	return u, w.Session, created
}

func signIn(t *testing.T, s store.Store, c *clock, envID string, cred users.Credential) (*users.User, *session.Session) {
	t.Helper()
	u, ss, _ := signInAt(t, s, c, envID, cred, c.next())
	return u, ss
}

// userCount is the environment's number of users (via VisitorStats).
func userCount(t *testing.T, s store.Store, envID string) int {
	t.Helper()
	v, err := s.VisitorStats(ctx(t), envID, time.Time{})
	must(t, "VisitorStats", err)
	return v.Users
}

func getUser(t *testing.T, s store.Store, userID string) *users.User {
	t.Helper()
	u, err := s.GetUser(ctx(t), userID)
	must(t, "GetUser", err)
	return u
}

func credentialIDs(u *users.User) []string {
	return ids(u.Credentials, func(c *users.Credential) string { return c.ID })
}

func eqCredential(t *testing.T, what string, got, want *users.Credential) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: missing, want credential %s", what, want.ID)
		return
	}
	eq(t, what+".ID", got.ID, want.ID)
	eq(t, what+".UserID", got.UserID, want.UserID)
	eq(t, what+".EnvironmentID", got.EnvironmentID, want.EnvironmentID)
	eq(t, what+".Format", got.Format, want.Format)
	eq(t, what+".Chain", got.Chain, want.Chain)
	eq(t, what+".Address", got.Address, want.Address)
	eq(t, what+".PublicIdentifier", got.PublicIdentifier, want.PublicIdentifier)
	eq(t, what+".WalletName", got.WalletName, want.WalletName)
	eq(t, what+".WalletProvider", got.WalletProvider, want.WalletProvider)
	eq(t, what+".SignInEnabled", got.SignInEnabled, want.SignInEnabled)
	eqTime(t, what+".VerifiedAt", got.VerifiedAt, want.VerifiedAt)
	eqTimePtr(t, what+".LastSelectedAt", got.LastSelectedAt, want.LastSelectedAt)
	eqTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	eq(t, what+".PhotoURL", got.PhotoURL, want.PhotoURL)
}

// eqProfile compares the profile columns and metadata (by JSON value).
func eqProfile(t *testing.T, what string, got, want *users.User) {
	t.Helper()
	eq(t, what+".ID", got.ID, want.ID)
	eq(t, what+".EnvironmentID", got.EnvironmentID, want.EnvironmentID)
	eq(t, what+".Email", got.Email, want.Email)
	eq(t, what+".Alias", got.Alias, want.Alias)
	eq(t, what+".FirstName", got.FirstName, want.FirstName)
	eq(t, what+".LastName", got.LastName, want.LastName)
	eq(t, what+".PhoneNumber", got.PhoneNumber, want.PhoneNumber)
	eq(t, what+".JobTitle", got.JobTitle, want.JobTitle)
	eq(t, what+".Username", got.Username, want.Username)
	eq(t, what+".Country", got.Country, want.Country)
	eq(t, what+".TShirtSize", got.TShirtSize, want.TShirtSize)
	eq(t, what+".Team", got.Team, want.Team)
	if len(want.Metadata) > 0 {
		eqJSON(t, what+".Metadata", got.Metadata, want.Metadata)
	}
}

func eqSession(t *testing.T, what string, got, want *session.Session) {
	t.Helper()
	eq(t, what+".ID", got.ID, want.ID)
	eq(t, what+".EnvironmentID", got.EnvironmentID, want.EnvironmentID)
	eq(t, what+".UserID", got.UserID, want.UserID)
	eq(t, what+".SigninCredentialID", got.SigninCredentialID, want.SigninCredentialID)
	eq(t, what+".SessionPublicKey", got.SessionPublicKey, want.SessionPublicKey)
	eq(t, what+".IPAddress", got.IPAddress, want.IPAddress)
	eq(t, what+".UserAgent", got.UserAgent, want.UserAgent)
	eqTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	eqTime(t, what+".ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	eqTime(t, what+".RefreshExpiresAt", got.RefreshExpiresAt, want.RefreshExpiresAt)
	eqTimePtr(t, what+".RevokedAt", got.RevokedAt, want.RevokedAt)
}

func eqUserSession(t *testing.T, what string, got *users.UserSession, want *session.Session) {
	t.Helper()
	eq(t, what+".ID", got.ID, want.ID)
	eq(t, what+".UserID", got.UserID, want.UserID)
	eq(t, what+".EnvironmentID", got.EnvironmentID, want.EnvironmentID)
	eq(t, what+".IPAddress", got.IPAddress, want.IPAddress)
	eq(t, what+".UserAgent", got.UserAgent, want.UserAgent)
	eqTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	eqTimePtr(t, what+".RevokedAt", got.RevokedAt, want.RevokedAt)
}

func eqField(t *testing.T, what string, got, want *users.CustomField) {
	t.Helper()
	eq(t, what+".ID", got.ID, want.ID)
	eq(t, what+".EnvironmentID", got.EnvironmentID, want.EnvironmentID)
	eq(t, what+".Key", got.Key, want.Key)
	eq(t, what+".Name", got.Name, want.Name)
	eq(t, what+".Enabled", got.Enabled, want.Enabled)
	eq(t, what+".Required", got.Required, want.Required)
	eq(t, what+".Type", got.Type, want.Type)
	if !reflect.DeepEqual(got.Rules, want.Rules) {
		t.Errorf("%s.Rules = %+v, want %+v", what, got.Rules, want.Rules)
	}
	eq(t, what+".Position", got.Position, want.Position)
	eqTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	eqTime(t, what+".UpdatedAt", got.UpdatedAt, want.UpdatedAt)
}

// eqFields compares a field list, in order.
func eqFields(t *testing.T, what string, got, want []users.CustomField) {
	t.Helper()
	gi := ids(got, func(f *users.CustomField) string { return f.ID })
	wi := ids(want, func(f *users.CustomField) string { return f.ID })
	if !slices.Equal(gi, wi) {
		t.Errorf("%s ids = %q, want %q", what, gi, wi)
		return
	}
	for i := range got {
		eqField(t, what+"["+want[i].Name+"]", &got[i], &want[i])
	}
}

// newField is a custom field definition (position set by the caller).
func newField(c *clock, envID, key, name string, ft users.FieldType, rules users.ValidationRules) users.CustomField {
	at := c.next()
	return users.CustomField{ID: id(), EnvironmentID: envID, Key: key, Name: name, Enabled: true, Type: ft,
		Rules: rules, CreatedAt: at, UpdatedAt: at}
}

func renumbered(fields ...users.CustomField) []users.CustomField {
	out := slices.Clone(fields)
	for i := range out {
		out[i].Position = i
	}
	return out
}

// putFields stores fields as the environment's whole list, changed being
// the one created or updated; it returns the list as stored.
func putFields(t *testing.T, s store.Store, envID string, at time.Time, fields []users.CustomField, changedID string, mod func(*users.FieldsChange)) []users.CustomField {
	t.Helper()
	fields = renumbered(fields...)
	err := s.ChangeCustomFields(ctx(t), envID, func(cur []users.CustomField) (*users.FieldsChange, error) {
		ch := &users.FieldsChange{Fields: fields, At: at}
		for i := range fields {
			if fields[i].ID == changedID {
				ch.Changed = &fields[i]
				ch.MadeUnique = fields[i].Rules.Unique && !slices.ContainsFunc(cur, func(f users.CustomField) bool {
					return f.ID == changedID && f.Rules.Unique
				})
			}
		}
		if mod != nil {
			mod(ch)
		}
		return ch, nil
	})
	must(t, "ChangeCustomFields", err)
	return fields
}

// setProfile runs UpdateProfile with edit applied to the current user and
// the given unique values.
func setProfile(s store.Store, t *testing.T, userID string, at time.Time, edit func(u *users.User), unique ...users.UniqueValue) (*users.User, error) {
	return s.UpdateProfile(ctx(t), userID, func(cur *users.User, _ []users.CustomField) (*users.ProfileChange, error) {
		next := *cur
		edit(&next)
		next.UpdatedAt = at
		return &users.ProfileChange{User: &next, Unique: unique}, nil
	})
}

func metadata(t *testing.T, kv map[string]any) json.RawMessage {
	b, err := json.Marshal(kv)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// draftUser is a user an operator creates, with one EVM wallet.
func draftUser(t *testing.T, envID string, now time.Time, email, username string) *users.User {
	u := &users.User{ID: id(), EnvironmentID: envID, Email: email, Username: username, Alias: "alias " + username,
		FirstName: "First", LastName: "Last", Metadata: json.RawMessage(`{}`), CreatedAt: now, UpdatedAt: now, LastVisitAt: now}
	w := newWallet(t, envID)
	w.UserID, w.VerifiedAt, w.CreatedAt = u.ID, now, now
	u.Credentials = []users.Credential{w}
	return u
}

// saveUser creates a user through the admin store; it must succeed.
func saveUser(t *testing.T, s store.Store, d *users.User, now time.Time) *users.User {
	t.Helper()
	u, created, err := s.SaveUser(ctx(t), &users.SaveUser{Draft: d, Now: now})
	must(t, "SaveUser", err)
	eq(t, "SaveUser created", created, true)
	return u
}

func ptr[T any](v T) *T { return &v }
