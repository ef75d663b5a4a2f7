package storetest

import (
	"testing"

	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// testOAuthProfile: a social account's name and picture are stored with
// it; a later sign-in (or link) records them as the provider now gives
// them, and keeps the stored ones when it gives none (Apple sends the name
// at the first login only, and never a picture).
func testOAuthProfile(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	const pic1, pic2 = "https://lh3.example.com/a/ada=s96-c", "https://lh3.example.com/a/ada-new=s96-c"
	profile := func(name, photo string) users.Credential {
		cr := newOAuthCredential(env, "acct-profile")
		cr.WalletName, cr.PhotoURL = name, photo
		return cr
	}
	want := func(what string, u *users.User, credID, name, photo string) {
		t.Helper()
		got := u.Credential(credID)
		if got == nil {
			t.Fatalf("%s: the user has no credential %s", what, credID)
		}
		eq(t, what+": name", got.WalletName, name)
		eq(t, what+": photo", got.PhotoURL, photo)
		stored, err := s.GetCredential(ctx(t), credID)
		must(t, what+": GetCredential", err)
		eq(t, what+": stored name", stored.WalletName, name)
		eq(t, what+": stored photo", stored.PhotoURL, photo)
	}

	first := profile("Ada Lovelace", pic1)
	u, _ := signIn(t, s, c, env, first)
	want("first sign-in", u, first.ID, "Ada Lovelace", pic1)
	u, _ = signIn(t, s, c, env, profile("", ""))
	want("a sign-in naming neither", u, first.ID, "Ada Lovelace", pic1)
	u, _ = signIn(t, s, c, env, profile("Ada King", pic2))
	want("a sign-in with new ones", u, first.ID, "Ada King", pic2)
	want("GetUser", getUser(t, s, u.ID), first.ID, "Ada King", pic2)

	// Linked to a user, and linked again by that user with a new picture.
	bob, _ := signIn(t, s, c, env, newWallet(t, env))
	linked := newOAuthCredential(env, "acct-linked")
	linked.PhotoURL = pic1
	at := c.next()
	linked.VerifiedAt, linked.CreatedAt = at, at
	lu, err := s.LinkCredential(ctx(t), &signin.LinkWrite{EnvironmentID: env, UserID: bob.ID, Now: at, Credential: linked})
	must(t, "LinkCredential", err)
	want("linked", lu, linked.ID, "", pic1)
	again := newOAuthCredential(env, "acct-linked")
	again.PhotoURL = pic2
	lu, err = s.LinkCredential(ctx(t), &signin.LinkWrite{EnvironmentID: env, UserID: bob.ID, Now: c.next(), Credential: again})
	must(t, "LinkCredential again", err)
	want("linked again", lu, linked.ID, "", pic2)
}
