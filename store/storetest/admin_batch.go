package storetest

import (
	"encoding/json"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// testAdminSaveUsers: a batch is one transaction in which each row is all
// or nothing. Rows refused by a read (a taken email) and rows refused by
// a constraint inside the transaction (a unique custom value another row
// of the batch took) fail alone; the rows around them are saved with
// their events.
func testAdminSaveUsers(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	handle := newField(c, env, "handle", "Handle", users.FieldText, users.ValidationRules{Unique: true})
	putFields(t, s, env, c.next(), []users.CustomField{handle}, handle.ID, nil)
	saveUser(t, s, draftUser(t, env, c.next(), "old@example.com", "old"), c.next())

	now := c.next()
	row := func(email, handle string) *users.SaveUser {
		d := draftUser(t, env, now, email, "")
		d.Alias = email
		if handle != "" {
			d.Metadata = json.RawMessage(`{"Handle":"` + handle + `"}`)
		}
		return &users.SaveUser{Draft: d, Now: now}
	}
	batch := []*users.SaveUser{
		row("a@example.com", "alpha"),
		row("OLD@example.com", ""),     // taken before the batch
		row("b@example.com", "ALPHA "), // the handle row 0 took: refused inside the transaction
		row("a@example.com", ""),       // the email row 0 took
		row("c@example.com", "gamma"),
	}
	out, err := s.SaveUsers(ctx(t), batch)
	must(t, "SaveUsers", err)
	eq(t, "outcomes", len(out), len(batch))
	for i, o := range out {
		switch i {
		case 0, 4:
			must(t, "row saved", o.Err)
			eq(t, "row created", o.Created, true)
			eqProfile(t, "saved row", getUser(t, s, batch[i].Draft.ID), batch[i].Draft)
		default:
			if k := errs.KindOf(o.Err); k != errs.KindConflict && k != errs.KindUnprocessable {
				t.Errorf("refused row %d: %v, want a conflict", i, o.Err)
			}
			wantNoUser(t, s, "refused row", batch[i].Draft.ID)
			for _, cr := range batch[i].Draft.Credentials {
				_, err := s.GetCredential(ctx(t), cr.ID)
				wantKind(t, "refused row's credential", err, errs.KindNotFound)
			}
		}
	}
	wantEvents(t, s, "after the batch", env, map[string]int{"user.created": 3, "wallet.linked": 3})
	taken, err := s.CustomValueTaken(ctx(t), handle.ID, "gamma", id())
	must(t, "CustomValueTaken", err)
	eq(t, "the last row's unique value", taken, true)

	// An upsert batch merges into the users it names.
	up := row("A@example.com", "")
	up.Upsert, up.Draft.Credentials = true, nil
	up.Profile = users.ProfilePatch{FirstName: ptr("Ada")}
	out, err = s.SaveUsers(ctx(t), []*users.SaveUser{up})
	must(t, "SaveUsers upsert", err)
	must(t, "upserted row", out[0].Err)
	eq(t, "upsert updated", out[0].Created, false)
	eq(t, "upsert merged into", out[0].User.ID, batch[0].Draft.ID)

	// An upsert finds a user by id too (an import re-run of a user with
	// neither email nor wallet); an id of one user with the email of
	// another is refused.
	byID := row("", "")
	byID.Upsert, byID.Draft.ID, byID.Draft.Credentials = true, batch[4].Draft.ID, nil
	byID.Profile = users.ProfilePatch{LastName: ptr("Lovelace")}
	clash := row("a@example.com", "")
	clash.Upsert, clash.Draft.ID, clash.Draft.Credentials = true, batch[4].Draft.ID, nil
	out, err = s.SaveUsers(ctx(t), []*users.SaveUser{byID, clash})
	must(t, "SaveUsers upsert by id", err)
	must(t, "upsert by id", out[0].Err)
	eq(t, "upsert by id updated", out[0].Created, false)
	eq(t, "upsert by id merged into", out[0].User.ID, batch[4].Draft.ID)
	eq(t, "upsert by id's last name", out[0].User.LastName, "Lovelace")
	wantKind(t, "an id and an email of two users", out[1].Err, errs.KindConflict)
}
