package storetest

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/signin"
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

func testAdminListUsers(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	mk := func(email, first string, edit func(*users.User)) *users.User {
		d := draftUser(t, env, c.next(), email, "")
		d.FirstName = first
		if edit != nil {
			edit(d)
		}
		return saveUser(t, s, d, d.CreatedAt)
	}
	ann := mk("ann@example.com", "Ann", nil)
	bob := mk("bob_smith@example.com", "Bob", nil)
	cat := mk("bobxsmith@example.com", "Cat", nil)
	sol := newSolanaWallet(t, env)
	dan := mk("dan@example.org", "Dan", func(u *users.User) {
		sol.UserID, sol.VerifiedAt, sol.CreatedAt = u.ID, u.CreatedAt, u.CreatedAt
		u.Credentials = []users.Credential{sol}
	})
	eve := mk("", "Evelyn", func(u *users.User) { u.Alias = "Ev" })
	// Another environment's user matches nothing here.
	lv := draftUser(t, e.live.ID, c.next(), "ann@example.com", "")
	saveUser(t, s, lv, c.next())
	_, bobSession := signIn(t, s, c, env, sameWallet(bob.Credentials[0]))

	list := func(what string, f users.Filter, order string, p users.Page, withSessions bool) *users.UserList {
		t.Helper()
		o, err := users.ParseOrder(order, users.UserOrderFields)
		must(t, what+": ParseOrder", err)
		if p.Limit == 0 {
			p.Limit = 100
		}
		l, err := s.ListUsers(ctx(t), env, users.ListQuery{Filter: f, Order: o, Page: p, WithSessions: withSessions})
		must(t, what+": ListUsers", err)
		return l
	}
	filter := func(column, value, chain string) users.Filter {
		t.Helper()
		f, err := users.ParseUserFilter(column, value, "", chain)
		must(t, "ParseUserFilter", err)
		return f
	}
	check := func(what string, l *users.UserList, total int, want ...*users.User) {
		t.Helper()
		eq(t, what+": Total", l.Total, total)
		ws := make([]string, len(want))
		for i, u := range want {
			ws[i] = u.ID
		}
		eqStrings(t, what, userIDs(l.Users), ws)
	}

	// Default order: newest first; every user with their credentials.
	l := list("all", users.Filter{}, "", users.Page{}, false)
	check("all users, newest first", l, 5, eve, dan, cat, bob, ann)
	for i := range l.Users {
		if l.Users[i].ID == dan.ID {
			eqStrings(t, "listed dan's credentials", credentialIDs(&l.Users[i]), []string{sol.ID})
			eqProfile(t, "listed dan", &l.Users[i], dan)
		}
	}
	check("oldest first", list("createdAt:asc", users.Filter{}, "createdAt:asc", users.Page{}, false), 5, ann, bob, cat, dan, eve)
	check("by first name, descending", list("firstName:desc", users.Filter{}, "firstName:desc", users.Page{}, false), 5,
		eve, dan, cat, bob, ann)
	check("by lastVisit (bob signed in last)", list("lastVisit:desc", users.Filter{}, "lastVisit:desc", users.Page{Limit: 1}, false),
		5, bob)
	// Byte-wise, as the indexes of the orders hold them: no email (eve)
	// first, '_' before 'x' (a locale's collation would ignore the '_').
	check("by email", list("email:asc", users.Filter{}, "email", users.Page{}, false), 5, eve, ann, bob, cat, dan)
	check("by email, descending, page 2", list("email:desc", users.Filter{}, "email:desc", users.Page{Offset: 1, Limit: 2}, false),
		5, cat, bob)
	byID := []*users.User{ann, bob, cat, dan, eve}
	slices.SortFunc(byID, func(a, b *users.User) int { return strings.Compare(a.ID, b.ID) })
	check("by id", list("id:asc", users.Filter{}, "id", users.Page{}, false), 5, byID...)
	slices.Reverse(byID)
	check("by id, descending", list("id:desc", users.Filter{}, "id:desc", users.Page{}, false), 5, byID...)

	// Paging: Total counts every match.
	check("page 2 of 2", list("page", users.Filter{}, "createdAt:asc", users.Page{Offset: 1, Limit: 2}, false), 5, bob, cat)
	check("past the end", list("past the end", users.Filter{}, "", users.Page{Offset: 10, Limit: 2}, false), 5)

	// Text columns: case-insensitive substrings, wildcards taken literally.
	check("email ANN", list("email", filter("email", "ANN@", ""), "", users.Page{}, false), 1, ann)
	check("email bob_smith", list("email _", filter("email", "bob_smith", ""), "", users.Page{}, false), 1, bob)
	check("email %", list("email %", filter("email", "%", ""), "", users.Page{}, false), 0)
	check("email example.com", list("email domain", filter("email", "EXAMPLE.COM", ""), "createdAt:asc", users.Page{}, false), 3,
		ann, bob, cat)
	// A filtered list's page and count come from one read of its matches.
	domain := filter("email", "EXAMPLE.COM", "")
	check("email example.com, page 2", list("domain page 2", domain, "createdAt:asc", users.Page{Offset: 1, Limit: 1}, false),
		3, bob)
	check("email example.com, by first name", list("domain by first name", domain, "firstName:desc", users.Page{}, false),
		3, cat, bob, ann)
	check("email example.com, past the end", list("domain past the end", domain, "", users.Page{Offset: 5, Limit: 2}, false), 3)
	if b, ok := s.(interface{ SetListCountBound(n int) }); ok {
		// More matches than the bound: the count stops there, the pages
		// still come from every match.
		b.SetListCountBound(2)
		check("bounded count", list("bounded", domain, "createdAt:asc", users.Page{}, false), 2, ann, bob, cat)
		check("bounded count, page 2", list("bounded page 2", domain, "createdAt:asc", users.Page{Offset: 2, Limit: 1}, false),
			2, cat)
		check("bounded count, past the end", list("bounded past the end", domain, "", users.Page{Offset: 3, Limit: 1}, false), 2)
		check("within the bound", list("within the bound", filter("email", "example.org", ""), "", users.Page{}, false), 1, dan)
		b.SetListCountBound(0)
	}
	check("firstName", list("firstName", filter("firstName", "VELY", ""), "", users.Page{}, false), 1, eve)
	// Under 3 characters (sqlstore.MinSearchRunes), a value matches whole.
	check("firstName, short", list("firstName short", filter("firstName", "at", ""), "", users.Page{}, false), 0)
	check("alias, short", list("alias short", filter("alias", "eV", ""), "", users.Page{}, false), 1, eve)
	check("alias, shorter", list("alias shorter", filter("alias", "E", ""), "", users.Page{}, false), 0)
	check("id", list("id", filter("id", ann.ID, ""), "", users.Page{}, false), 1, ann)
	check("id is exact", list("id prefix", filter("id", ann.ID[:8], ""), "", users.Page{}, false), 0)

	// Wallets: exact, EVM in any letter case.
	addr := ann.Credentials[0].PublicIdentifier
	check("wallet (EIP-55)", list("wallet", filter("wallet", addr, ""), "", users.Page{}, false), 1, ann)
	check("walletPublicKey (upper case)", list("walletPublicKey", filter("walletPublicKey", "0x"+strings.ToUpper(addr[2:]), ""),
		"", users.Page{}, false), 1, ann)
	check("wallet (partial)", list("wallet partial", filter("wallet", addr[:12], ""), "", users.Page{}, false), 0)
	check("wallet (solana)", list("solana wallet", filter("wallet", sol.Address, ""), "", users.Page{}, false), 1, dan)

	// A value without a column searches the profile and wallets.
	check("all: email", list("all email", filter("", "BOB_SMITH", ""), "createdAt:asc", users.Page{}, false), 1, bob)
	check("all: id", list("all id", filter("", cat.ID, ""), "", users.Page{}, false), 1, cat)
	check("all: first name", list("all first name", filter("", "evelyn", ""), "", users.Page{}, false), 1, eve)
	check("all: alias, short", list("all alias short", filter("", "EV", ""), "", users.Page{}, false), 1, eve)
	check("all: short substring", list("all short substring", filter("", "bo", ""), "", users.Page{}, false), 0)
	check("all: wallet (upper case)", list("all wallet", filter("", "0x"+strings.ToUpper(addr[2:]), ""), "", users.Page{}, false), 1, ann)
	check("all: wallet is exact", list("all wallet partial", filter("", addr[:12], ""), "", users.Page{}, false), 0)
	check("all: solana wallet", list("all solana wallet", filter("", sol.Address, ""), "", users.Page{}, false), 1, dan)

	// Chains.
	check("chain SOL", list("chain SOL", filter("", "", "SOL"), "", users.Page{}, false), 1, dan)
	check("chain EVM", list("chain EVM", filter("", "", "EVM"), "createdAt:asc", users.Page{}, false), 4, ann, bob, cat, eve)
	check("chain EVM and email", list("chain and email", filter("email", "example.org", "SOL"), "", users.Page{}, false), 1, dan)
	check("chain EVM, other email", list("chain and other email", filter("email", "example.org", "EVM"), "", users.Page{}, false), 0)
	if b, ok := s.(interface{ SetListCountBound(n int) }); ok {
		// More of a chain's users than the bound: the page walks the
		// environment in order (sqlstore's where.dense).
		b.SetListCountBound(2)
		check("chain EVM past the bound", list("chain EVM bounded", filter("", "", "EVM"), "createdAt:asc",
			users.Page{Offset: 1, Limit: 2}, false), 2, bob, cat)
		b.SetListCountBound(0)
	}
	// A social provider: the users with an OAuth account of it.
	now := c.next()
	g := users.Credential{ID: id(), UserID: cat.ID, EnvironmentID: env, Format: users.FormatOAuth, Chain: "google",
		Address: "g-" + id(), PublicIdentifier: "cat", WalletProvider: "google", SignInEnabled: true, VerifiedAt: now, CreatedAt: now}
	must(t, "AddCredential(google)", s.AddCredential(ctx(t), &g, now))
	social := func(provider, chain string) users.Filter {
		t.Helper()
		f, err := users.ParseUserFilter("", "", provider, chain)
		must(t, "ParseUserFilter", err)
		return f
	}
	check("social google", list("social google", social("google", ""), "", users.Page{}, false), 1, cat)
	check("social github", list("social github", social("github", ""), "", users.Page{}, false), 0)
	check("social google and chain EVM", list("social and chain", social("google", "EVM"), "", users.Page{}, false), 1, cat)
	check("social google and chain SOL", list("social and other chain", social("google", "SOL"), "", users.Page{}, false), 0)

	// With sessions.
	l = list("with sessions", filter("id", bob.ID, ""), "", users.Page{}, true)
	check("with sessions", l, 1, bob)
	ss := l.Sessions[bob.ID]
	eqStrings(t, "bob's listed sessions", ids(ss, func(x *users.UserSession) string { return x.ID }), []string{bobSession.ID})
	if len(ss) == 1 {
		eqUserSession(t, "bob's listed session", &ss[0], bobSession)
	}
	l = list("all with sessions", users.Filter{}, "", users.Page{}, true)
	for uid, ss := range l.Sessions {
		if uid != bob.ID && len(ss) > 0 {
			t.Errorf("user %s listed with %d sessions, want none", uid, len(ss))
		}
	}

	// A value some users have whole (in any letter case) finds just them;
	// one nobody has whole matches as a substring.
	jo := mk("joann@example.com", "Jo", func(u *users.User) { u.Alias, u.Username, u.PhoneNumber = "annie", "joann", "+15550100" })
	jay := mk("jay@example.net", "Jay", func(u *users.User) { u.Alias, u.Username, u.PhoneNumber = "annie2", "joanna", "+155501009" })
	check("email, whole", list("email whole", filter("email", "ANN@example.com", ""), "", users.Page{}, false), 1, ann)
	check("email, part", list("email part", filter("email", "nn@example.com", ""), "", users.Page{}, false), 2, jo, ann)
	check("alias, whole", list("alias whole", filter("alias", "ANNIE", ""), "", users.Page{}, false), 1, jo)
	check("alias, part", list("alias part", filter("alias", "nnie", ""), "", users.Page{}, false), 2, jay, jo)
	check("username, whole", list("username whole", filter("username", "JoAnn", ""), "", users.Page{}, false), 1, jo)
	check("username, part", list("username part", filter("username", "oann", ""), "", users.Page{}, false), 2, jay, jo)
	check("phone, whole", list("phone whole", filter("phoneNumber", "+15550100", ""), "", users.Page{}, false), 1, jo)
	check("phone, part", list("phone part", filter("phoneNumber", "5550100", ""), "", users.Page{}, false), 2, jay, jo)
	check("email, whole, past the end", list("email whole past", filter("email", "ann@example.com", ""), "",
		users.Page{Offset: 1, Limit: 1}, false), 1)

	// A wallet sign-in's user has no searched value (the search keeps no
	// row or index entry for it, migration 0042): an edit giving it one
	// makes it found, an edit taking it away unfound again.
	wal, _ := signIn(t, s, c, env, newWallet(t, env))
	check("wallet user, no text yet", list("no text yet", filter("username", "walrus", ""), "", users.Page{}, false), 0)
	rename := func(username, job string) {
		t.Helper()
		_, err := s.UpdateUser(ctx(t), wal.ID, func(x *users.User) error {
			x.Username, x.JobTitle = username, job
			return nil
		}, c.next())
		must(t, "UpdateUser(wallet user)", err)
	}
	rename("the_walrus", "zookeeper")
	check("wallet user, username set", list("username set", filter("username", "WALRUS", ""), "", users.Page{}, false), 1, wal)
	check("wallet user, job set", list("job set", filter("jobTitle", "keeper", ""), "", users.Page{}, false), 1, wal)
	check("wallet user, all", list("all walrus", filter("", "walrus", ""), "", users.Page{}, false), 1, wal)
	rename("", "zookeeper")
	check("wallet user, username cleared", list("username cleared", filter("username", "walrus", ""), "", users.Page{}, false), 0)
	check("wallet user, job kept", list("job kept", filter("jobTitle", "keeper", ""), "", users.Page{}, false), 1, wal)

	l, err := s.ListUsers(ctx(t), id(), users.ListQuery{Order: users.Order{Field: "createdAt", Desc: true}, Page: users.Page{Limit: 10}})
	must(t, "ListUsers(unknown environment)", err)
	check("users of an unknown environment", l, 0)
}

func testAdminListWallets(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	var want []string
	for range 3 {
		u := saveUser(t, s, draftUser(t, env, c.next(), "", ""), c.t)
		want = append(want, u.Credentials[0].ID)
	}
	u, _ := signIn(t, s, c, env, newWallet(t, env))
	want = append(want, u.Credentials[0].ID)
	sol := newSolanaWallet(t, env)
	sol.UserID, sol.VerifiedAt, sol.CreatedAt = u.ID, c.next(), c.t
	must(t, "AddCredential(solana)", s.AddCredential(ctx(t), &sol, c.t))
	want = append(want, sol.ID)
	// Not wallets, or not here.
	email := users.Credential{ID: id(), UserID: u.ID, EnvironmentID: env, Format: users.FormatEmail, Address: "u@example.com",
		PublicIdentifier: "u@example.com", SignInEnabled: true, VerifiedAt: c.next(), CreatedAt: c.t}
	must(t, "AddCredential(email)", s.AddCredential(ctx(t), &email, c.t))
	signIn(t, s, c, e.live.ID, newWallet(t, e.live.ID))

	var got []string
	for off := 0; off < 10; off += 2 {
		page, total, err := s.ListWallets(ctx(t), env, users.Page{Offset: off, Limit: 2})
		must(t, "ListWallets", err)
		eq(t, "ListWallets total", total, len(want))
		if off < len(want) && len(page) != min(2, len(want)-off) {
			t.Errorf("ListWallets page at %d has %d wallets", off, len(page))
		}
		for i := range page {
			if page[i].Format != users.FormatBlockchain || page[i].EnvironmentID != env {
				t.Errorf("ListWallets listed %+v", page[i])
			}
			if page[i].ID == sol.ID {
				eqCredential(t, "listed solana wallet", &page[i], &sol)
			}
			got = append(got, page[i].ID)
		}
	}
	eqSet(t, "wallets over all pages", got, want)
	if len(got) != len(slices.Compact(slices.Sorted(slices.Values(got)))) {
		t.Errorf("a wallet was listed on two pages: %q", got)
	}
	// The count (list_counts) follows a wallet unlinked and a user deleted
	// with theirs.
	must(t, "DeleteCredential", s.DeleteCredential(ctx(t), sol.ID, func(*users.User) error { return nil }, c.next()))
	_, total, err := s.ListWallets(ctx(t), env, users.Page{Limit: 1})
	must(t, "ListWallets", err)
	eq(t, "wallets after one unlinked", total, len(want)-1)
	must(t, "DeleteUser", s.DeleteUser(ctx(t), u.ID, c.next()))
	_, total, err = s.ListWallets(ctx(t), env, users.Page{Limit: 1})
	must(t, "ListWallets", err)
	eq(t, "wallets after their user is deleted", total, len(want)-2)

	page, total, err := s.ListWallets(ctx(t), id(), users.Page{Limit: 10})
	must(t, "ListWallets(unknown environment)", err)
	eq(t, "wallets of an unknown environment", total, 0)
	eq(t, "listed wallets of an unknown environment", len(page), 0)
}

func testAdminListVisitors(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	evm := newWallet(t, env)
	visit := func(envID, address, chain, name string) users.Visitor {
		t.Helper()
		v := signin.Visit{ID: id(), EnvironmentID: envID, Address: address, Chain: chain, Provider: "browserExtension",
			WalletName: name, AuthMode: "connect-only", CreatedAt: c.next()}
		must(t, "InsertVisit", s.InsertVisit(ctx(t), v))
		return users.Visitor{ID: v.ID, EnvironmentID: envID, Address: v.Address, Chain: chain, Provider: v.Provider,
			WalletName: name, CreatedAt: v.CreatedAt}
	}
	v1 := visit(env, evm.Address, "EVM", "metamask")
	v2 := visit(env, newWallet(t, env).Address, "ETH", "rainbow")
	v3 := visit(env, newSolanaWallet(t, env).Address, "SOL", "phantom")
	v4 := visit(env, evm.Address, "EVM", "coinbase")
	visit(e.live.ID, evm.Address, "EVM", "metamask")

	list := func(what string, f users.Filter, order string, p users.Page) ([]users.Visitor, int) {
		t.Helper()
		o, err := users.ParseOrder(order, users.VisitorOrderFields)
		must(t, what+": ParseOrder", err)
		if p.Limit == 0 {
			p.Limit = 100
		}
		l, total, err := s.ListVisitors(ctx(t), env, users.ListQuery{Filter: f, Order: o, Page: p})
		must(t, what+": ListVisitors", err)
		return l, total
	}
	filter := func(column, value, chain string) users.Filter {
		t.Helper()
		f, err := users.ParseVisitorFilter(column, value, chain)
		must(t, "ParseVisitorFilter", err)
		return f
	}
	check := func(what string, got []users.Visitor, total, wantTotal int, want ...users.Visitor) {
		t.Helper()
		eq(t, what+": total", total, wantTotal)
		g := ids(got, func(v *users.Visitor) string { return v.ID })
		w := ids(want, func(v *users.Visitor) string { return v.ID })
		eqStrings(t, what, g, w)
	}
	l, total := list("all", users.Filter{}, "", users.Page{})
	check("all visitors, newest first", l, total, 4, v4, v3, v2, v1)
	for i := range l {
		if l[i].ID == v3.ID {
			eqVisitor(t, "listed visitor", &l[i], &v3)
		}
	}
	l, total = list("oldest first", users.Filter{}, "createdAt:asc", users.Page{Offset: 1, Limit: 2})
	check("oldest first, page 2", l, total, 4, v2, v3)
	l, total = list("by wallet name", users.Filter{}, "walletName:asc", users.Page{})
	check("by wallet name", l, total, 4, v4, v1, v3, v2)
	// Ties by id, byte-wise: "ETH" < "EVM" < "SOL".
	byID := []users.Visitor{v1, v2, v3, v4}
	slices.SortFunc(byID, func(a, b users.Visitor) int { return strings.Compare(a.ID, b.ID) })
	l, total = list("by id", users.Filter{}, "id", users.Page{})
	check("by id", l, total, 4, byID...)
	l, total = list("by provider (all the same)", users.Filter{}, "provider:desc", users.Page{})
	check("by provider", l, total, 4, byID[3], byID[2], byID[1], byID[0])
	evms := []users.Visitor{v1, v4}
	slices.SortFunc(evms, func(a, b users.Visitor) int { return strings.Compare(a.ID, b.ID) })
	l, total = list("by chain", users.Filter{}, "chain", users.Page{})
	check("by chain", l, total, 4, v2, evms[0], evms[1], v3)
	l, total = list("by address, EIP-55", filter("walletPublicKey", evm.PublicIdentifier, ""), "createdAt:asc", users.Page{})
	check("by address, EIP-55", l, total, 2, v1, v4)
	l, total = list("by chain EVM (ETH too)", filter("", "", "EVM"), "createdAt:asc", users.Page{})
	check("by chain EVM", l, total, 3, v1, v2, v4)
	l, total = list("by chain SOL", filter("", "", "SOL"), "", users.Page{})
	check("by chain SOL", l, total, 1, v3)
	// All columns: the id, the address or the wallet's name, each whole.
	l, total = list("all columns: wallet name", filter("", "RAINBOW", ""), "", users.Page{})
	check("all columns: wallet name", l, total, 1, v2)
	l, total = list("all columns: part of a wallet name", filter("", "RAINBO", ""), "", users.Page{})
	check("all columns: part of a wallet name", l, total, 0)
	l, total = list("all columns: address", filter("", evm.PublicIdentifier, ""), "createdAt:asc", users.Page{})
	check("all columns: address", l, total, 2, v1, v4)
	l, total = list("all columns: id", filter("", v3.ID, ""), "", users.Page{})
	check("all columns: id", l, total, 1, v3)
	l, total = list("id", filter("id", v3.ID, ""), "", users.Page{})
	check("id", l, total, 1, v3)
}

func eqVisitor(t *testing.T, what string, got, want *users.Visitor) {
	t.Helper()
	eq(t, what+".ID", got.ID, want.ID)
	eq(t, what+".EnvironmentID", got.EnvironmentID, want.EnvironmentID)
	eq(t, what+".Address", got.Address, want.Address)
	eq(t, what+".Chain", got.Chain, want.Chain)
	eq(t, what+".Provider", got.Provider, want.Provider)
	eq(t, what+".WalletName", got.WalletName, want.WalletName)
	eqTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
}
