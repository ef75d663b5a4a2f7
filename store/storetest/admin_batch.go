package storetest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// testAdminSaveUsers: a batch is one transaction in which each row is all
// or nothing. Rows refused by a read (a taken email) and rows refused by
// a constraint inside the transaction (a unique custom value another row
// of the batch took) fail alone (a taken email or wallet with its own
// error); the rows around them are saved with
// their events.
func testAdminSaveUsers(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	handle := newField(c, env, "handle", "Handle", users.FieldText, users.ValidationRules{Unique: true})
	putFields(t, s, env, c.next(), []users.CustomField{handle}, handle.ID, nil)
	old := saveUser(t, s, draftUser(t, env, c.next(), "old@example.com", "old"), c.next())

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
		row("d@example.com", ""), // the old user's wallet: taken before the batch
	}
	batch[5].Draft.Credentials[0].Address = old.Credentials[0].Address
	out, err := s.SaveUsers(ctx(t), batch)
	must(t, "SaveUsers", err)
	eq(t, "outcomes", len(out), len(batch))
	for i, o := range out {
		switch i {
		case 0, 4:
			must(t, "row saved", o.Err)
			eq(t, "row created", o.Created, true)
			eqStrings(t, "row's credentials linked", batch[i].Linked, []string{batch[i].Draft.Credentials[0].ID})
			eqProfile(t, "saved row", getUser(t, s, batch[i].Draft.ID), batch[i].Draft)
		default:
			if k := errs.KindOf(o.Err); k != errs.KindConflict && k != errs.KindUnprocessable {
				t.Errorf("refused row %d: %v, want a conflict", i, o.Err)
			}
			// refused by the reads before the transaction, with their cause
			if want := map[int]error{1: users.ErrAdminEmailTaken, 5: users.ErrAdminWalletTaken}[i]; want != nil && o.Err != want {
				t.Errorf("refused row %d: %v, want %v", i, o.Err, want)
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
	eqStrings(t, "linked by an upsert adding no credential", up.Linked, nil)

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

// testAdminSaveUsersMany: a batch in which every row is created goes in
// multi-row statements (more rows than one statement takes): each user is
// stored as drafted with their wallet and unique custom value, the
// events are user.created and wallet.linked per user, and each event is
// queued to the enabled webhook subscribed to it, not to a disabled one.
func testAdminSaveUsersMany(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	handle := newField(c, env, "handle", "Handle", users.FieldText, users.ValidationRules{Unique: true})
	putFields(t, s, env, c.next(), []users.CustomField{handle}, handle.ID, nil)
	on, onPing := newHook(c, env, true, events.UserCreated, events.WalletLinked)
	must(t, "CreateWebhook", s.CreateWebhook(ctx(t), on, onPing, 10))
	off, offPing := newHook(c, env, false, events.UserCreated, events.WalletLinked)
	must(t, "CreateWebhook", s.CreateWebhook(ctx(t), off, offPing, 10))

	now := c.next()
	const n = 123
	batch := make([]*users.SaveUser, n)
	for i := range batch {
		d := draftUser(t, env, now, fmt.Sprintf("many%d@example.com", i), fmt.Sprintf("many%d", i))
		if i%3 == 0 {
			d.Metadata = json.RawMessage(fmt.Sprintf(`{"Handle":"h%d"}`, i))
		}
		batch[i] = &users.SaveUser{Draft: d, Now: now}
	}
	out, err := s.SaveUsers(ctx(t), batch)
	must(t, "SaveUsers", err)
	eq(t, "outcomes", len(out), n)
	for i, o := range out {
		must(t, "row saved", o.Err)
		eq(t, "row created", o.Created, true)
		stored := getUser(t, s, batch[i].Draft.ID)
		eqProfile(t, "saved row", stored, batch[i].Draft)
		eq(t, "returned user", o.User.ID, stored.ID)
		eq(t, "returned wallets", len(o.User.Credentials), 1)
		eq(t, "stored wallet", stored.Credentials[0].ID, batch[i].Draft.Credentials[0].ID)
		eqStrings(t, "linked", batch[i].Linked, []string{stored.Credentials[0].ID})
		eq(t, "returned wallet", o.User.Credentials[0].Address, batch[i].Draft.Credentials[0].Address)
	}
	wantEvents(t, s, "after the batch", env, map[string]int{"user.created": n, "wallet.linked": n})
	taken, err := s.CustomValueTaken(ctx(t), handle.ID, "h120", id())
	must(t, "CustomValueTaken", err)
	eq(t, "a unique value of the batch", taken, true)

	queued := map[string]int{}
	for _, j := range deliveryJobs(t, s) {
		queued[j.Webhook.ID+" "+j.Event.Name]++
	}
	eq(t, "user.created queued", queued[on.ID+" "+events.UserCreated], n)
	eq(t, "wallet.linked queued", queued[on.ID+" "+events.WalletLinked], n)
	eq(t, "queued to the disabled webhook", queued[off.ID+" "+events.UserCreated]+queued[off.ID+" "+events.WalletLinked], 0)
}
