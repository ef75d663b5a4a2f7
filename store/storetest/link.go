package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// newLink is a link of cred to userID at now, with a fresh nonce.
func newLink(t *testing.T, s store.Store, c *clock, envID, userID string, cred users.Credential, now time.Time) *signin.LinkWrite {
	cred.VerifiedAt, cred.CreatedAt = now, now
	return &signin.LinkWrite{EnvironmentID: envID, UserID: userID, Nonces: []string{issueNonce(t, s, c, envID)}, Now: now,
		Credential: cred}
}

// wantOwner checks which user a credential belongs to, by both lookups.
func wantOwner(t *testing.T, s store.Store, what, credID, userID string) {
	t.Helper()
	cred, err := s.GetCredential(ctx(t), credID)
	must(t, what+": GetCredential", err)
	eq(t, what+": owner", cred.UserID, userID)
	if u := getUser(t, s, userID); u.Credential(credID) == nil {
		t.Errorf("%s: user %s does not list credential %s (has %q)", what, userID, credID, credentialIDs(u))
	}
}

// wantNoDangling checks a user's last verified credential is one of theirs (or none).
func wantNoDangling(t *testing.T, s store.Store, what, userID string) {
	t.Helper()
	u := getUser(t, s, userID)
	if l := u.LastVerifiedCredentialID; l != "" && u.Credential(l) == nil {
		t.Errorf("%s: LastVerifiedCredentialID %s is not one of the user's credentials %q", what, l, credentialIDs(u))
	}
}

func testLinkCredential(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	a1, b1 := newWallet(t, env), newWallet(t, env)
	alice, _ := signIn(t, s, c, env, a1)
	bob, _ := signIn(t, s, c, env, b1)

	// A new wallet joins the user; the nonce is used up.
	a2 := newWallet(t, env)
	lw := newLink(t, s, c, env, alice.ID, a2, c.next())
	u, err := s.LinkCredential(ctx(t), lw)
	must(t, "LinkCredential(new wallet)", err)
	eq(t, "linked user", u.ID, alice.ID)
	eqSet(t, "alice's credentials after link", credentialIDs(u), []string{a1.ID, a2.ID})
	want := lw.Credential
	want.UserID = alice.ID
	eqCredential(t, "linked credential", u.Credential(a2.ID), &want)
	eq(t, "LastVerifiedCredentialID after link", u.LastVerifiedCredentialID, a2.ID)
	wantOwner(t, s, "linked wallet", a2.ID, alice.ID)
	wantKind(t, "ConsumeNonces of the link's nonce", s.ConsumeNonces(ctx(t), env, lw.Nonces, c.t), errs.KindUnprocessable)
	wantEvents(t, s, "after linking", env, map[string]int{"wallet.linked": 3})

	// The same user's wallet again: kept as it is, no new credential.
	lw = newLink(t, s, c, env, alice.ID, sameWallet(a2), c.next())
	lw.TransferredFrom = "a stale value"
	u, err = s.LinkCredential(ctx(t), lw)
	must(t, "LinkCredential(own wallet again)", err)
	eq(t, "transferred from, relinking her wallet", lw.TransferredFrom, "")
	eqSet(t, "alice's credentials after relinking her wallet", credentialIDs(u), []string{a1.ID, a2.ID})
	_, err = s.GetCredential(ctx(t), lw.Credential.ID)
	wantKind(t, "GetCredential(unused candidate id)", err, errs.KindNotFound)

	// Another user's only wallet: a transfer would leave him nothing, and
	// the link says so as the transfer would; nothing happens, the nonce stays.
	lw = newLink(t, s, c, env, alice.ID, sameWallet(b1), c.next())
	_, err = s.LinkCredential(ctx(t), lw)
	wantCode(t, "LinkCredential(bob's only wallet)", err, errs.KindUnprocessable, "reassign_wallet_error")
	wantOwner(t, s, "bob's wallet after refused link", b1.ID, bob.ID)
	eqSet(t, "alice's credentials after refused link", credentialIDs(getUser(t, s, alice.ID)), []string{a1.ID, a2.ID})
	must(t, "ConsumeNonces of the refused link's nonce", s.ConsumeNonces(ctx(t), env, lw.Nonces, c.t))

	// A transfer of bob's only wallet: refused unless his account may be left empty.
	lw = newLink(t, s, c, env, alice.ID, sameWallet(b1), c.next())
	lw.Transfer = true
	_, err = s.LinkCredential(ctx(t), lw)
	wantCode(t, "LinkCredential(transfer bob's last wallet)", err, errs.KindUnprocessable, "reassign_wallet_error")
	wantOwner(t, s, "bob's wallet after refused transfer", b1.ID, bob.ID)
	must(t, "ConsumeNonces of the refused transfer's nonce", s.ConsumeNonces(ctx(t), env, lw.Nonces, c.t))

	// With a second wallet, bob can give one away without emptying his account.
	b2 := newWallet(t, env)
	_, err = s.LinkCredential(ctx(t), newLink(t, s, c, env, bob.ID, b2, c.next()))
	must(t, "LinkCredential(bob's second wallet)", err)
	// Now a link of one of them asks for the transfer's confirmation.
	lw = newLink(t, s, c, env, alice.ID, sameWallet(b2), c.next())
	_, err = s.LinkCredential(ctx(t), lw)
	wantCode(t, "LinkCredential(bob's second wallet)", err, errs.KindUnprocessable, "reassign_wallet_confirm")
	wantOwner(t, s, "bob's wallet after refused link", b2.ID, bob.ID)
	lw = newLink(t, s, c, env, alice.ID, sameWallet(b2), c.next())
	lw.Transfer = true
	u, err = s.LinkCredential(ctx(t), lw)
	must(t, "LinkCredential(transfer bob's second wallet)", err)
	eq(t, "transferred from", lw.TransferredFrom, bob.ID)
	eqSet(t, "alice's credentials after transfer", credentialIDs(u), []string{a1.ID, a2.ID, b2.ID})
	wantOwner(t, s, "transferred wallet", b2.ID, alice.ID)
	eqSet(t, "bob's credentials after transfer", credentialIDs(getUser(t, s, bob.ID)), []string{b1.ID})
	wantNoDangling(t, s, "bob after transfer", bob.ID)
	wantKind(t, "ConsumeNonces of the transfer's nonce", s.ConsumeNonces(ctx(t), env, lw.Nonces, c.t), errs.KindUnprocessable)

	// And his last one only with AllowEmptyAccount.
	lw = newLink(t, s, c, env, alice.ID, sameWallet(b1), c.next())
	lw.Transfer, lw.AllowEmptyAccount = true, true
	u, err = s.LinkCredential(ctx(t), lw)
	must(t, "LinkCredential(transfer bob's last wallet, allowed)", err)
	eq(t, "transferred from, his last wallet", lw.TransferredFrom, bob.ID)
	eqSet(t, "alice's credentials after the second transfer", credentialIDs(u), []string{a1.ID, a2.ID, b2.ID, b1.ID})
	wantOwner(t, s, "bob's last wallet", b1.ID, alice.ID)
	eq(t, "bob's credentials after losing the last", len(getUser(t, s, bob.ID).Credentials), 0)
	wantNoDangling(t, s, "bob after losing every wallet", bob.ID)
	// Signing in with it now signs alice in.
	again, _, created := signInAt(t, s, c, env, sameWallet(b1), c.next())
	eq(t, "sign-in with a transferred wallet created", created, false)
	eq(t, "sign-in with a transferred wallet: user", again.ID, alice.ID)

	// Bad nonce: refused, nothing written.
	lw = newLink(t, s, c, env, alice.ID, newWallet(t, env), c.next())
	lw.Nonces = []string{randomHex(t, 16)}
	_, err = s.LinkCredential(ctx(t), lw)
	wantKind(t, "LinkCredential with an unknown nonce", err, errs.KindUnprocessable)
	_, err = s.GetCredential(ctx(t), lw.Credential.ID)
	wantKind(t, "GetCredential after a link with an unknown nonce", err, errs.KindNotFound)
	eq(t, "alice's credentials after the refused link", len(getUser(t, s, alice.ID).Credentials), 4)
	// A used nonce (a nonce's environment is the service's to check, by its MAC).
	lw = newLink(t, s, c, env, alice.ID, newWallet(t, env), c.next())
	lw.Nonces = issueNonces(t, s, c, env, 1)
	must(t, "ConsumeNonces", s.ConsumeNonces(ctx(t), env, lw.Nonces, c.t))
	_, err = s.LinkCredential(ctx(t), lw)
	wantKind(t, "LinkCredential with a used nonce", err, errs.KindUnprocessable)
	_, err = s.GetCredential(ctx(t), lw.Credential.ID)
	wantKind(t, "GetCredential after a link with a used nonce", err, errs.KindNotFound)
}

func testUnlinkSelectCredential(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	a1, a2, b1 := newWallet(t, env), newWallet(t, env), newWallet(t, env)
	alice, _ := signIn(t, s, c, env, a1)
	bob, _ := signIn(t, s, c, env, b1)
	_, err := s.LinkCredential(ctx(t), newLink(t, s, c, env, alice.ID, a2, c.next()))
	must(t, "LinkCredential", err)
	// A credential that cannot sign in (added by an operator).
	at := c.next()
	noSignIn := users.Credential{ID: id(), UserID: alice.ID, EnvironmentID: env, Format: users.FormatEmail,
		Address: "alice@example.com", PublicIdentifier: "alice@example.com", SignInEnabled: false, VerifiedAt: at, CreatedAt: at}
	must(t, "AddCredential(no sign-in)", s.AddCredential(ctx(t), &noSignIn, at))

	// Another user's credential, or an unknown one: forbidden.
	_, err = s.UnlinkCredential(ctx(t), alice.ID, b1.ID, c.next())
	wantCode(t, "UnlinkCredential(bob's wallet)", err, errs.KindUnprocessable, "forbidden_unlink_request")
	wantOwner(t, s, "bob's wallet after refused unlink", b1.ID, bob.ID)
	_, err = s.UnlinkCredential(ctx(t), alice.ID, id(), c.next())
	wantCode(t, "UnlinkCredential(unknown)", err, errs.KindUnprocessable, "forbidden_unlink_request")

	// Select: marks one wallet.
	selAt := c.next()
	u, err := s.SelectCredential(ctx(t), alice.ID, a1.ID, selAt)
	must(t, "SelectCredential", err)
	eqTimePtr(t, "selected wallet's LastSelectedAt", u.Credential(a1.ID).LastSelectedAt, &selAt)
	eqTimePtr(t, "other wallet's LastSelectedAt", u.Credential(a2.ID).LastSelectedAt, nil)
	if p := u.PrimaryWallet(); p == nil || p.ID != a1.ID {
		t.Errorf("PrimaryWallet after selecting %s = %+v", a1.ID, p)
	}
	cred, err := s.GetCredential(ctx(t), a1.ID)
	must(t, "GetCredential(selected)", err)
	eqTimePtr(t, "stored LastSelectedAt", cred.LastSelectedAt, &selAt)
	sel2 := c.next()
	u, err = s.SelectCredential(ctx(t), alice.ID, a2.ID, sel2)
	must(t, "SelectCredential(second wallet)", err)
	if p := u.PrimaryWallet(); p == nil || p.ID != a2.ID {
		t.Errorf("PrimaryWallet after selecting %s = %+v", a2.ID, p)
	}
	_, err = s.SelectCredential(ctx(t), alice.ID, b1.ID, c.next())
	wantErr(t, "SelectCredential(bob's wallet)", err)
	cred, err = s.GetCredential(ctx(t), b1.ID)
	must(t, "GetCredential(bob's wallet)", err)
	eqTimePtr(t, "bob's wallet LastSelectedAt after refused select", cred.LastSelectedAt, nil)
	_, err = s.SelectCredential(ctx(t), alice.ID, id(), c.next())
	wantErr(t, "SelectCredential(unknown)", err)

	// Unlink one of two sign-in wallets: allowed.
	u, err = s.UnlinkCredential(ctx(t), alice.ID, a2.ID, c.next())
	must(t, "UnlinkCredential(a2)", err)
	eqSet(t, "alice's credentials after unlink", credentialIDs(u), []string{a1.ID, noSignIn.ID})
	if l := u.LastVerifiedCredentialID; l == a2.ID {
		t.Errorf("LastVerifiedCredentialID still the unlinked credential")
	}
	wantNoDangling(t, s, "alice after unlink", alice.ID)
	_, err = s.GetCredential(ctx(t), a2.ID)
	wantKind(t, "GetCredential(unlinked)", err, errs.KindNotFound)
	wantEvents(t, s, "after unlink", env, map[string]int{"wallet.unlinked": 1})

	// The last one she can sign in with stays, whatever else she has.
	_, err = s.UnlinkCredential(ctx(t), alice.ID, a1.ID, c.next())
	wantCode(t, "UnlinkCredential(last sign-in wallet)", err, errs.KindUnprocessable,
		"cannot_delete_last_sign_in_verified_credential")
	eqSet(t, "alice's credentials after refused unlink", credentialIDs(getUser(t, s, alice.ID)), []string{a1.ID, noSignIn.ID})
	// A credential she cannot sign in with may go.
	u, err = s.UnlinkCredential(ctx(t), alice.ID, noSignIn.ID, c.next())
	must(t, "UnlinkCredential(no sign-in credential)", err)
	eqStrings(t, "alice's credentials at the end", credentialIDs(u), []string{a1.ID})
	wantEvents(t, s, "at the end", env, map[string]int{"wallet.unlinked": 2})
	if slices.Contains(credentialIDs(getUser(t, s, bob.ID)), a1.ID) {
		t.Errorf("bob got alice's wallet")
	}
}

// testLinkCredentialRace: users linking one new wallet at once, a few
// rounds (the window is narrow). Exactly one gets it; the others are asked
// to confirm a transfer, as if they had come second, and the wallet is
// linked once.
func testLinkCredentialRace(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	const n, rounds = 6, 5
	uids := make([]string, n)
	for i := range uids {
		u, _ := signIn(t, s, c, env, newWallet(t, env))
		uids[i] = u.ID
	}
	owned := make([]int, n)
	for round := range rounds {
		wallet := newWallet(t, env)
		at := c.next()
		writes := make([]*signin.LinkWrite, n)
		for i := range writes {
			writes[i] = newLink(t, s, c, env, uids[i], sameWallet(wallet), at)
		}
		results := make([]error, n)
		var start, done sync.WaitGroup
		start.Add(1)
		for i := range n {
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				_, results[i] = s.LinkCredential(context.Background(), writes[i])
			}()
		}
		start.Done()
		done.Wait()
		winner := -1
		for i, err := range results {
			switch {
			case err == nil && winner >= 0:
				t.Errorf("round %d: #%d and #%d both linked the wallet", round, winner, i)
			case err == nil:
				winner = i
			default:
				wantCode(t, fmt.Sprintf("round %d: loser #%d", round, i), err, errs.KindUnprocessable, "reassign_wallet_confirm")
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: nobody linked the wallet", round)
		}
		owned[winner]++
		wantOwner(t, s, fmt.Sprintf("round %d: raced wallet", round), writes[winner].Credential.ID, uids[winner])
	}
	for i, uid := range uids {
		eq(t, fmt.Sprintf("user #%d's credentials", i), len(getUser(t, s, uid).Credentials), 1+owned[i])
	}
	wantEvents(t, s, "after the races", env, map[string]int{"wallet.linked": n + rounds})
}
