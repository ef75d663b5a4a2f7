package signin_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/users"
)

// setProfile stores standard fields and metadata of a user.
func (f *fixture) setProfile(t *testing.T, userID string, edit func(u *users.User), meta map[string]any) {
	t.Helper()
	_, err := f.store.UpdateProfile(context.Background(), userID, func(cur *users.User, fields []users.CustomField) (*users.ProfileChange, error) {
		next := *cur
		edit(&next)
		b, err := json.Marshal(meta)
		if err != nil {
			return nil, err
		}
		next.Metadata = b
		return &users.ProfileChange{User: &next, Unique: users.AdminUniqueValues(&next, fields)}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// addFields creates unique text custom fields.
func (f *fixture) addFields(t *testing.T, names ...string) []users.CustomField {
	t.Helper()
	now := f.clock.now().UTC().Truncate(time.Millisecond)
	var out []users.CustomField
	for i, n := range names {
		out = append(out, users.CustomField{ID: ids.New(), EnvironmentID: f.ids.EnvironmentID, Key: n, Name: n, Enabled: true,
			Type: users.FieldText, Rules: users.ValidationRules{Unique: true}, Position: i, CreatedAt: now, UpdatedAt: now})
	}
	for i := range out {
		err := f.store.ChangeCustomFields(context.Background(), f.ids.EnvironmentID, func([]users.CustomField) (*users.FieldsChange, error) {
			return &users.FieldsChange{Fields: out[:i+1], Changed: &out[i], MadeUnique: true, At: now}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// mergeAccounts is the current user (wallet ka) and another user with two
// wallets (kb, then kc linked).
type mergeAccounts struct {
	cur, other *signin.Current
	kb, kc     *ecdsa.PrivateKey
}

func (f *fixture) twoAccounts(t *testing.T) *mergeAccounts {
	t.Helper()
	a := &mergeAccounts{kb: newKey(t), kc: newKey(t)}
	a.cur = f.signIn(t, newKey(t))
	a.other = f.signIn(t, a.kb)
	res, err := f.svc.LinkWallet(context.Background(), a.other, f.signedRequest(t, a.kc), signin.LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.other, err = f.svc.Authenticate(context.Background(), f.ids.EnvironmentID, res.Tokens.MinifiedJWT); err != nil {
		t.Fatal(err)
	}
	return a
}

func mergeConflicts(t *testing.T, err error) *signin.MergeConflicts {
	t.Helper()
	wantCode(t, err, signin.CodeMergeConfirmation)
	var e *errs.E
	errorsAs(err, &e)
	mc, ok := e.Payload["mergeConflicts"].(*signin.MergeConflicts)
	if !ok || mc == nil {
		t.Fatalf("payload %#v", e.Payload)
	}
	return mc
}

func TestMergeAccounts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	fields := f.addFields(t, "Color", "Nick")
	a := f.twoAccounts(t)
	cur, other := a.cur, a.other
	f.setProfile(t, cur.User.ID, func(u *users.User) { u.FirstName, u.Email = "Ann", "ann@example.com" },
		map[string]any{"Color": "red", "app": 1})
	f.setProfile(t, other.User.ID, func(u *users.User) { u.FirstName, u.LastName, u.Email = "Bob", "Smith", "bob@example.com" },
		map[string]any{"Color": "blue", "Nick": "bobby", "app": 2, "other": true})

	// Linking a wallet of an account that has another credential: a merge.
	_, err := f.svc.LinkWallet(ctx, cur, f.signedRequest(t, a.kb), signin.LinkOptions{})
	mc := mergeConflicts(t, err)
	if mc.FromUser == nil || mc.FromUser.User.ID != other.User.ID || len(mc.FromUser.User.Credentials) != 2 {
		t.Fatalf("fromUser %+v", mc.FromUser)
	}
	var got []string
	for _, c := range mc.Conflicts {
		got = append(got, c.Field.Type+":"+c.Field.Name+"="+c.CurrentUser.Value+"/"+c.FromUser.Value)
		if c.CurrentUser.UserID != cur.User.ID || c.FromUser.UserID != other.User.ID {
			t.Fatalf("conflict users %+v", c)
		}
	}
	// lastName and Nick only the other has; "app" is not a profile field.
	if want := []string{"standard:email=ann@example.com/bob@example.com", "standard:firstName=Ann/Bob", "custom:Color=red/blue"}; !slices.Equal(got, want) {
		t.Fatalf("conflicts %v, want %v", got, want)
	}
	if !mc.Conflicts[2].Field.Unique || mc.Conflicts[2].Field.ValidationType != users.FieldText {
		t.Fatalf("custom field entry %+v", mc.Conflicts[2].Field)
	}
	assertCounts(t, f, 2, 2)

	// An unresolved conflict refuses the merge and changes nothing.
	_, err = f.svc.MergeAccounts(ctx, cur, signin.MergeRequest{Resolutions: []signin.MergeResolution{
		{UserID: other.User.ID, FieldKey: "firstName", Type: "standard"},
		{UserID: other.User.ID, FieldKey: "email", Type: "standard"}}})
	wantCode(t, err, signin.CodeMergeInvalid)
	var e *errs.E
	if errorsAs(err, &e); !slices.Equal(e.Payload["additionalMessages"].([]string), []string{"metadata.Color"}) {
		t.Fatalf("unresolved payload %+v", e.Payload)
	}
	// A resolution naming a third user is refused too.
	_, err = f.svc.MergeAccounts(ctx, cur, signin.MergeRequest{Resolutions: []signin.MergeResolution{
		{UserID: ids.New(), FieldKey: "firstName", Type: "standard"}}})
	wantCode(t, err, signin.CodeMergeInvalid)
	assertCounts(t, f, 2, 2)
	if _, err := f.svc.Authenticate(ctx, f.ids.EnvironmentID, tokenOf(t, f, other)); err != nil {
		t.Fatalf("the other account's session ended before the merge: %v", err)
	}
	if u, err := f.store.GetUser(ctx, cur.User.ID); err != nil || u.FirstName != "Ann" || len(u.Credentials) != 1 {
		t.Fatalf("current user changed: %+v %v", u, err)
	}

	// Resolved: everything moves, the other user is gone, same session.
	res, err := f.svc.MergeAccounts(ctx, cur, signin.MergeRequest{IssuerHost: "auth.test", Resolutions: []signin.MergeResolution{
		{UserID: other.User.ID, FieldKey: "firstName", Type: "standard"},
		{UserID: other.User.ID, FieldKey: "email", Type: "standard"},
		{UserID: cur.User.ID, FieldKey: "Color", Type: "custom"}}})
	if err != nil {
		t.Fatal(err)
	}
	u := res.User
	if u.ID != cur.User.ID || res.Session.ID != cur.Session.ID || len(u.Credentials) != 3 {
		t.Fatalf("merged user %+v session %s", u, res.Session.ID)
	}
	if u.FirstName != "Bob" || u.LastName != "Smith" || u.Email != "bob@example.com" {
		t.Fatalf("merged profile %+v", u)
	}
	var meta map[string]any
	if err := json.Unmarshal(u.Metadata, &meta); err != nil || meta["Color"] != "red" || meta["Nick"] != "bobby" ||
		meta["app"] != float64(1) || meta["other"] != true {
		t.Fatalf("merged metadata %s", u.Metadata)
	}
	if u.LastVerifiedCredentialID != other.User.Credentials[0].ID {
		t.Fatalf("last verified credential %s, want the linked wallet %s", u.LastVerifiedCredentialID, other.User.Credentials[0].ID)
	}
	// The unique values follow: Nick "bobby" is now the merged user's.
	if taken, err := f.store.CustomValueTaken(ctx, fields[1].ID, "bobby", cur.User.ID); err != nil || taken {
		t.Fatalf("bobby held by another user: %v %v", taken, err)
	}
	if taken, err := f.store.CustomValueTaken(ctx, fields[1].ID, "bobby", other.User.ID); err != nil || !taken {
		t.Fatalf("bobby not indexed for the merged user: %v %v", taken, err)
	}
	if taken, err := f.store.CustomValueTaken(ctx, fields[0].ID, "blue", ""); err != nil || taken {
		t.Fatalf("the dropped value blue is still indexed: %v %v", taken, err)
	}
	if _, err := f.svc.Authenticate(ctx, f.ids.EnvironmentID, res.Tokens.MinifiedJWT); err != nil {
		t.Fatalf("re-issued token: %v", err)
	}
	_, err = f.svc.Authenticate(ctx, f.ids.EnvironmentID, tokenOf(t, f, other))
	if !errs.Is(err, errs.KindUnauthorized) {
		t.Fatalf("the merged account's token: %v", err)
	}
	if _, err := f.store.GetUser(ctx, other.User.ID); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("merged user still there: %v", err)
	}
	assertCounts(t, f, 1, 1)

	// The merge is used up.
	_, err = f.svc.MergeAccounts(ctx, cur, signin.MergeRequest{})
	wantCode(t, err, signin.CodeMergeInvalid)
	// The wallet is the user's own now: linking it again is a plain link.
	if res, err := f.svc.LinkWallet(ctx, cur, f.signedRequest(t, a.kb), signin.LinkOptions{}); err != nil || len(res.User.Credentials) != 3 {
		t.Fatalf("link again: %v", err)
	}
}

// tokenOf signs a token of the caller's session.
func tokenOf(t *testing.T, f *fixture, c *signin.Current) string {
	t.Helper()
	tok, err := f.sessions.Issue(context.Background(), &users.Profile{User: c.User}, c.Session, "auth.test/"+f.ids.EnvironmentID, "", false)
	if err != nil {
		t.Fatal(err)
	}
	return tok.MinifiedJWT
}

func TestMergeRefusals(t *testing.T) {
	ctx := context.Background()
	t.Run("no pending merge", func(t *testing.T) {
		f := newFixture(t)
		a := f.twoAccounts(t)
		_, err := f.svc.MergeAccounts(ctx, a.cur, signin.MergeRequest{})
		wantCode(t, err, signin.CodeMergeInvalid)
		// Another user's pending merge is not the caller's.
		_, err = f.svc.LinkWallet(ctx, a.cur, f.signedRequest(t, a.kb), signin.LinkOptions{})
		mergeConflicts(t, err)
		_, err = f.svc.MergeAccounts(ctx, a.other, signin.MergeRequest{})
		wantCode(t, err, signin.CodeMergeInvalid)
		assertCounts(t, f, 2, 2)
	})
	t.Run("expired", func(t *testing.T) {
		f := newFixture(t)
		a := f.twoAccounts(t)
		_, err := f.svc.LinkWallet(ctx, a.cur, f.signedRequest(t, a.kb), signin.LinkOptions{})
		mergeConflicts(t, err)
		f.clock.advance(signin.PendingMergeTTL + time.Second)
		_, err = f.svc.MergeAccounts(ctx, a.cur, signin.MergeRequest{})
		wantCode(t, err, signin.CodeMergeInvalid)
		assertCounts(t, f, 2, 2)
	})
	t.Run("proof used elsewhere", func(t *testing.T) {
		f := newFixture(t)
		a := f.twoAccounts(t)
		req := f.signedRequest(t, a.kb)
		_, err := f.svc.LinkWallet(ctx, a.cur, req, signin.LinkOptions{})
		mergeConflicts(t, err)
		// The refusal left the nonce unused: the message still serves for
		// a transfer of the wallet alone, and then proves no merge.
		res, err := f.svc.LinkWallet(ctx, a.cur, req, signin.LinkOptions{Transfer: true})
		if err != nil || len(res.User.Credentials) != 2 {
			t.Fatalf("transfer: %v", err)
		}
		_, err = f.svc.MergeAccounts(ctx, a.cur, signin.MergeRequest{})
		wantCode(t, err, signin.CodeMergeInvalid)
		assertCounts(t, f, 2, 2)
	})
	t.Run("used nonce records nothing", func(t *testing.T) {
		f := newFixture(t)
		a := f.twoAccounts(t)
		req := f.signedRequest(t, a.kb)
		if _, err := f.svc.WalletSignIn(ctx, req); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.LinkWallet(ctx, a.cur, req, signin.LinkOptions{})
		wantCode(t, err, "other_verify_failure")
		_, err = f.svc.MergeAccounts(ctx, a.cur, signin.MergeRequest{})
		wantCode(t, err, signin.CodeMergeInvalid)
	})
	t.Run("bad signature records nothing", func(t *testing.T) {
		f := newFixture(t)
		a := f.twoAccounts(t)
		req := f.signedRequest(t, a.kb)
		req.Signature = personalSign(t, newKey(t), req.Message)
		_, err := f.svc.LinkWallet(ctx, a.cur, req, signin.LinkOptions{})
		wantCode(t, err, "other_verify_failure")
		_, err = f.svc.MergeAccounts(ctx, a.cur, signin.MergeRequest{})
		wantCode(t, err, signin.CodeMergeInvalid)
	})
	t.Run("sole credential is a transfer that would empty its account", func(t *testing.T) {
		f := newFixture(t)
		cur, kb := f.signIn(t, newKey(t)), newKey(t)
		f.signIn(t, kb)
		_, err := f.svc.LinkWallet(ctx, cur, f.signedRequest(t, kb), signin.LinkOptions{})
		wantCode(t, err, "reassign_wallet_error")
		_, err = f.svc.MergeAccounts(ctx, cur, signin.MergeRequest{})
		wantCode(t, err, signin.CodeMergeInvalid)
	})
}

func TestMergeByVerifiedEmail(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.twoAccounts(t)
	_, err := f.svc.MergeByVerifiedEmail(ctx, a.cur, "auth.test", "")
	wantCode(t, err, signin.CodeMergeInvalid)

	addEmail := func(userID, address string) {
		t.Helper()
		now := f.clock.now().UTC().Truncate(time.Millisecond)
		if err := f.store.AddCredential(ctx, &users.Credential{ID: ids.New(), UserID: userID, EnvironmentID: f.ids.EnvironmentID,
			Format: users.FormatEmail, Address: address, PublicIdentifier: address, SignInEnabled: true, VerifiedAt: now,
			CreatedAt: now}, now); err != nil {
			t.Fatal(err)
		}
	}
	addEmail(a.cur.User.ID, "Shared@Example.com")
	_, err = f.svc.MergeByVerifiedEmail(ctx, a.cur, "auth.test", "")
	wantCode(t, err, signin.CodeMergeInvalid)

	// No conflicts: merged at once.
	addEmail(a.other.User.ID, "shared@example.com")
	f.setProfile(t, a.other.User.ID, func(u *users.User) { u.FirstName = "Bob" }, map[string]any{})
	res, err := f.svc.MergeByVerifiedEmail(ctx, a.cur, "auth.test", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.User.ID != a.cur.User.ID || len(res.User.Credentials) != 5 || res.User.FirstName != "Bob" {
		t.Fatalf("merged %+v", res.User)
	}
	assertCounts(t, f, 1, 1)

	// Conflicts: confirmed with /verify/merge.
	third := f.signIn(t, newKey(t))
	addEmail(third.User.ID, "SHARED@EXAMPLE.COM")
	f.setProfile(t, third.User.ID, func(u *users.User) { u.FirstName = "Zed" }, map[string]any{})
	_, err = f.svc.MergeByVerifiedEmail(ctx, a.cur, "auth.test", "")
	mc := mergeConflicts(t, err)
	if len(mc.Conflicts) != 1 || mc.Conflicts[0].Field.Name != "firstName" || mc.FromUser.User.ID != third.User.ID {
		t.Fatalf("conflicts %+v", mc)
	}
	res, err = f.svc.MergeAccounts(ctx, a.cur, signin.MergeRequest{Resolutions: []signin.MergeResolution{
		{UserID: third.User.ID, FieldKey: "firstName", Type: "standard"}}})
	if err != nil || res.User.FirstName != "Zed" || len(res.User.Credentials) != 7 {
		t.Fatalf("merge: %v %+v", err, res)
	}
	assertCounts(t, f, 1, 1)
}

// TestMergeUsersRunsThePendingMerge: POST /users/merge (MergeUsers) runs
// the caller's pending merge, as Dynamic's JS SDK's mergeUserAccounts
// without resolutions asks for a merge without conflicts; with a conflict
// left it is refused and the merge stays pending; without a pending merge
// it is the verified-email merge.
func TestMergeUsersRunsThePendingMerge(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.twoAccounts(t)
	_, err := f.svc.MergeUsers(ctx, a.cur, "auth.test", "")
	wantCode(t, err, signin.CodeMergeInvalid) // nothing pending, no shared email

	f.setProfile(t, a.cur.User.ID, func(u *users.User) { u.FirstName = "Ann" }, map[string]any{})
	f.setProfile(t, a.other.User.ID, func(u *users.User) { u.FirstName = "Bob" }, map[string]any{})
	_, err = f.svc.LinkWallet(ctx, a.cur, f.signedRequest(t, a.kb), signin.LinkOptions{})
	if mc := mergeConflicts(t, err); len(mc.Conflicts) != 1 {
		t.Fatalf("conflicts %+v", mc.Conflicts)
	}
	_, err = f.svc.MergeUsers(ctx, a.cur, "auth.test", "")
	wantCode(t, err, signin.CodeMergeInvalid) // firstName unresolved
	assertCounts(t, f, 2, 2)

	// Resolved in the other's profile: the pending merge runs.
	f.setProfile(t, a.other.User.ID, func(u *users.User) { u.FirstName = "" }, map[string]any{})
	res, err := f.svc.MergeUsers(ctx, a.cur, "auth.test", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.User.ID != a.cur.User.ID || len(res.User.Credentials) != 3 || res.User.FirstName != "Ann" {
		t.Fatalf("merged %+v", res.User)
	}
	assertCounts(t, f, 1, 1)
	_, err = f.svc.MergeUsers(ctx, a.cur, "auth.test", "")
	wantCode(t, err, signin.CodeMergeInvalid) // used: nothing pending any more
}
