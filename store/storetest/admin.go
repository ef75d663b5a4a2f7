package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

func userIDs(us []users.User) []string { return ids(us, func(u *users.User) string { return u.ID }) }

// wantNoUser checks a refused write left no user with that id.
func wantNoUser(t *testing.T, s store.Store, what, userID string) {
	t.Helper()
	_, err := s.GetUser(ctx(t), userID)
	wantKind(t, what+": GetUser", err, errs.KindNotFound)
}

func testAdminSaveUser(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	handle := newField(c, env, "handle", "Handle", users.FieldText, users.ValidationRules{Unique: true})
	putFields(t, s, env, c.next(), []users.CustomField{handle}, handle.ID, nil)

	// Create: the profile and every credential, created as given.
	now := c.next()
	d := draftUser(t, env, now, "Ann@Example.com", "ann")
	d.Metadata = json.RawMessage(`{"Handle":"Annie","tier":"gold"}`)
	emailCred := users.Credential{ID: id(), UserID: d.ID, EnvironmentID: env, Format: users.FormatEmail,
		Address: "ann@example.com", PublicIdentifier: "Ann@Example.com", SignInEnabled: true, VerifiedAt: c.next(), CreatedAt: now}
	d.Credentials = append(d.Credentials, emailCred)
	save := &users.SaveUser{Draft: d, Now: now}
	ann, created, err := s.SaveUser(ctx(t), save)
	must(t, "SaveUser", err)
	eq(t, "SaveUser created", created, true)
	eqSet(t, "linked by the create", save.Linked, []string{d.Credentials[0].ID, emailCred.ID})
	eqProfile(t, "created user", ann, d)
	eqTime(t, "created user CreatedAt", ann.CreatedAt, now)
	eqSet(t, "created user credentials", credentialIDs(ann), []string{d.Credentials[0].ID, emailCred.ID})
	for i := range d.Credentials {
		eqCredential(t, "created credential "+d.Credentials[i].Format, ann.Credential(d.Credentials[i].ID), &d.Credentials[i])
	}
	stored := getUser(t, s, d.ID)
	eqProfile(t, "stored user", stored, d)
	eq(t, "stored user credentials", len(stored.Credentials), 2)
	taken, err := s.CustomValueTaken(ctx(t), handle.ID, "annie", id())
	must(t, "CustomValueTaken", err)
	eq(t, "created user's unique value indexed", taken, true)
	wantEvents(t, s, "after create", env, map[string]int{"user.created": 1, "wallet.linked": 1})

	// Duplicates are refused and write nothing.
	dup := func(what string, code string, k errs.Kind, edit func(*users.User)) {
		t.Helper()
		x := draftUser(t, env, c.next(), "", "")
		fresh := x.ID
		edit(x)
		_, _, err := s.SaveUser(ctx(t), &users.SaveUser{Draft: x, Now: c.next()})
		wantCode(t, what, err, k, code)
		if x.ID == fresh {
			wantNoUser(t, s, what, x.ID)
		} else {
			eqProfile(t, what+": the existing user", getUser(t, s, x.ID), d)
		}
		for _, cr := range x.Credentials {
			if cr.ID != d.Credentials[0].ID {
				_, err := s.GetCredential(ctx(t), cr.ID)
				wantKind(t, what+": GetCredential", err, errs.KindNotFound)
			}
		}
	}
	dup("SaveUser with a taken email (other case)", "email_already_exists", errs.KindConflict,
		func(x *users.User) { x.Email = "ANN@example.COM" })
	dup("SaveUser with a taken wallet", "duplicate_exists", errs.KindConflict, func(x *users.User) {
		w := sameWallet(d.Credentials[0])
		w.UserID = x.ID
		x.Credentials = append(x.Credentials, w)
	})
	dup("SaveUser with a taken id", "duplicate_exists", errs.KindConflict, func(x *users.User) {
		x.ID = d.ID
		for i := range x.Credentials {
			x.Credentials[i].UserID = d.ID
		}
	})
	dup("SaveUser with a taken username (other case)", "username_already_exists", errs.KindConflict,
		func(x *users.User) { x.Username = "ANN" })
	dup("SaveUser with a taken unique value", "custom_field_data_not_unique", errs.KindUnprocessable,
		func(x *users.User) { x.Metadata = json.RawMessage(`{"Handle":" ANNIE "}`) })
	eq(t, "users after refused creates", userCount(t, s, env), 1)

	// Upsert by wallet: profile fields set, missing credentials added, email kept.
	up := draftUser(t, env, c.next(), "", "")
	up.Credentials[0] = sameWallet(d.Credentials[0])
	up.Credentials[0].UserID, up.Credentials[0].VerifiedAt, up.Credentials[0].CreatedAt = up.ID, up.CreatedAt, up.CreatedAt
	extra := newWallet(t, env)
	extra.UserID, extra.VerifiedAt, extra.CreatedAt = up.ID, up.CreatedAt, up.CreatedAt
	up.Credentials = append(up.Credentials, extra)
	save = &users.SaveUser{Draft: up, Upsert: true, Now: c.next(),
		Profile: users.ProfilePatch{FirstName: ptr("Annabel"), Team: ptr("blue")}}
	u, created, err := s.SaveUser(ctx(t), save)
	must(t, "SaveUser(upsert by wallet)", err)
	eqStrings(t, "linked by the upsert by wallet", save.Linked, []string{extra.ID})
	eq(t, "upsert by wallet created", created, false)
	eq(t, "upsert by wallet user", u.ID, d.ID)
	eq(t, "upserted FirstName", u.FirstName, "Annabel")
	eq(t, "upserted Team", u.Team, "blue")
	eq(t, "upserted LastName (not in the patch)", u.LastName, d.LastName)
	eq(t, "upserted Email (kept)", u.Email, d.Email)
	eqSet(t, "credentials after upsert", credentialIDs(u), []string{d.Credentials[0].ID, emailCred.ID, extra.ID})
	wantNoUser(t, s, "upsert by wallet", up.ID)
	want := extra
	want.UserID = d.ID
	got, err := s.GetCredential(ctx(t), extra.ID)
	must(t, "GetCredential(upserted wallet)", err)
	eqCredential(t, "upserted wallet", got, &want)

	// Upsert by email, ignoring case.
	byEmail := draftUser(t, env, c.next(), "ann@EXAMPLE.com", "")
	u, created, err = s.SaveUser(ctx(t), &users.SaveUser{Draft: byEmail, Upsert: true, Now: c.next(),
		Profile: users.ProfilePatch{JobTitle: ptr("CEO")}})
	must(t, "SaveUser(upsert by email)", err)
	eq(t, "upsert by email created", created, false)
	eq(t, "upsert by email user", u.ID, d.ID)
	eq(t, "upserted JobTitle", u.JobTitle, "CEO")
	eq(t, "credentials after upsert by email", len(u.Credentials), 4)

	// Upsert with another email than the matched user's: refused, nothing added.
	other := draftUser(t, env, c.next(), "someone@example.com", "")
	other.Credentials = append(other.Credentials, func() users.Credential {
		w := sameWallet(d.Credentials[0])
		w.UserID, w.VerifiedAt, w.CreatedAt = other.ID, other.CreatedAt, other.CreatedAt
		return w
	}())
	_, _, err = s.SaveUser(ctx(t), &users.SaveUser{Draft: other, Upsert: true, Now: c.next()})
	wantCode(t, "SaveUser(upsert, another email)", err, errs.KindConflict, "email_already_exists")
	_, err = s.GetCredential(ctx(t), other.Credentials[0].ID)
	wantKind(t, "GetCredential after refused upsert", err, errs.KindNotFound)
	eq(t, "credentials after refused upsert", len(getUser(t, s, d.ID).Credentials), 4)

	// Upsert whose email and wallet belong to two users: refused.
	bob := saveUser(t, s, draftUser(t, env, c.next(), "bob@example.com", "bob"), c.next())
	amb := draftUser(t, env, c.next(), "ann@example.com", "")
	amb.Credentials[0] = sameWallet(bob.Credentials[0])
	amb.Credentials[0].UserID = amb.ID
	_, _, err = s.SaveUser(ctx(t), &users.SaveUser{Draft: amb, Upsert: true, Now: c.next()})
	wantCode(t, "SaveUser(upsert, email and wallet of two users)", err, errs.KindConflict, "duplicate_exists")

	// Upsert matching nobody creates.
	fresh := draftUser(t, env, c.next(), "carol@example.com", "carol")
	u, created, err = s.SaveUser(ctx(t), &users.SaveUser{Draft: fresh, Upsert: true, Now: c.next()})
	must(t, "SaveUser(upsert, new)", err)
	eq(t, "upsert of a new user created", created, true)
	eq(t, "upsert of a new user id", u.ID, fresh.ID)
	eq(t, "users at the end", userCount(t, s, env), 3)

	// Users of another environment may have the same email and wallet.
	lv := draftUser(t, e.live.ID, c.next(), "ann@example.com", "ann")
	lv.Credentials[0].Address, lv.Credentials[0].PublicIdentifier = d.Credentials[0].Address, d.Credentials[0].PublicIdentifier
	saveUser(t, s, lv, c.next())
}

func testAdminUpdateUser(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	handle := newField(c, env, "handle", "Handle", users.FieldText, users.ValidationRules{Unique: true})
	putFields(t, s, env, c.next(), []users.CustomField{handle}, handle.ID, nil)
	ann := saveUser(t, s, draftUser(t, env, c.next(), "ann@example.com", "ann"), c.next())
	bob := saveUser(t, s, draftUser(t, env, c.next(), "bob@example.com", "bob"), c.next())

	now := c.next()
	u, err := s.UpdateUser(ctx(t), ann.ID, func(x *users.User) error {
		if x.ID != ann.ID || len(x.Credentials) != 1 {
			t.Errorf("edit got user %s with %d credentials", x.ID, len(x.Credentials))
		}
		p := users.ProfilePatch{FirstName: ptr("Annie"), Country: ptr("FR"), Username: ptr("annie"),
			Metadata: json.RawMessage(`{"Handle":"Queen"}`)}
		p.Apply(x)
		return nil
	}, now)
	must(t, "UpdateUser", err)
	want := *ann
	want.FirstName, want.Country, want.Username, want.Metadata = "Annie", "FR", "annie", json.RawMessage(`{"Handle":"Queen"}`)
	eqProfile(t, "updated user", u, &want)
	eqTime(t, "updated user UpdatedAt", u.UpdatedAt, now)
	eqProfile(t, "stored updated user", getUser(t, s, ann.ID), &want)
	taken, err := s.CustomValueTaken(ctx(t), handle.ID, "queen", bob.ID)
	must(t, "CustomValueTaken", err)
	eq(t, "updated unique value indexed", taken, true)
	wantEvents(t, s, "after update", env, map[string]int{"user.updated": 1})

	refused := func(what string, check func(error), edit func(*users.User) error) {
		t.Helper()
		before := getUser(t, s, bob.ID)
		_, err := s.UpdateUser(ctx(t), bob.ID, func(x *users.User) error {
			x.LastName = "Changed"
			return edit(x)
		}, c.next())
		check(err)
		after := getUser(t, s, bob.ID)
		eqProfile(t, what+": bob afterwards", after, before)
		eqTime(t, what+": bob's UpdatedAt afterwards", after.UpdatedAt, before.UpdatedAt)
	}
	refused("taking ann's username", func(err error) {
		wantCode(t, "UpdateUser taking a username", err, errs.KindConflict, "username_already_exists")
	}, func(x *users.User) error { x.Username = "ANNIE"; return nil })
	// No check before the write: the unique index refuses it, and both
	// backends name the same constraint.
	refused("taking ann's email", func(err error) {
		wantCode(t, "UpdateUser taking an email", err, errs.KindConflict, "email_already_exists")
	}, func(x *users.User) error { x.Email = "ANN@example.com"; return nil })
	refused("taking ann's unique value", func(err error) {
		wantCode(t, "UpdateUser taking a unique value", err, errs.KindUnprocessable, "custom_field_data_not_unique")
	}, func(x *users.User) error { x.Metadata = json.RawMessage(`{"Handle":"queen"}`); return nil })
	refused("a failing edit", func(err error) {
		wantCode(t, "UpdateUser with a failing edit", err, errs.KindUnprocessable, "my_code")
	}, func(x *users.User) error { return errs.Unprocessable("my_code", "refused by the edit", nil) })

	_, err = s.UpdateUser(ctx(t), id(), func(*users.User) error { return nil }, c.next())
	wantKind(t, "UpdateUser(unknown)", err, errs.KindNotFound)

	// A new value frees the old one.
	_, err = s.UpdateUser(ctx(t), ann.ID, func(x *users.User) error {
		x.Metadata = json.RawMessage(`{"Handle":"King"}`)
		return nil
	}, c.next())
	must(t, "UpdateUser(new handle)", err)
	taken, err = s.CustomValueTaken(ctx(t), handle.ID, "queen", bob.ID)
	must(t, "CustomValueTaken(old)", err)
	eq(t, "old unique value taken", taken, false)
}

func testAdminCredentials(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	ann := saveUser(t, s, draftUser(t, env, c.next(), "ann@example.com", "ann"), c.next())
	bob := saveUser(t, s, draftUser(t, env, c.next(), "bob@example.com", "bob"), c.next())
	_, err := s.GetCredential(ctx(t), id())
	wantKind(t, "GetCredential(unknown)", err, errs.KindNotFound)

	now := c.next()
	w := newSolanaWallet(t, env)
	w.UserID, w.VerifiedAt, w.CreatedAt = ann.ID, now, now
	must(t, "AddCredential", s.AddCredential(ctx(t), &w, now))
	got, err := s.GetCredential(ctx(t), w.ID)
	must(t, "GetCredential", err)
	eqCredential(t, "added credential", got, &w)
	eqSet(t, "ann's credentials", credentialIDs(getUser(t, s, ann.ID)), []string{ann.Credentials[0].ID, w.ID})
	wantEvents(t, s, "after AddCredential", env, map[string]int{"wallet.linked": 3})

	// A wallet anyone owns is taken.
	for _, owner := range []string{bob.ID, ann.ID} {
		x := sameWallet(w)
		x.UserID, x.VerifiedAt, x.CreatedAt = owner, now, now
		wantCode(t, "AddCredential(taken wallet)", s.AddCredential(ctx(t), &x, c.next()), errs.KindConflict, "duplicate_exists")
		_, err = s.GetCredential(ctx(t), x.ID)
		wantKind(t, "GetCredential after refused AddCredential", err, errs.KindNotFound)
	}
	x := newWallet(t, env)
	x.UserID, x.VerifiedAt, x.CreatedAt = id(), now, now
	wantKind(t, "AddCredential for a missing user", s.AddCredential(ctx(t), &x, c.next()), errs.KindNotFound)
	_, err = s.GetCredential(ctx(t), x.ID)
	wantKind(t, "GetCredential after AddCredential for a missing user", err, errs.KindNotFound)

	// DeleteCredential asks check first, with the user as stored.
	var checked *users.User
	refuse := errs.Unprocessable("my_code", "no", nil)
	err = s.DeleteCredential(ctx(t), w.ID, func(u *users.User) error { checked = u; return refuse }, c.next())
	wantCode(t, "DeleteCredential refused by check", err, errs.KindUnprocessable, "my_code")
	if checked == nil || checked.ID != ann.ID || checked.Credential(w.ID) == nil {
		t.Errorf("check got %+v, want ann with the credential", checked)
	}
	_, err = s.GetCredential(ctx(t), w.ID)
	must(t, "GetCredential after refused delete", err)

	err = s.DeleteCredential(ctx(t), w.ID, func(u *users.User) error { return users.CheckCredentialDeletion(u, w.ID) }, c.next())
	must(t, "DeleteCredential", err)
	_, err = s.GetCredential(ctx(t), w.ID)
	wantKind(t, "GetCredential after delete", err, errs.KindNotFound)
	eqStrings(t, "ann's credentials after delete", credentialIDs(getUser(t, s, ann.ID)), []string{ann.Credentials[0].ID})
	wantNoDangling(t, s, "ann after DeleteCredential", ann.ID)
	wantEvents(t, s, "after DeleteCredential", env, map[string]int{"wallet.unlinked": 1})

	last := ann.Credentials[0].ID
	err = s.DeleteCredential(ctx(t), last, func(u *users.User) error { return users.CheckCredentialDeletion(u, last) }, c.next())
	wantCode(t, "DeleteCredential(last sign-in credential)", err, errs.KindUnprocessable, "cannot_delete_last_sign_in_verified_credential")
	_, err = s.GetCredential(ctx(t), last)
	must(t, "GetCredential(last) after refused delete", err)
	wantKind(t, "DeleteCredential(unknown)",
		s.DeleteCredential(ctx(t), id(), func(*users.User) error { return nil }, c.next()), errs.KindNotFound)

	// The freed wallet may be added again.
	again := sameWallet(w)
	again.UserID, again.VerifiedAt, again.CreatedAt = bob.ID, now, now
	must(t, "AddCredential(freed wallet)", s.AddCredential(ctx(t), &again, c.next()))
	wantOwner(t, s, "freed wallet", again.ID, bob.ID)
}

func testAdminSessions(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	w := newWallet(t, env)
	u, s1 := signIn(t, s, c, env, w)
	_, s2 := signIn(t, s, c, env, sameWallet(w))
	_, s3 := signIn(t, s, c, env, sameWallet(w))
	_, otherSession := signIn(t, s, c, env, newWallet(t, env))
	// A session whose refresh ended long ago is over: revoking the user's
	// sessions leaves it as it is and writes no event for it.
	_, ended, _ := signInAt(t, s, c, env, sameWallet(w), c.next().Add(-40*24*time.Hour))

	list, err := s.UserSessions(ctx(t), u.ID)
	must(t, "UserSessions", err)
	eqSet(t, "user's sessions", ids(list, func(x *users.UserSession) string { return x.ID }), []string{s1.ID, s2.ID, s3.ID, ended.ID})
	byID := map[string]*session.Session{s1.ID: s1, s2.ID: s2, s3.ID: s3}
	for i := range list {
		if want := byID[list[i].ID]; want != nil {
			eqUserSession(t, "listed session", &list[i], want)
		}
	}
	list, err = s.UserSessions(ctx(t), id())
	must(t, "UserSessions(unknown user)", err)
	eq(t, "sessions of an unknown user", len(list), 0)
	got, err := s.GetUserSession(ctx(t), s2.ID)
	must(t, "GetUserSession", err)
	eqUserSession(t, "session (admin view)", got, s2)
	_, err = s.GetUserSession(ctx(t), id())
	wantKind(t, "GetUserSession(unknown)", err, errs.KindNotFound)

	t1 := c.next()
	must(t, "RevokeSession", s.RevokeSession(ctx(t), s1.ID, t1, "admin.user.session.revoked"))
	t2 := c.next()
	must(t, "RevokeUserSessions", s.RevokeUserSessions(ctx(t), u.ID, t2, "admin.user.session.revoked"))
	for _, x := range []struct {
		id   string
		want time.Time
	}{{s1.ID, t1}, {s2.ID, t2}, {s3.ID, t2}} {
		got, err := s.GetUserSession(ctx(t), x.id)
		must(t, "GetUserSession after revoke", err)
		eqTimePtr(t, "RevokedAt (admin view)", got.RevokedAt, &x.want)
		ss, err := s.GetSession(ctx(t), x.id)
		must(t, "GetSession after revoke", err)
		eqTimePtr(t, "RevokedAt", ss.RevokedAt, &x.want)
	}
	wantEvents(t, s, "after revoking", env, map[string]int{"admin.user.session.revoked": 3})
	if ss, err := s.GetSession(ctx(t), ended.ID); err != nil || ss.RevokedAt != nil {
		t.Fatalf("a session over before the revoke: %+v %v, want it left unrevoked", ss, err)
	}
	ss, err := s.GetSession(ctx(t), otherSession.ID)
	must(t, "GetSession(other user's)", err)
	eqSession(t, "other user's session", ss, otherSession)
	must(t, "RevokeUserSessions again", s.RevokeUserSessions(ctx(t), u.ID, c.next(), "admin.user.session.revoked"))
	got, err = s.GetUserSession(ctx(t), s3.ID)
	must(t, "GetUserSession after second revoke", err)
	eqTimePtr(t, "RevokedAt after second RevokeUserSessions", got.RevokedAt, &t2)
	wantEvents(t, s, "after revoking again", env, map[string]int{"admin.user.session.revoked": 3})
	wantKind(t, "RevokeUserSessions(unknown user)",
		s.RevokeUserSessions(ctx(t), id(), c.next(), "admin.user.session.revoked"), errs.KindNotFound)
}
