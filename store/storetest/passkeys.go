package storetest

import (
	"encoding/base64"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/passkey"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

func testPasskeyChallenges(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	now := c.next()
	live := &passkey.Challenge{Challenge: randomHex(t, 16), EnvironmentID: e.sandbox.ID, UserID: "u", Kind: passkey.KindRegister,
		Session: []byte(`{"challenge":"x"}`), ExpiresAt: now.Add(time.Minute)}
	expired := &passkey.Challenge{Challenge: randomHex(t, 16), EnvironmentID: e.sandbox.ID, Kind: passkey.KindSignIn,
		Session: []byte(`{}`), ExpiresAt: now}
	must(t, "InsertPasskeyChallenge", s.InsertPasskeyChallenge(ctx(t), live))
	must(t, "InsertPasskeyChallenge expired", s.InsertPasskeyChallenge(ctx(t), expired))

	_, err := s.TakePasskeyChallenge(ctx(t), e.live.ID, live.Challenge, now)
	wantKind(t, "challenge of another environment", err, errs.KindNotFound)
	_, err = s.TakePasskeyChallenge(ctx(t), e.sandbox.ID, expired.Challenge, now)
	wantKind(t, "expired challenge", err, errs.KindNotFound)

	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := 0
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := s.TakePasskeyChallenge(ctx(t), e.sandbox.ID, live.Challenge, now)
			if err == nil {
				mu.Lock()
				taken++
				mu.Unlock()
				if got.UserID != "u" || got.Kind != passkey.KindRegister || string(got.Session) != `{"challenge":"x"}` ||
					!got.ExpiresAt.Equal(live.ExpiresAt) {
					t.Errorf("challenge read back as %+v", got)
				}
			} else if !errs.Is(err, errs.KindNotFound) {
				t.Errorf("TakePasskeyChallenge: %v", err)
			}
		}()
	}
	wg.Wait()
	if taken != 1 {
		t.Fatalf("a challenge was taken %d times, want once", taken)
	}
	must(t, "InsertPasskeyChallenge expired again", s.InsertPasskeyChallenge(ctx(t), &passkey.Challenge{
		Challenge: randomHex(t, 16), EnvironmentID: e.sandbox.ID, Kind: passkey.KindSignIn, Session: []byte(`{}`), ExpiresAt: now}))
	// The expired one asked for above is gone already; the other is purged.
	if n, err := s.DeleteExpiredPasskeyChallenges(ctx(t), now); err != nil || n != 1 {
		t.Fatalf("DeleteExpiredPasskeyChallenges: %d %v, want the 1 left expired", n, err)
	}
}

func newPasskey(t *testing.T, envID, userID string, at time.Time) (*passkey.Passkey, *users.Credential) {
	cid := randomBytes(t, 32)
	p := &passkey.Passkey{ID: id(), EnvironmentID: envID, UserID: userID, CredentialID: cid, Credential: []byte(`{"id":"x"}`),
		SignCount: 0, Origin: "https://app.example.com", UserAgent: "storetest", CreatedAt: at}
	vc := &users.Credential{ID: id(), UserID: userID, EnvironmentID: envID, Format: users.FormatPasskey,
		Address: base64.RawURLEncoding.EncodeToString(cid), PublicIdentifier: "Passkey", SignInEnabled: true, VerifiedAt: at, CreatedAt: at}
	return p, vc
}

func testPasskeys(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	u, _ := signIn(t, s, c, env, newWallet(t, env))
	other, _ := signIn(t, s, c, env, newWallet(t, env))

	p1, vc1 := newPasskey(t, env, u.ID, c.next())
	must(t, "InsertPasskey", s.InsertPasskey(ctx(t), p1, vc1, 2, nil))
	dup, dupVC := newPasskey(t, env, other.ID, c.next())
	dup.CredentialID, dupVC.Address = p1.CredentialID, vc1.Address
	wantKind(t, "a registered credential id again", s.InsertPasskey(ctx(t), dup, dupVC, 2, nil), errs.KindConflict)
	p2, vc2 := newPasskey(t, env, u.ID, c.next())
	must(t, "InsertPasskey 2", s.InsertPasskey(ctx(t), p2, vc2, 2, nil))
	p3, vc3 := newPasskey(t, env, u.ID, c.next())
	err := s.InsertPasskey(ctx(t), p3, vc3, 2, nil)
	wantCode(t, "a third passkey with a limit of 2", err, errs.KindUnprocessable, passkey.CodeMaxPasskeys)
	if got := getUser(t, s, u.ID); got.Credential(vc3.ID) != nil || got.Credential(vc1.ID) == nil {
		t.Fatalf("credentials after the refused insert: %v", credentialIDs(got))
	}

	ps, err := s.ListPasskeys(ctx(t), u.ID)
	must(t, "ListPasskeys", err)
	if len(ps) != 2 || ps[0].ID != p1.ID || ps[1].ID != p2.ID || string(ps[0].CredentialID) != string(p1.CredentialID) ||
		ps[0].Origin != p1.Origin || !ps[0].CreatedAt.Equal(p1.CreatedAt) {
		t.Fatalf("ListPasskeys: %+v", ps)
	}
	_, err = s.GetPasskey(ctx(t), other.ID, p1.ID)
	wantKind(t, "another user's passkey", err, errs.KindNotFound)
	_, err = s.PasskeyByCredentialID(ctx(t), e.live.ID, p1.CredentialID)
	wantKind(t, "a passkey of another environment", err, errs.KindNotFound)
	got, err := s.PasskeyByCredentialID(ctx(t), env, p1.CredentialID)
	must(t, "PasskeyByCredentialID", err)
	if got.ID != p1.ID || got.UserID != u.ID {
		t.Fatalf("PasskeyByCredentialID: %+v", got)
	}

	// The sign counter moves only from the value it has: concurrent uses
	// with the same previous value pass once.
	moved := countParallel(t, 6, func() (bool, error) { return s.UsePasskey(ctx(t), p1.ID, 0, 1, []byte(`{"id":"y"}`), c.t) })
	if moved != 1 {
		t.Fatalf("the counter moved %d times from 0, want once", moved)
	}
	got, _ = s.GetPasskey(ctx(t), u.ID, p1.ID)
	if got.SignCount != 1 || string(got.Credential) != `{"id":"y"}` {
		t.Fatalf("after use: %+v", got)
	}
	at := c.next()
	must(t, "UpdatePasskeyAlias", s.UpdatePasskeyAlias(ctx(t), u.ID, p1.ID, "laptop", at))
	got, _ = s.GetPasskey(ctx(t), u.ID, p1.ID)
	if got.Alias != "laptop" || got.UpdatedAt == nil || !got.UpdatedAt.Equal(at) {
		t.Fatalf("after rename: %+v", got)
	}

	// A passkey signs its user in; never anyone new.
	signInWith := func(vc *users.Credential) (*users.User, error) {
		now := c.next()
		cred := users.Credential{ID: id(), EnvironmentID: env, Format: users.FormatPasskey, Address: vc.Address,
			SignInEnabled: true, VerifiedAt: now, CreatedAt: now}
		u, _, err := s.CompleteSignIn(ctx(t), &signin.Write{EnvironmentID: env, Now: now, Credential: cred,
			Session: newSession(t, env, now), SignInOnly: true, Events: []signin.Event{{Name: "user.session.created"}}})
		return u, err
	}
	who, err := signInWith(vc1)
	must(t, "passkey sign-in", err)
	if who.ID != u.ID || who.LastVerifiedCredentialID != vc1.ID {
		t.Fatalf("passkey signed in %s (last credential %s), want %s", who.ID, who.LastVerifiedCredentialID, u.ID)
	}
	before := userCount(t, s, env)
	must(t, "DeletePasskey", s.DeletePasskey(ctx(t), u.ID, p1.ID, c.next(), nil))
	if _, err := signInWith(vc1); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("sign-in with a deleted passkey: %v, want not found", err)
	}
	if userCount(t, s, env) != before {
		t.Fatal("a sign-in with an unknown passkey created a user")
	}
	if getUser(t, s, u.ID).Credential(vc1.ID) != nil {
		t.Fatal("the deleted passkey's credential is still the user's")
	}
	_, err = s.GetPasskey(ctx(t), u.ID, p1.ID)
	wantKind(t, "deleted passkey", err, errs.KindNotFound)
	wantKind(t, "deleting it again", s.DeletePasskey(ctx(t), u.ID, p1.ID, c.next(), nil), errs.KindNotFound)
	wantUserEvents(t, s, env, u.ID, map[string]int{events.PasskeyAdded: 2, events.PasskeyDeleted: 1})

	// A passkey that is the user's last way to sign in stays, as the last
	// credential does at an unlink: deleting it locked the user out.
	p4, vc4 := newPasskey(t, env, other.ID, c.next())
	must(t, "InsertPasskey of the other user", s.InsertPasskey(ctx(t), p4, vc4, 2, nil))
	wallet := getUser(t, s, other.ID).WalletCredentials()[0]
	if _, err := s.UnlinkCredential(ctx(t), other.ID, wallet.ID, c.next()); err != nil {
		t.Fatalf("unlink the wallet of a user with a passkey: %v", err)
	}
	err = s.DeletePasskey(ctx(t), other.ID, p4.ID, c.next(), nil)
	wantCode(t, "deleting the last sign-in credential's passkey", err, errs.KindUnprocessable, "cannot_delete_last_sign_in_verified_credential")
	if getUser(t, s, other.ID).Credential(vc4.ID) == nil {
		t.Fatal("the refused deletion removed the passkey's credential")
	}
	_, err = s.GetPasskey(ctx(t), other.ID, p4.ID)
	must(t, "the passkey after the refused deletion", err)
}
