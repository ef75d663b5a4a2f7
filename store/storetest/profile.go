package storetest

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// wantSettingsFields checks the environment settings' customFields array
// is the fields' entries and the other settings are kept.
func wantSettingsFields(t *testing.T, s store.Store, what, envID string, fields []users.CustomField, keep map[string]json.RawMessage) {
	t.Helper()
	env, err := s.GetEnvironment(ctx(t), envID)
	must(t, what+": GetEnvironment", err)
	var got map[string]json.RawMessage
	if err := json.Unmarshal(env.Settings, &got); err != nil {
		t.Fatalf("%s: settings are not a JSON object: %v", what, err)
	}
	want, err := json.Marshal(users.SettingsEntries(fields))
	if err != nil {
		t.Fatal(err)
	}
	eqJSON(t, what+": settings.customFields", got["customFields"], want)
	for k, v := range keep {
		eqJSON(t, what+": settings."+k, got[k], v)
	}
}

func testCustomFields(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	var orig map[string]json.RawMessage
	if err := json.Unmarshal(e.sandbox.Settings, &orig); err != nil {
		t.Fatal(err)
	}

	list, err := s.ListCustomFields(ctx(t), env)
	must(t, "ListCustomFields of a new environment", err)
	eq(t, "custom fields of a new environment", len(list), 0)
	_, err = s.GetCustomField(ctx(t), id())
	wantKind(t, "GetCustomField(unknown)", err, errs.KindNotFound)

	team := newField(c, env, "team", "Team", users.FieldText, users.ValidationRules{Regex: "^[a-z ]+$"})
	color := newField(c, env, "color", "Color", users.FieldSelect, users.ValidationRules{
		ValidOptions: []users.ValidOption{{Label: "Red", Key: "r"}, {Label: "Blue"}}})
	color.Required = true
	agree := newField(c, env, "agree", "Agree", users.FieldCheckbox, users.ValidationRules{CheckboxText: "I agree"})
	agree.Enabled = false

	// change sees the current fields, in order, each time.
	var seen [][]string
	change := func(fields []users.CustomField, changed users.CustomField) {
		t.Helper()
		fields = renumbered(fields...)
		err := s.ChangeCustomFields(ctx(t), env, func(cur []users.CustomField) (*users.FieldsChange, error) {
			seen = append(seen, ids(cur, func(f *users.CustomField) string { return f.ID }))
			ch := &users.FieldsChange{Fields: fields, At: c.next()}
			for i := range fields {
				if fields[i].ID == changed.ID {
					ch.Changed = &fields[i]
				}
			}
			return ch, nil
		})
		must(t, "ChangeCustomFields", err)
	}
	change([]users.CustomField{team}, team)
	change([]users.CustomField{color, team}, color) // inserted first
	change([]users.CustomField{color, team, agree}, agree)
	eqStrings(t, "fields seen by the first change", seen[0], []string{})
	eqStrings(t, "fields seen by the second change", seen[1], []string{team.ID})
	eqStrings(t, "fields seen by the third change", seen[2], []string{color.ID, team.ID})

	want := renumbered(color, team, agree)
	list, err = s.ListCustomFields(ctx(t), env)
	must(t, "ListCustomFields", err)
	eqFields(t, "fields (display order)", list, want)
	for i := range want {
		got, err := s.GetCustomField(ctx(t), want[i].ID)
		must(t, "GetCustomField", err)
		eqField(t, "field "+want[i].Name, got, &want[i])
	}
	wantSettingsFields(t, s, "after creating three", env, want, map[string]json.RawMessage{"general": orig["general"], "sdk": orig["sdk"]})

	// Move and edit one: positions follow the list.
	agree.Name, agree.Enabled, agree.UpdatedAt = "Agreed", true, c.next()
	change([]users.CustomField{agree, color, team}, agree)
	want = renumbered(agree, color, team)
	list, err = s.ListCustomFields(ctx(t), env)
	must(t, "ListCustomFields after move", err)
	eqFields(t, "fields after move", list, want)
	wantSettingsFields(t, s, "after move", env, want, nil)

	// A change that fails writes nothing.
	boom := errs.Invalid("refused by the change")
	err = s.ChangeCustomFields(ctx(t), env, func(cur []users.CustomField) (*users.FieldsChange, error) {
		return nil, boom
	})
	if !errors.Is(err, boom) && !errs.Is(err, errs.KindInvalid) {
		t.Errorf("ChangeCustomFields with a failing change: %v, want the change's error", err)
	}
	list, err = s.ListCustomFields(ctx(t), env)
	must(t, "ListCustomFields after failed change", err)
	eqFields(t, "fields after failed change", list, want)

	// Delete one: the rest close up.
	err = s.ChangeCustomFields(ctx(t), env, func(cur []users.CustomField) (*users.FieldsChange, error) {
		return &users.FieldsChange{Fields: renumbered(agree, team), DeletedID: color.ID, At: c.next()}, nil
	})
	must(t, "ChangeCustomFields(delete)", err)
	want = renumbered(agree, team)
	list, err = s.ListCustomFields(ctx(t), env)
	must(t, "ListCustomFields after delete", err)
	eqFields(t, "fields after delete", list, want)
	_, err = s.GetCustomField(ctx(t), color.ID)
	wantKind(t, "GetCustomField(deleted)", err, errs.KindNotFound)
	wantSettingsFields(t, s, "after delete", env, want, map[string]json.RawMessage{"general": orig["general"]})

	// Fields belong to their environment.
	list, err = s.ListCustomFields(ctx(t), e.live.ID)
	must(t, "ListCustomFields(live)", err)
	eq(t, "fields of the other environment", len(list), 0)
	other := newField(c, e.live.ID, "team", "Team", users.FieldText, users.ValidationRules{})
	putFields(t, s, e.live.ID, c.next(), []users.CustomField{other}, other.ID, nil)
	list, err = s.ListCustomFields(ctx(t), env)
	must(t, "ListCustomFields after another environment's change", err)
	eqFields(t, "fields after another environment's change", list, want)

	err = s.ChangeCustomFields(ctx(t), id(), func(cur []users.CustomField) (*users.FieldsChange, error) {
		return &users.FieldsChange{Fields: []users.CustomField{}, At: c.next()}, nil
	})
	wantKind(t, "ChangeCustomFields in a missing environment", err, errs.KindNotFound)
}

// testCustomFieldValues: renaming moves users' values; making a field
// unique indexes them, refused while two users share one.
func testCustomFieldValues(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	handle := newField(c, env, "handle", "Handle", users.FieldText, users.ValidationRules{})
	agree := newField(c, env, "agree", "Agree", users.FieldCheckbox, users.ValidationRules{})
	putFields(t, s, env, c.next(), []users.CustomField{handle, agree}, handle.ID, nil)

	u1, _ := signIn(t, s, c, env, newWallet(t, env))
	u2, _ := signIn(t, s, c, env, newWallet(t, env))
	u3, _ := signIn(t, s, c, env, newWallet(t, env))
	setMeta := func(u string, kv map[string]any) {
		t.Helper()
		_, err := setProfile(s, t, u, c.next(), func(x *users.User) { x.Metadata = metadata(t, kv) })
		must(t, "UpdateProfile(metadata)", err)
	}
	setMeta(u1.ID, map[string]any{"Handle": "Neo", "Agree": []string{"yes"}, "keep": 1})
	setMeta(u2.ID, map[string]any{"Handle": " neo "})
	setMeta(u3.ID, map[string]any{"Handle": "Trinity"})

	// Two users share a value (as UniqueForm compares): cannot become unique.
	uniq := handle
	uniq.Rules.Unique, uniq.UpdatedAt = true, c.next()
	err := s.ChangeCustomFields(ctx(t), env, func(cur []users.CustomField) (*users.FieldsChange, error) {
		f := renumbered(uniq, agree)
		return &users.FieldsChange{Fields: f, Changed: &f[0], MadeUnique: true, At: c.next()}, nil
	})
	wantCode(t, "making a shared field unique", err, errs.KindUnprocessable, "cannot_switch_to_unique")
	got, err := s.GetCustomField(ctx(t), handle.ID)
	must(t, "GetCustomField after refused switch", err)
	eq(t, "field unique after refused switch", got.Rules.Unique, false)

	setMeta(u2.ID, map[string]any{"Handle": "Morpheus"})
	putFields(t, s, env, c.next(), []users.CustomField{uniq, agree}, uniq.ID, nil)
	got, err = s.GetCustomField(ctx(t), handle.ID)
	must(t, "GetCustomField after switch", err)
	eq(t, "field unique after switch", got.Rules.Unique, true)
	taken := func(what, fieldID, value, except string, want bool) {
		t.Helper()
		got, err := s.CustomValueTaken(ctx(t), fieldID, value, except)
		must(t, what+": CustomValueTaken", err)
		eq(t, what, got, want)
	}
	taken("neo, for u2", handle.ID, "neo", u2.ID, true)
	taken("neo, for its holder", handle.ID, "neo", u1.ID, false)
	taken("morpheus, for u1", handle.ID, "morpheus", u1.ID, true)
	taken("trinity, for u1", handle.ID, "trinity", u1.ID, true)
	taken("a free value", handle.ID, "smith", u1.ID, false)
	taken("another field", agree.ID, "neo", u2.ID, false)

	// Rename: values move to the new name, other keys stay, the index holds.
	renamed := uniq
	renamed.Name, renamed.UpdatedAt = "Nick", c.next()
	putFields(t, s, env, c.next(), []users.CustomField{renamed, agree}, renamed.ID,
		func(ch *users.FieldsChange) { ch.RenamedFrom = "Handle" })
	eqJSON(t, "u1 metadata after rename", getUser(t, s, u1.ID).Metadata, []byte(`{"Nick":"Neo","Agree":["yes"],"keep":1}`))
	eqJSON(t, "u3 metadata after rename", getUser(t, s, u3.ID).Metadata, []byte(`{"Nick":"Trinity"}`))
	taken("neo after rename", handle.ID, "neo", u2.ID, true)
	renamedAgree := agree
	renamedAgree.Name, renamedAgree.UpdatedAt = "Consent", c.next()
	putFields(t, s, env, c.next(), []users.CustomField{renamed, renamedAgree}, agree.ID,
		func(ch *users.FieldsChange) { ch.RenamedFrom = "Agree" })
	eqJSON(t, "u1 metadata after the second rename", getUser(t, s, u1.ID).Metadata, []byte(`{"Nick":"Neo","Consent":["yes"],"keep":1}`))
	eqJSON(t, "u2 metadata after the second rename", getUser(t, s, u2.ID).Metadata, []byte(`{"Nick":"Morpheus"}`))

	// Deleting a field leaves the users' values.
	err = s.ChangeCustomFields(ctx(t), env, func(cur []users.CustomField) (*users.FieldsChange, error) {
		return &users.FieldsChange{Fields: renumbered(renamed), DeletedID: agree.ID, At: c.next()}, nil
	})
	must(t, "ChangeCustomFields(delete)", err)
	eqJSON(t, "u1 metadata after delete", getUser(t, s, u1.ID).Metadata, []byte(`{"Nick":"Neo","Consent":["yes"],"keep":1}`))
}

func testUpdateProfile(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	handle := newField(c, env, "handle", "Handle", users.FieldText, users.ValidationRules{Unique: true})
	putFields(t, s, env, c.next(), []users.CustomField{handle}, handle.ID, nil)
	alice, _ := signIn(t, s, c, env, newWallet(t, env))
	bob, _ := signIn(t, s, c, env, newWallet(t, env))
	live, _ := signIn(t, s, c, e.live.ID, newWallet(t, e.live.ID))

	_, err := setProfile(s, t, id(), c.next(), func(*users.User) {})
	wantKind(t, "UpdateProfile(unknown user)", err, errs.KindNotFound)

	// change sees the user and the environment's fields; the outcome is stored.
	at := c.next()
	var seenFields []string
	u, err := s.UpdateProfile(ctx(t), alice.ID, func(cur *users.User, fields []users.CustomField) (*users.ProfileChange, error) {
		if cur.ID != alice.ID || len(cur.Credentials) != 1 {
			t.Errorf("change got user %s with %d credentials, want %s with 1", cur.ID, len(cur.Credentials), alice.ID)
		}
		seenFields = ids(fields, func(f *users.CustomField) string { return f.ID })
		next := *cur
		next.Email, next.Alias, next.FirstName, next.LastName = "Alice@Example.com", "ally", "Alice", "Liddell"
		next.PhoneNumber, next.JobTitle, next.Username, next.Country = "+14155550100", "CTO", "alice", "GB"
		next.TShirtSize, next.Team = "M", "core"
		next.Metadata = json.RawMessage(`{"Handle":"Rabbit","pets":["cat"]}`)
		next.UpdatedAt = at
		return &users.ProfileChange{User: &next, Unique: []users.UniqueValue{{FieldID: handle.ID, FieldName: "Handle", Value: "rabbit"}}}, nil
	})
	must(t, "UpdateProfile", err)
	eqStrings(t, "fields seen by change", seenFields, []string{handle.ID})
	want := &users.User{ID: alice.ID, EnvironmentID: env, Email: "Alice@Example.com", Alias: "ally", FirstName: "Alice",
		LastName: "Liddell", PhoneNumber: "+14155550100", JobTitle: "CTO", Username: "alice", Country: "GB",
		TShirtSize: "M", Team: "core", Metadata: json.RawMessage(`{"Handle":"Rabbit","pets":["cat"]}`)}
	eqProfile(t, "returned profile", u, want)
	eqTime(t, "returned UpdatedAt", u.UpdatedAt, at)
	eqStrings(t, "returned credentials", credentialIDs(u), credentialIDs(alice))
	stored := getUser(t, s, alice.ID)
	eqProfile(t, "stored profile", stored, want)
	eqTime(t, "stored UpdatedAt", stored.UpdatedAt, at)

	// StandardValueTaken ignores case and the asking user, per environment.
	std := func(what, envID, field, value, except string, want bool) {
		t.Helper()
		got, err := s.StandardValueTaken(ctx(t), envID, field, value, except)
		must(t, what+": StandardValueTaken", err)
		eq(t, what, got, want)
	}
	std("alice's email, for bob", env, users.CheckEmail, "alice@EXAMPLE.com", bob.ID, true)
	std("alice's email, for alice", env, users.CheckEmail, "alice@example.com", alice.ID, false)
	std("alice's email, in live", e.live.ID, users.CheckEmail, "alice@example.com", live.ID, false)
	std("alice's username, for bob", env, users.CheckUsername, "ALICE", bob.ID, true)
	std("a free username", env, users.CheckUsername, "bob", bob.ID, false)
	taken, err := s.CustomValueTaken(ctx(t), handle.ID, "rabbit", bob.ID)
	must(t, "CustomValueTaken", err)
	eq(t, "rabbit taken for bob", taken, true)

	// Refusals leave the whole profile as it was.
	bobBefore := getUser(t, s, bob.ID)
	refused := func(what string, code string, edit func(*users.User), unique ...users.UniqueValue) {
		t.Helper()
		_, err := setProfile(s, t, bob.ID, c.next(), func(u *users.User) {
			u.FirstName, u.Metadata = "Bobby", json.RawMessage(`{"x":1}`)
			edit(u)
		}, unique...)
		wantCode(t, what, err, errs.KindUnprocessable, code)
		got := getUser(t, s, bob.ID)
		eqProfile(t, what+": bob afterwards", got, bobBefore)
		eqTime(t, what+": bob's UpdatedAt afterwards", got.UpdatedAt, bobBefore.UpdatedAt)
	}
	refused("taking alice's email", "email_already_exists", func(u *users.User) { u.Email = "ALICE@example.com" })
	refused("taking alice's username", "username_already_exists", func(u *users.User) { u.Username = "Alice" })
	refused("taking alice's handle", "custom_field_data_not_unique", func(u *users.User) {},
		users.UniqueValue{FieldID: handle.ID, FieldName: "Handle", Value: "rabbit"})

	// Other environments are independent.
	_, err = setProfile(s, t, live.ID, c.next(), func(u *users.User) { u.Email, u.Username = "alice@example.com", "alice" })
	must(t, "UpdateProfile in another environment with alice's email and username", err)

	// Unique values are replaced: the old one is freed.
	_, err = setProfile(s, t, alice.ID, c.next(), func(u *users.User) { u.Metadata = json.RawMessage(`{"Handle":"Hatter"}`) },
		users.UniqueValue{FieldID: handle.ID, FieldName: "Handle", Value: "hatter"})
	must(t, "UpdateProfile(new handle)", err)
	taken, err = s.CustomValueTaken(ctx(t), handle.ID, "rabbit", bob.ID)
	must(t, "CustomValueTaken(old value)", err)
	eq(t, "old handle taken after change", taken, false)
	_, err = setProfile(s, t, bob.ID, c.next(), func(u *users.User) { u.Metadata = json.RawMessage(`{"Handle":"Rabbit"}`) },
		users.UniqueValue{FieldID: handle.ID, FieldName: "Handle", Value: "rabbit"})
	must(t, "UpdateProfile(bob takes the freed handle)", err)
	// Keeping one's own value is fine; clearing the email and username frees them.
	_, err = setProfile(s, t, alice.ID, c.next(), func(u *users.User) { u.Email, u.Username = "", "" },
		users.UniqueValue{FieldID: handle.ID, FieldName: "Handle", Value: "hatter"})
	must(t, "UpdateProfile(keep own handle, clear email)", err)
	std("alice's old email after clearing", env, users.CheckEmail, "alice@example.com", bob.ID, false)
	_, err = setProfile(s, t, bob.ID, c.next(), func(u *users.User) { u.Email = "alice@example.com" })
	must(t, "UpdateProfile(bob takes the freed email)", err)
}

// testUpdateProfileChangeError: an error from change is returned as is
// and nothing is written.
func testUpdateProfileChangeError(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	u, _ := signIn(t, s, c, env, newWallet(t, env))
	before := getUser(t, s, u.ID)
	boom := errs.Unprocessable("my_code", "refused by the change", nil)
	_, err := s.UpdateProfile(ctx(t), u.ID, func(cur *users.User, _ []users.CustomField) (*users.ProfileChange, error) {
		return nil, boom
	})
	wantCode(t, "UpdateProfile with a failing change", err, errs.KindUnprocessable, "my_code")
	got := getUser(t, s, u.ID)
	eqProfile(t, "user after failing change", got, before)
	eqTime(t, "UpdatedAt after failing change", got.UpdatedAt, before.UpdatedAt)
}

// testUniqueValueRace: users claiming one unique value (or one email) at
// once: exactly one wins.
func testUniqueValueRace(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	handle := newField(c, env, "handle", "Handle", users.FieldText, users.ValidationRules{Unique: true})
	putFields(t, s, env, c.next(), []users.CustomField{handle}, handle.ID, nil)
	const n = 6
	uids := make([]string, n)
	for i := range uids {
		u, _ := signIn(t, s, c, env, newWallet(t, env))
		uids[i] = u.ID
	}
	race := func(what, code string, edit func(*users.User), unique ...users.UniqueValue) int {
		t.Helper()
		results := make([]error, n)
		at := c.next()
		var start, done sync.WaitGroup
		start.Add(1)
		for i := range n {
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				_, results[i] = setProfile(s, t, uids[i], at, edit, unique...)
			}()
		}
		start.Done()
		done.Wait()
		winner := -1
		for i, err := range results {
			switch {
			case err == nil && winner >= 0:
				t.Errorf("%s: #%d and #%d both won", what, winner, i)
			case err == nil:
				winner = i
			default:
				var de *errs.E
				if !errors.As(err, &de) || de.Kind != errs.KindUnprocessable || de.Code != code {
					t.Errorf("%s: loser #%d: %v, want unprocessable %s", what, i, err, code)
				}
			}
		}
		if winner < 0 {
			t.Fatalf("%s: nobody won", what)
		}
		return winner
	}
	w := race("claiming one handle", "custom_field_data_not_unique",
		func(u *users.User) { u.Metadata = json.RawMessage(`{"Handle":"Neo"}`) },
		users.UniqueValue{FieldID: handle.ID, FieldName: "Handle", Value: "neo"})
	for i, uid := range uids {
		got := getUser(t, s, uid)
		var m map[string]any
		_ = json.Unmarshal(got.Metadata, &m)
		if (m["Handle"] == "Neo") != (i == w) {
			t.Errorf("user #%d metadata %s after the handle race (winner #%d)", i, got.Metadata, w)
		}
		taken, err := s.CustomValueTaken(ctx(t), handle.ID, "neo", uid)
		must(t, "CustomValueTaken", err)
		eq(t, "neo taken for another user", taken, i != w)
	}
	w = race("claiming one email", "email_already_exists",
		func(u *users.User) { u.Email = "same@example.com" })
	for i, uid := range uids {
		got := getUser(t, s, uid)
		if (got.Email == "same@example.com") != (i == w) {
			t.Errorf("user #%d email %q after the email race (winner #%d)", i, got.Email, w)
		}
	}
}

// testDeleteUser: the user goes with their credentials, sessions and
// unique values; their wallet may sign up again.
func testDeleteUser(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	handle := newField(c, env, "handle", "Handle", users.FieldText, users.ValidationRules{Unique: true})
	putFields(t, s, env, c.next(), []users.CustomField{handle}, handle.ID, nil)
	w1, w2 := newWallet(t, env), newWallet(t, env)
	u, s1 := signIn(t, s, c, env, w1)
	_, s2 := signIn(t, s, c, env, sameWallet(w1))
	_, err := s.LinkCredential(ctx(t), newLink(t, s, c, env, u.ID, w2, c.next()))
	must(t, "LinkCredential", err)
	_, err = setProfile(s, t, u.ID, c.next(), func(x *users.User) {
		x.Email, x.Username, x.Metadata = "gone@example.com", "gone", json.RawMessage(`{"Handle":"Ghost"}`)
	}, users.UniqueValue{FieldID: handle.ID, FieldName: "Handle", Value: "ghost"})
	must(t, "UpdateProfile", err)
	keep, keepSession := signIn(t, s, c, env, newWallet(t, env))

	wantKind(t, "DeleteUser(unknown)", s.DeleteUser(ctx(t), id(), c.next()), errs.KindNotFound)
	must(t, "DeleteUser", s.DeleteUser(ctx(t), u.ID, c.next()))
	_, err = s.GetUser(ctx(t), u.ID)
	wantKind(t, "GetUser after delete", err, errs.KindNotFound)
	for _, cid := range []string{w1.ID, w2.ID} {
		_, err = s.GetCredential(ctx(t), cid)
		wantKind(t, "GetCredential after delete", err, errs.KindNotFound)
	}
	for _, ss := range []string{s1.ID, s2.ID} {
		_, err = s.GetSession(ctx(t), ss)
		wantKind(t, "GetSession after delete", err, errs.KindNotFound)
		_, err = s.GetUserSession(ctx(t), ss)
		wantKind(t, "GetUserSession after delete", err, errs.KindNotFound)
		wantKind(t, "ExtendSession after delete", s.ExtendSession(ctx(t), ss, c.t.Add(time.Hour), c.next()), errs.KindNotFound)
	}
	sessions, err := s.UserSessions(ctx(t), u.ID)
	must(t, "UserSessions after delete", err)
	eq(t, "sessions after delete", len(sessions), 0)
	taken, err := s.CustomValueTaken(ctx(t), handle.ID, "ghost", keep.ID)
	must(t, "CustomValueTaken after delete", err)
	eq(t, "deleted user's handle taken", taken, false)
	for _, f := range []string{users.CheckEmail, users.CheckUsername} {
		taken, err = s.StandardValueTaken(ctx(t), env, f, map[string]string{users.CheckEmail: "gone@example.com", users.CheckUsername: "gone"}[f], keep.ID)
		must(t, "StandardValueTaken after delete", err)
		eq(t, "deleted user's "+f+" taken", taken, false)
	}
	eq(t, "users after delete", userCount(t, s, env), 1)
	wallets, total, err := s.ListWallets(ctx(t), env, users.Page{Limit: 10})
	must(t, "ListWallets after delete", err)
	eq(t, "wallets after delete", total, 1)
	eq(t, "listed wallets after delete", len(wallets), 1)
	wantEvents(t, s, "after delete", env, map[string]int{"user.deleted": 1})
	wantKind(t, "second DeleteUser", s.DeleteUser(ctx(t), u.ID, c.next()), errs.KindNotFound)

	// Others are untouched; the wallet signs up anew.
	got, err := s.GetSession(ctx(t), keepSession.ID)
	must(t, "GetSession(other user)", err)
	eqSession(t, "other user's session", got, keepSession)
	again, _, created := signInAt(t, s, c, env, sameWallet(w1), c.next())
	eq(t, "sign-in with a deleted user's wallet created", created, true)
	if again.ID == u.ID {
		t.Errorf("the deleted user came back")
	}
}

// testUpdateProfileBackupCodeAck: the recovery codes' acknowledgement a
// change carries is written with the profile, and not at all when the
// write is refused.
func testUpdateProfileBackupCodeAck(t *testing.T, s store.Store) {
	c, _, alice := aliceBesideBob(t, s)
	change := func(ack, username string) error {
		_, err := s.UpdateProfile(ctx(t), alice.ID, func(cur *users.User, _ []users.CustomField) (*users.ProfileChange, error) {
			next := *cur
			next.Username, next.UpdatedAt = username, c.next()
			return &users.ProfileChange{User: &next, BackupCodeAck: &ack}, nil
		})
		return err
	}
	wantCode(t, "a taken username with an acknowledgement", change("complete", "BOB"), errs.KindUnprocessable, "username_already_exists")
	eq(t, "acknowledgement after the refused change", getUser(t, s, alice.ID).MfaBackupCodeAcknowledgement, "")
	must(t, "a free username with an acknowledgement", change("complete", "alice"))
	got := getUser(t, s, alice.ID)
	eq(t, "acknowledgement stored", got.MfaBackupCodeAcknowledgement, "complete")
	eq(t, "username stored", got.Username, "alice")
}
