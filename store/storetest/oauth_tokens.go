package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

func newOAuthCredential(envID, accountID string) users.Credential {
	return users.Credential{ID: id(), EnvironmentID: envID, Format: users.FormatOAuth, Chain: social.Google,
		Address: accountID, PublicIdentifier: accountID + "@example.com", WalletProvider: social.Google, SignInEnabled: true}
}

func wantTokens(t *testing.T, s store.Store, what, credID string, access, refresh []byte, exp *time.Time) {
	t.Helper()
	a, err := s.GetOAuthAccount(ctx(t), credID)
	must(t, what+": GetOAuthAccount", err)
	if a.Sealed == nil {
		t.Fatalf("%s: no tokens stored", what)
	}
	if !bytes.Equal(a.Sealed.Access, access) || !bytes.Equal(a.Sealed.Refresh, refresh) {
		t.Errorf("%s: access %q refresh %q, want %q %q", what, a.Sealed.Access, a.Sealed.Refresh, access, refresh)
	}
	eqTimePtr(t, what+": ExpiresAt", a.Sealed.ExpiresAt, exp)
}

// testOAuthTokens: a social sign-in stores the account's sealed provider
// tokens in its transaction, the next one replaces them (keeping the
// refresh token when it brings none), a link stores them for the linking
// user, a refresh replaces them, and they go with the credential.
func testOAuthTokens(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID

	cred := newOAuthCredential(env, "acct-1")
	exp := c.next().Add(time.Hour)
	w := newWrite(t, env, cred, c.next())
	w.OAuthTokens = &social.SealedTokens{Access: []byte("a1"), Refresh: []byte("r1"), ExpiresAt: &exp}
	u, created, err := s.CompleteSignIn(ctx(t), w)
	must(t, "first oauth CompleteSignIn", err)
	eq(t, "created", created, true)
	a, err := s.GetOAuthAccount(ctx(t), cred.ID)
	must(t, "GetOAuthAccount", err)
	eq(t, "account user", a.UserID, u.ID)
	eq(t, "account environment", a.EnvironmentID, env)
	eq(t, "account provider", a.Provider, social.Google)
	eq(t, "account id", a.AccountID, "acct-1")
	wantTokens(t, s, "after the first sign-in", cred.ID, []byte("a1"), []byte("r1"), &exp)

	// The next sign-in (a fresh candidate id, as the service makes)
	// replaces the access token and keeps the refresh token.
	again := newOAuthCredential(env, "acct-1")
	w = newWrite(t, env, again, c.next())
	w.OAuthTokens = &social.SealedTokens{Access: []byte("a2")}
	u2, created, err := s.CompleteSignIn(ctx(t), w)
	must(t, "second oauth CompleteSignIn", err)
	eq(t, "second created", created, false)
	eq(t, "second user", u2.ID, u.ID)
	wantTokens(t, s, "after the second sign-in", cred.ID, []byte("a2"), []byte("r1"), nil)

	// A refresh replaces both.
	exp3 := c.next().Add(time.Hour)
	must(t, "SaveOAuthTokens", s.SaveOAuthTokens(ctx(t), env, cred.ID,
		&social.SealedTokens{Access: []byte("a3"), Refresh: []byte("r3"), ExpiresAt: &exp3}, c.next()))
	wantTokens(t, s, "after a refresh", cred.ID, []byte("a3"), []byte("r3"), &exp3)

	// A sign-in without tokens leaves them alone.
	_, _, err = s.CompleteSignIn(ctx(t), newWrite(t, env, newOAuthCredential(env, "acct-1"), c.next()))
	must(t, "oauth sign-in without tokens", err)
	wantTokens(t, s, "after a sign-in without tokens", cred.ID, []byte("a3"), []byte("r3"), &exp3)

	// A link stores the linked account's tokens for the linking user.
	bob, _ := signIn(t, s, c, env, newWallet(t, env))
	linked := newOAuthCredential(env, "acct-2")
	at := c.next()
	linked.VerifiedAt, linked.CreatedAt = at, at
	_, err = s.LinkCredential(ctx(t), &signin.LinkWrite{EnvironmentID: env, UserID: bob.ID, Now: at, Credential: linked,
		OAuthTokens: &social.SealedTokens{Access: []byte("b1")}})
	must(t, "LinkCredential with tokens", err)
	a, err = s.GetOAuthAccount(ctx(t), linked.ID)
	must(t, "GetOAuthAccount(linked)", err)
	eq(t, "linked account user", a.UserID, bob.ID)
	wantTokens(t, s, "after the link", linked.ID, []byte("b1"), nil, nil)

	// An oauth account without tokens, a wallet, an unknown id.
	bare, _ := signIn(t, s, c, env, newOAuthCredential(env, "acct-3"))
	a, err = s.GetOAuthAccount(ctx(t), bare.LastVerifiedCredentialID)
	must(t, "GetOAuthAccount(no tokens)", err)
	if a.Sealed != nil {
		t.Errorf("an account signed in without tokens has %+v", a.Sealed)
	}
	_, err = s.GetOAuthAccount(ctx(t), bob.LastVerifiedCredentialID)
	wantKind(t, "GetOAuthAccount(a wallet)", err, errs.KindNotFound)
	_, err = s.GetOAuthAccount(ctx(t), id())
	wantKind(t, "GetOAuthAccount(unknown)", err, errs.KindNotFound)
	wantKind(t, "SaveOAuthTokens(unknown)", s.SaveOAuthTokens(ctx(t), env, id(),
		&social.SealedTokens{Access: []byte("x")}, c.next()), errs.KindNotFound)

	// Unlinked, the account and its tokens are gone.
	_, err = s.UnlinkCredential(ctx(t), bob.ID, linked.ID, c.next())
	must(t, "UnlinkCredential(linked oauth)", err)
	_, err = s.GetOAuthAccount(ctx(t), linked.ID)
	wantKind(t, "GetOAuthAccount(unlinked)", err, errs.KindNotFound)
}
