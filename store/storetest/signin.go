package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

func testNonces(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	now := c.next()
	earlyExp, lateExp := now.Add(time.Hour).Truncate(time.Second), now.Add(3*time.Hour).Truncate(time.Second)
	early := []string{mintNonce(t, e.sandbox.ID, earlyExp), mintNonce(t, e.sandbox.ID, earlyExp), mintNonce(t, e.sandbox.ID, earlyExp)}
	late := []string{mintNonce(t, e.sandbox.ID, lateExp), mintNonce(t, e.sandbox.ID, lateExp)}

	// One use each.
	must(t, "ConsumeNonces", s.ConsumeNonces(ctx(t), e.sandbox.ID, early[:1], now))
	wantKind(t, "ConsumeNonces of a used nonce", s.ConsumeNonces(ctx(t), e.sandbox.ID, early[:1], now), errs.KindUnprocessable)
	wantKind(t, "ConsumeNonces of a used nonce in another environment",
		s.ConsumeNonces(ctx(t), e.live.ID, early[:1], now), errs.KindUnprocessable)
	// All or none: a malformed nonce, or one used before, leaves the good one unused.
	wantKind(t, "ConsumeNonces with a malformed nonce",
		s.ConsumeNonces(ctx(t), e.sandbox.ID, []string{early[1], randomHex(t, 16)}, now), errs.KindUnprocessable)
	wantKind(t, "ConsumeNonces with a used nonce",
		s.ConsumeNonces(ctx(t), e.sandbox.ID, []string{early[1], early[0]}, now), errs.KindUnprocessable)
	// Not once expired.
	wantKind(t, "ConsumeNonces after expiry",
		s.ConsumeNonces(ctx(t), e.sandbox.ID, []string{early[1]}, earlyExp), errs.KindUnprocessable)
	must(t, "ConsumeNonces of the nonce left by the refusals", s.ConsumeNonces(ctx(t), e.sandbox.ID, early[1:2], now))
	must(t, "ConsumeNonces(late, both at once)", s.ConsumeNonces(ctx(t), e.sandbox.ID, late, now))

	// DeleteExpiredNonces forgets the used nonces expired by then: they
	// are refused as expired without their row.
	n, err := s.DeleteExpiredNonces(ctx(t), earlyExp.Add(time.Second))
	must(t, "DeleteExpiredNonces", err)
	eq(t, "used nonces purged", n, int64(2)) // early[0], early[1]; early[2] was never used
	wantKind(t, "ConsumeNonces of a purged nonce",
		s.ConsumeNonces(ctx(t), e.sandbox.ID, early[:1], earlyExp.Add(time.Second)), errs.KindUnprocessable)
	wantKind(t, "ConsumeNonces of a late nonce kept after the purge",
		s.ConsumeNonces(ctx(t), e.sandbox.ID, late[:1], earlyExp.Add(time.Second)), errs.KindUnprocessable)
	n, err = s.DeleteExpiredNonces(ctx(t), earlyExp.Add(time.Second))
	must(t, "second DeleteExpiredNonces", err)
	eq(t, "used nonces purged again", n, int64(0))
	n, err = s.DeleteExpiredNonces(ctx(t), lateExp.Add(time.Second))
	must(t, "DeleteExpiredNonces(late)", err)
	eq(t, "used nonces purged at the end", n, int64(2))
}

func testCompleteSignIn(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	wallet := newWallet(t, env)

	// First sign-in: the user, credential, session and events are created.
	now := c.next()
	w := newWrite(t, env, wallet, now, issueNonce(t, s, c, env))
	u, created, err := s.CompleteSignIn(ctx(t), w)
	must(t, "first CompleteSignIn", err)
	eq(t, "first sign-in created", created, true)
	eq(t, "user id", u.ID, w.NewUserID)
	eq(t, "user environment", u.EnvironmentID, env)
	eqTime(t, "user CreatedAt", u.CreatedAt, now)
	eqTime(t, "user LastVisitAt", u.LastVisitAt, now)
	eq(t, "user LastVerifiedCredentialID", u.LastVerifiedCredentialID, wallet.ID)
	cred := w.Credential
	cred.UserID = u.ID
	eqStrings(t, "user credentials", credentialIDs(u), []string{wallet.ID})
	eqCredential(t, "new credential", u.Credential(wallet.ID), &cred)
	got, err := s.GetCredential(ctx(t), wallet.ID)
	must(t, "GetCredential", err)
	eqCredential(t, "stored credential", got, &cred)
	eq(t, "session UserID filled in", w.Session.UserID, u.ID)
	eq(t, "session SigninCredentialID filled in", w.Session.SigninCredentialID, wallet.ID)
	ss, err := s.GetSession(ctx(t), w.Session.ID)
	must(t, "GetSession", err)
	eqSession(t, "session", ss, w.Session)
	stored := getUser(t, s, u.ID)
	eqStrings(t, "GetUser credentials", credentialIDs(stored), []string{wallet.ID})
	eqTime(t, "GetUser CreatedAt", stored.CreatedAt, now)
	wantEvents(t, s, "after the first sign-in", env, map[string]int{"user.created": 1, "wallet.linked": 1, "user.session.created": 1})
	eq(t, "users after the first sign-in", userCount(t, s, env), 1)

	// Second sign-in with the same wallet: same user and credential, a new session.
	now2 := c.next()
	w2 := newWrite(t, env, sameWallet(wallet), now2, issueNonce(t, s, c, env))
	u2, created, err := s.CompleteSignIn(ctx(t), w2)
	must(t, "second CompleteSignIn", err)
	eq(t, "second sign-in created", created, false)
	eq(t, "second sign-in user", u2.ID, u.ID)
	eqStrings(t, "credentials after the second sign-in", credentialIDs(u2), []string{wallet.ID})
	eqTime(t, "CreatedAt after the second sign-in", u2.CreatedAt, now)
	eqTime(t, "LastVisitAt after the second sign-in", u2.LastVisitAt, now2)
	eq(t, "second session UserID", w2.Session.UserID, u.ID)
	eq(t, "second session SigninCredentialID (the existing credential)", w2.Session.SigninCredentialID, wallet.ID)
	ss, err = s.GetSession(ctx(t), w2.Session.ID)
	must(t, "GetSession(second)", err)
	eqSession(t, "second session", ss, w2.Session)
	_, err = s.GetUser(ctx(t), w2.NewUserID)
	wantKind(t, "GetUser(unused new user id)", err, errs.KindNotFound)
	_, err = s.GetCredential(ctx(t), w2.Credential.ID)
	wantKind(t, "GetCredential(unused new credential id)", err, errs.KindNotFound)
	wantEvents(t, s, "after the second sign-in", env, map[string]int{"user.created": 1, "wallet.linked": 1, "user.session.created": 2})
	eq(t, "users after the second sign-in", userCount(t, s, env), 1)
	sessions, err := s.UserSessions(ctx(t), u.ID)
	must(t, "UserSessions", err)
	eqSet(t, "the user's sessions", ids(sessions, func(x *users.UserSession) string { return x.ID }),
		[]string{w.Session.ID, w2.Session.ID})

	// A second wallet makes a second user; the same address in another environment a third.
	other, _ := signIn(t, s, c, env, newWallet(t, env))
	if other.ID == u.ID {
		t.Errorf("another wallet signed in as the first user")
	}
	liveWallet := sameWallet(wallet)
	liveWallet.EnvironmentID = e.live.ID
	lu, _, created := signInAt(t, s, c, e.live.ID, liveWallet, c.next())
	eq(t, "same address in another environment created", created, true)
	eq(t, "live user's environment", lu.EnvironmentID, e.live.ID)
	eq(t, "users of the sandbox", userCount(t, s, env), 2)
	eq(t, "users of live", userCount(t, s, e.live.ID), 1)
	wantEvents(t, s, "live environment", e.live.ID, map[string]int{"user.created": 1, "user.session.created": 1})

	// Two nonces (the message's and the device's) are both used up.
	pair := issueNonces(t, s, c, env, 2)
	_, _, err = s.CompleteSignIn(ctx(t), newWrite(t, env, sameWallet(wallet), c.next(), pair...))
	must(t, "CompleteSignIn with two nonces", err)
	wantKind(t, "ConsumeNonces of the second nonce after sign-in",
		s.ConsumeNonces(ctx(t), env, pair[1:], c.t), errs.KindUnprocessable)
}

// testCompleteSignInRefused: a nonce that is malformed, used or expired
// fails the sign-in and nothing is written (a nonce's MAC and environment
// are the service's to check).
func testCompleteSignInRefused(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	existing := newWallet(t, env)
	known, firstSession := signIn(t, s, c, env, existing)

	used := issueNonce(t, s, c, env)
	must(t, "ConsumeNonces", s.ConsumeNonces(ctx(t), env, []string{used}, c.t))
	expiring := mintNonce(t, env, c.t.Add(time.Minute))
	good := issueNonce(t, s, c, env)

	cases := []struct {
		name   string
		nonces []string
		now    time.Time
	}{
		{"malformed nonce", []string{randomHex(t, 16)}, c.next()},
		{"used nonce", []string{used}, c.next()},
		{"expired nonce", []string{expiring}, c.t.Add(time.Hour)},
		{"a good nonce with a used one", []string{good, used}, c.next()},
	}
	for _, tc := range cases {
		for _, cred := range []users.Credential{newWallet(t, env), sameWallet(existing)} {
			what := tc.name
			if cred.Address == existing.Address {
				what += " (known wallet)"
			}
			w := newWrite(t, env, cred, tc.now, tc.nonces...)
			_, _, err := s.CompleteSignIn(ctx(t), w)
			wantKind(t, "CompleteSignIn with "+what, err, errs.KindUnprocessable)
			_, err = s.GetUser(ctx(t), w.NewUserID)
			wantKind(t, what+": GetUser(new user id)", err, errs.KindNotFound)
			_, err = s.GetSession(ctx(t), w.Session.ID)
			wantKind(t, what+": GetSession", err, errs.KindNotFound)
			if cred.Address != existing.Address {
				_, err = s.GetCredential(ctx(t), cred.ID)
				wantKind(t, what+": GetCredential", err, errs.KindNotFound)
			}
		}
	}
	eq(t, "users after refused sign-ins", userCount(t, s, env), 1)
	sessions, err := s.UserSessions(ctx(t), known.ID)
	must(t, "UserSessions", err)
	eqStrings(t, "the known user's sessions after refused sign-ins",
		ids(sessions, func(x *users.UserSession) string { return x.ID }), []string{firstSession.ID})
	wantEvents(t, s, "after refused sign-ins", env, map[string]int{"user.created": 1, "wallet.linked": 1, "user.session.created": 1})
	u := getUser(t, s, known.ID)
	eqTime(t, "LastVisitAt after refused sign-ins", u.LastVisitAt, known.LastVisitAt)
	// The good nonce sent along with a used one is still usable.
	must(t, "ConsumeNonces of the good nonce", s.ConsumeNonces(ctx(t), env, []string{good}, c.t))
}

// testCompleteSignInNonceRace: one nonce, ten concurrent sign-ins (of ten
// wallets): exactly one wins.
func testCompleteSignInNonceRace(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	nonce := issueNonce(t, s, c, env)
	now := c.next()
	const n = 10
	writes := make([]*signin.Write, n)
	for i := range writes {
		writes[i] = newWrite(t, env, newWallet(t, env), now, nonce)
	}
	results := make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			_, _, results[i] = s.CompleteSignIn(ctx(t), writes[i])
		}()
	}
	start.Done()
	done.Wait()

	winner := -1
	for i, err := range results {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("CompleteSignIn #%d and #%d both used one nonce", winner, i)
		case err == nil:
			winner = i
		case !errs.Is(err, errs.KindUnprocessable):
			t.Errorf("losing CompleteSignIn #%d: %v (kind %s), want unprocessable", i, err, kindName(errs.KindOf(err)))
		}
	}
	if winner < 0 {
		t.Fatalf("no concurrent CompleteSignIn succeeded")
	}
	eq(t, "users after the race", userCount(t, s, env), 1)
	for i, w := range writes {
		_, uerr := s.GetUser(ctx(t), w.NewUserID)
		_, serr := s.GetSession(ctx(t), w.Session.ID)
		if i == winner {
			must(t, "GetUser(winner)", uerr)
			must(t, "GetSession(winner)", serr)
			continue
		}
		wantKind(t, "GetUser(loser)", uerr, errs.KindNotFound)
		wantKind(t, "GetSession(loser)", serr, errs.KindNotFound)
	}
	wantEvents(t, s, "after the race", env, map[string]int{"user.created": 1, "user.session.created": 1})
}

// testCompleteSignInWalletRace: ten concurrent first sign-ins of one
// wallet (each with its own nonce) find or create one user: all succeed,
// exactly one creates it.
func testCompleteSignInWalletRace(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	wallet := newWallet(t, env)
	const n = 10
	nonces := issueNonces(t, s, c, env, n)
	now := c.next()
	writes := make([]*signin.Write, n)
	for i := range writes {
		writes[i] = newWrite(t, env, sameWallet(wallet), now, nonces[i])
	}
	type result struct {
		u       *users.User
		created bool
		err     error
	}
	results := make([]result, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			u, created, err := s.CompleteSignIn(ctx(t), writes[i])
			results[i] = result{u, created, err}
		}()
	}
	start.Done()
	done.Wait()

	creator, userID := -1, ""
	for i, r := range results {
		if r.err != nil {
			t.Errorf("concurrent first sign-in #%d of one wallet: %v", i, r.err)
			continue
		}
		if r.created {
			if creator >= 0 {
				t.Errorf("sign-ins #%d and #%d both created the user", creator, i)
			}
			creator = i
		}
		if userID == "" {
			userID = r.u.ID
		} else if r.u.ID != userID {
			t.Errorf("sign-in #%d returned user %s, another returned %s", i, r.u.ID, userID)
		}
	}
	if t.Failed() {
		return
	}
	if creator < 0 {
		t.Fatalf("no concurrent sign-in created the user")
	}
	eq(t, "users after the race", userCount(t, s, env), 1)
	u := getUser(t, s, userID)
	eq(t, "credentials after the race", len(u.Credentials), 1)
	sessions, err := s.UserSessions(ctx(t), userID)
	must(t, "UserSessions", err)
	eq(t, "sessions after the race", len(sessions), n)
	wantEvents(t, s, "after the race", env, map[string]int{"user.created": 1, "wallet.linked": 1, "user.session.created": n})
}

// testVisitorStatsCounts: VisitorStats counts an environment's users (by
// last visit) and distinct visiting wallets.
func testVisitorStatsCounts(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	since := c.t.Add(-30 * 24 * time.Hour)
	old := since.Add(-10 * 24 * time.Hour)

	w1 := newWallet(t, env)
	signInAt(t, s, c, env, w1, old)
	signInAt(t, s, c, env, newWallet(t, env), c.next())
	lw := newWallet(t, e.live.ID)
	signInAt(t, s, c, e.live.ID, lw, c.next())

	visit := func(envID, address string, at time.Time) {
		t.Helper()
		must(t, "InsertVisit", s.InsertVisit(ctx(t), signin.Visit{ID: id(), EnvironmentID: envID, Address: address,
			Chain: "EVM", Provider: "browserExtension", WalletName: "metamask", AuthMode: "connect-only", CreatedAt: at}))
	}
	x, y, z := newWallet(t, env).Address, newWallet(t, env).Address, newWallet(t, env).Address
	visit(env, x, old)
	visit(env, x, c.next())
	visit(env, y, c.next())
	visit(env, y, c.next())
	visit(env, z, old)
	visit(e.live.ID, x, c.next())

	check := func(what, envID string, want tenant.VisitorStats) {
		t.Helper()
		v, err := s.VisitorStats(ctx(t), envID, since)
		must(t, what+": VisitorStats", err)
		eq(t, what, *v, want)
	}
	check("sandbox", env, tenant.VisitorStats{Users: 2, UsersPastMonth: 1, Visitors: 3, VisitorsPastMonth: 2})
	check("live", e.live.ID, tenant.VisitorStats{Users: 1, UsersPastMonth: 1, Visitors: 1, VisitorsPastMonth: 1})

	// Signing in again counts the old user as a recent one.
	signInAt(t, s, c, env, sameWallet(w1), c.next())
	check("sandbox after the old user's new sign-in", env, tenant.VisitorStats{Users: 2, UsersPastMonth: 2, Visitors: 3, VisitorsPastMonth: 2})

	wantKind(t, "InsertVisit in a missing environment", s.InsertVisit(ctx(t), signin.Visit{ID: id(), EnvironmentID: id(),
		Address: x, Chain: "EVM", WalletName: "metamask", CreatedAt: c.next()}), errs.KindNotFound)
}

func testSessions(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	_, ss := signIn(t, s, c, env, newWallet(t, env))
	_, other := signIn(t, s, c, env, newWallet(t, env))

	_, err := s.GetSession(ctx(t), id())
	wantKind(t, "GetSession(unknown)", err, errs.KindNotFound)
	got, err := s.GetSession(ctx(t), ss.ID)
	must(t, "GetSession", err)
	eqSession(t, "session", got, ss)

	// Refresh within the limit moves the expiry, and only that.
	now := c.next()
	exp := now.Add(2 * time.Hour)
	must(t, "ExtendSession", s.ExtendSession(ctx(t), ss.ID, exp, now))
	want := *ss
	want.ExpiresAt = exp
	got, err = s.GetSession(ctx(t), ss.ID)
	must(t, "GetSession after ExtendSession", err)
	eqSession(t, "extended session", got, &want)
	got, err = s.GetSession(ctx(t), other.ID)
	must(t, "GetSession(other)", err)
	eqSession(t, "other session after ExtendSession", got, other)

	// Past the refresh limit: refused, unchanged.
	late := ss.RefreshExpiresAt.Add(time.Second)
	wantKind(t, "ExtendSession past the refresh limit",
		s.ExtendSession(ctx(t), ss.ID, late.Add(time.Hour), late), errs.KindNotFound)
	got, err = s.GetSession(ctx(t), ss.ID)
	must(t, "GetSession after refused ExtendSession", err)
	eqSession(t, "session after refused ExtendSession", got, &want)
	wantKind(t, "ExtendSession(unknown)", s.ExtendSession(ctx(t), id(), exp, now), errs.KindNotFound)

	// Revoking is idempotent: the first time stays, one event is recorded.
	at := c.next()
	must(t, "RevokeSession", s.RevokeSession(ctx(t), ss.ID, at, "user.session.revoked"))
	want.RevokedAt = &at
	got, err = s.GetSession(ctx(t), ss.ID)
	must(t, "GetSession after RevokeSession", err)
	eqSession(t, "revoked session", got, &want)
	if got.Active(at) {
		t.Errorf("revoked session is Active")
	}
	must(t, "second RevokeSession", s.RevokeSession(ctx(t), ss.ID, c.next(), "user.session.revoked"))
	got, err = s.GetSession(ctx(t), ss.ID)
	must(t, "GetSession after second RevokeSession", err)
	eqSession(t, "session revoked twice", got, &want)
	wantEvents(t, s, "after revoking twice", env, map[string]int{"user.session.revoked": 1})
	us, err := s.GetUserSession(ctx(t), ss.ID)
	must(t, "GetUserSession(revoked)", err)
	eqUserSession(t, "revoked session (admin view)", us, &want)

	// A revoked session cannot be refreshed.
	wantKind(t, "ExtendSession of a revoked session",
		s.ExtendSession(ctx(t), ss.ID, c.t.Add(4*time.Hour), c.next()), errs.KindNotFound)
	got, err = s.GetSession(ctx(t), ss.ID)
	must(t, "GetSession after refused refresh", err)
	eqSession(t, "revoked session after refused refresh", got, &want)

	// The other session is untouched and still refreshes.
	got, err = s.GetSession(ctx(t), other.ID)
	must(t, "GetSession(other) after revoke", err)
	eqSession(t, "other session after revoke", got, other)
	must(t, "ExtendSession(other)", s.ExtendSession(ctx(t), other.ID, c.t.Add(time.Hour), c.next()))
	wantKind(t, "RevokeSession(unknown)", s.RevokeSession(ctx(t), id(), c.next(), "user.session.revoked"), errs.KindNotFound)
	wantEvents(t, s, "after all", env, map[string]int{"user.session.revoked": 1})
}
