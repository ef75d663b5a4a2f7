package storetest

import (
	"testing"

	"github.com/dynamicauth/dynamicauth/store"
)

// testOAuthProfile: a later sign-in records the account's name as the
// provider now gives it, and keeps the stored one when it gives none
// (Apple sends the name at the first login only).
func testOAuthProfile(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID

	first := newOAuthCredential(env, "acct-profile")
	first.WalletName = "Ada Lovelace"
	u, _ := signIn(t, s, c, env, first)
	eq(t, "name at the first sign-in", u.Credential(first.ID).WalletName, "Ada Lovelace")

	u, _ = signIn(t, s, c, env, newOAuthCredential(env, "acct-profile"))
	eq(t, "name after a sign-in naming none", u.Credential(first.ID).WalletName, "Ada Lovelace")

	renamed := newOAuthCredential(env, "acct-profile")
	renamed.WalletName = "Ada King"
	u, _ = signIn(t, s, c, env, renamed)
	eq(t, "name after a sign-in with a new one", u.Credential(first.ID).WalletName, "Ada King")
	got, err := s.GetCredential(ctx(t), first.ID)
	must(t, "GetCredential", err)
	eq(t, "stored name", got.WalletName, "Ada King")
}
