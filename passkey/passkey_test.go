package passkey

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/passkey/passkeytest"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

const (
	envID  = "env-1"
	origin = "https://app.example.com"
)

type fixture struct {
	s     *Service
	store *memStore
	envs  *envs
	now   time.Time
	user  *users.User
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{store: newMemStore(), now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		user: &users.User{ID: "0190a0a0-0000-7000-8000-000000000001", Email: "ann@example.com"}}
	f.envs = &envs{env: tenant.Environment{ID: envID, ProjectID: "p", Name: tenant.EnvLive}, origins: []string{origin}}
	f.s = New(Deps{Store: f.store, Envs: f.envs, Now: func() time.Time { return f.now }, Config: Config{MaxPerUser: 2}})
	return f
}

func code(err error) string {
	var e *errs.E
	if err == nil {
		return ""
	}
	if x, ok := err.(*errs.E); ok {
		e = x
		return e.Code
	}
	return "?"
}

func challengeOf(t *testing.T, c []byte) string {
	t.Helper()
	return base64.RawURLEncoding.EncodeToString(c)
}

// register runs a whole registration with a new software authenticator.
func (f *fixture) register(t *testing.T, clientDataKey string) *passkeytest.Authenticator {
	t.Helper()
	ctx := context.Background()
	opts, err := f.s.BeginRegistration(ctx, envID, f.user, origin, "")
	if err != nil {
		t.Fatal(err)
	}
	if opts.RelyingParty.ID != "app.example.com" || opts.AuthenticatorSelection.ResidentKey != "required" {
		t.Fatalf("creation options rp %+v selection %+v", opts.RelyingParty, opts.AuthenticatorSelection)
	}
	a, err := newAuthenticator(t, f)
	if err != nil {
		t.Fatal(err)
	}
	body, err := a.Create(challengeOf(t, opts.Challenge), clientDataKey)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.s.FinishRegistration(ctx, envID, f.user, body, "test-agent")
	if err != nil {
		t.Fatalf("finish registration: %v", err)
	}
	// The passkey returned is the one stored, with its verified credential.
	listed, err := f.s.List(ctx, f.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(listed, func(l Passkey) bool { return l.ID == p.ID }); i < 0 ||
		p.VerifiedCredentialID == "" || listed[i].VerifiedCredentialID != p.VerifiedCredentialID {
		t.Fatalf("registered passkey %s with verified credential %q; %d listed", p.ID, p.VerifiedCredentialID, len(listed))
	}
	return a
}

// newAuthenticator is a software authenticator for the fixture's user.
func newAuthenticator(t *testing.T, f *fixture) (*passkeytest.Authenticator, error) {
	t.Helper()
	a, err := passkeytest.New("app.example.com", origin)
	if err != nil {
		return nil, err
	}
	a.UserHandle = []byte(f.user.ID)
	return a, nil
}

// stepUp runs a re-authentication of the fixture's user with a.
func (f *fixture) stepUp(t *testing.T, a *passkeytest.Authenticator) (*Passkey, error) {
	t.Helper()
	opts, err := f.s.BeginAuthenticate(context.Background(), envID, f.user, origin, "")
	if err != nil {
		t.Fatal(err)
	}
	body, err := a.Get(challengeOf(t, opts.Challenge))
	if err != nil {
		t.Fatal(err)
	}
	return f.s.FinishAuthenticate(context.Background(), envID, f.user.ID, body)
}

func (f *fixture) signIn(t *testing.T, a *passkeytest.Authenticator) (*Passkey, error) {
	t.Helper()
	opts, err := f.s.BeginSignIn(context.Background(), envID, origin, "")
	if err != nil {
		t.Fatal(err)
	}
	body, err := a.Get(challengeOf(t, opts.Challenge))
	if err != nil {
		t.Fatal(err)
	}
	return f.s.FinishSignIn(context.Background(), envID, body)
}

func TestRegisterThenSignIn(t *testing.T) {
	f := newFixture(t)
	a := f.register(t, "clientDataJson") // the registration spelling
	p, err := f.signIn(t, a)
	if err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	if p.UserID != f.user.ID || p.SignCount != 1 {
		t.Fatalf("signed in %+v", p)
	}
	if _, err := f.signIn(t, a); err != nil {
		t.Fatalf("second sign-in: %v", err)
	}
	vc := f.store.creds[p.ID]
	if vc == nil || vc.Format != users.FormatPasskey {
		t.Fatalf("no passkey verified credential stored: %+v", vc)
	}
}

func TestReplayedAssertionIsRefused(t *testing.T) {
	f := newFixture(t)
	a := f.register(t, "clientDataJSON")
	opts, _ := f.s.BeginSignIn(context.Background(), envID, origin, "")
	body, _ := a.Get(challengeOf(t, opts.Challenge))
	if _, err := f.s.FinishSignIn(context.Background(), envID, body); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.FinishSignIn(context.Background(), envID, body); code(err) != codeVerifyFailure {
		t.Fatalf("replayed assertion: %v", err)
	}
}

func TestAssertionForAnotherOriginOrRPIsRefused(t *testing.T) {
	f := newFixture(t)
	a := f.register(t, "clientDataJSON")
	a.Origin = "https://evil.example.net"
	if _, err := f.signIn(t, a); code(err) != codeVerifyFailure {
		t.Fatalf("assertion from another origin: %v", err)
	}
	a.Origin, a.RPID = origin, "evil.example.net"
	if _, err := f.signIn(t, a); code(err) != codeVerifyFailure {
		t.Fatalf("assertion for another RP ID: %v", err)
	}
	if _, err := f.s.BeginSignIn(context.Background(), envID, "https://evil.example.net", ""); err == nil {
		t.Fatal("options issued to an origin that is not allowed")
	}
	if _, err := f.s.BeginSignIn(context.Background(), envID, origin, "other.com"); err == nil {
		t.Fatal("a relatedOriginRpId unrelated to the origins was accepted")
	}
	if opts, err := f.s.BeginSignIn(context.Background(), envID, origin, "example.com"); err != nil || opts.RelyingPartyID != "example.com" {
		t.Fatalf("parent domain as related RP ID: %+v %v", opts, err)
	}
}

func TestSignCounterGoingBackwardsIsRefused(t *testing.T) {
	f := newFixture(t)
	a := f.register(t, "clientDataJSON")
	a.Counter = 10
	if _, err := f.signIn(t, a); err != nil { // counter 11
		t.Fatal(err)
	}
	a.Counter = 4 // a clone that lags behind
	if _, err := f.signIn(t, a); code(err) != codeVerifyFailure {
		t.Fatalf("counter going backwards: %v", err)
	}
}

func TestDeletedPasskeyIsRefused(t *testing.T) {
	f := newFixture(t)
	a := f.register(t, "clientDataJSON")
	ps, _ := f.s.List(context.Background(), f.user.ID)
	if err := f.s.Delete(context.Background(), "someone-else", ps[0].ID); code(err) != CodeNotFound {
		t.Fatalf("another user deleted the passkey: %v", err)
	}
	if err := f.s.Delete(context.Background(), f.user.ID, ps[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.signIn(t, a); code(err) != CodeNotFound {
		t.Fatalf("deleted passkey: %v", err)
	}
}

func TestUnknownPasskeyNeverSignsUp(t *testing.T) {
	f := newFixture(t)
	stranger, _ := passkeytest.New("app.example.com", origin)
	stranger.UserHandle = []byte("someone")
	if _, err := f.signIn(t, stranger); code(err) != CodeNotFound {
		t.Fatalf("unregistered passkey: %v", err)
	}
}

func TestExcludeCredentialsAndLimit(t *testing.T) {
	f := newFixture(t)
	a := f.register(t, "clientDataJSON")
	opts, err := f.s.BeginRegistration(context.Background(), envID, f.user, origin, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(opts.CredentialExcludeList) != 1 || string(opts.CredentialExcludeList[0].CredentialID) != string(a.CredentialID) {
		t.Fatalf("excludeCredentials %+v", opts.CredentialExcludeList)
	}
	// The same authenticator again (a browser would refuse; a forged one is refused here).
	body, _ := a.Create(challengeOf(t, opts.Challenge), "clientDataJSON")
	if _, err := f.s.FinishRegistration(context.Background(), envID, f.user, body, ""); err == nil {
		t.Fatal("the same credential registered twice")
	}
	f.register(t, "clientDataJSON")
	if _, err := f.s.BeginRegistration(context.Background(), envID, f.user, origin, ""); code(err) != CodeMaxPasskeys {
		t.Fatalf("third passkey with a limit of 2: %v", err)
	}
}

func TestRegistrationChallengeBelongsToItsUserAndExpires(t *testing.T) {
	f := newFixture(t)
	opts, _ := f.s.BeginRegistration(context.Background(), envID, f.user, origin, "")
	a, _ := passkeytest.New("app.example.com", origin)
	body, _ := a.Create(challengeOf(t, opts.Challenge), "clientDataJSON")
	other := &users.User{ID: "0190a0a0-0000-7000-8000-000000000002"}
	if _, err := f.s.FinishRegistration(context.Background(), envID, other, body, ""); err == nil {
		t.Fatal("a user finished another user's registration")
	}
	opts, _ = f.s.BeginRegistration(context.Background(), envID, f.user, origin, "")
	body, _ = a.Create(challengeOf(t, opts.Challenge), "clientDataJSON")
	f.now = f.now.Add(6 * time.Minute)
	if _, err := f.s.FinishRegistration(context.Background(), envID, f.user, body, ""); err == nil {
		t.Fatal("an expired challenge was accepted")
	}
}

func TestAuthenticateOwnPasskeyOnly(t *testing.T) {
	f := newFixture(t)
	a := f.register(t, "clientDataJSON")
	ctx := context.Background()
	other := &users.User{ID: "0190a0a0-0000-7000-8000-000000000002"}
	if _, err := f.s.BeginAuthenticate(ctx, envID, other, origin, ""); code(err) != CodeNotFound {
		t.Fatalf("options for a user without passkeys: %v", err)
	}
	opts, err := f.s.BeginAuthenticate(ctx, envID, f.user, origin, "")
	if err != nil || len(opts.AllowedCredentials) != 1 {
		t.Fatalf("authenticate options %+v %v", opts, err)
	}
	body, _ := a.Get(challengeOf(t, opts.Challenge))
	// A discoverable sign-in cannot use an authenticate challenge.
	if _, err := f.s.FinishSignIn(ctx, envID, body); err == nil {
		t.Fatal("an authenticate challenge served a sign-in")
	}
	opts, _ = f.s.BeginAuthenticate(ctx, envID, f.user, origin, "")
	body, _ = a.Get(challengeOf(t, opts.Challenge))
	if p, err := f.s.FinishAuthenticate(ctx, envID, f.user.ID, body); err != nil || p.UserID != f.user.ID {
		t.Fatalf("authenticate: %+v %v", p, err)
	}
	raw, _ := json.Marshal(opts)
	if len(raw) == 0 {
		t.Fatal("options do not marshal")
	}
}
