package storetest

import (
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/store"
)

func testAllowlists(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	_, sb, lv := createProject(t, s, c, org.ID, "one")
	svc := access.NewService(access.Deps{Store: s, Now: c.next})

	vips, err := svc.CreateAllowlist(ctx(t), sb.ID, "vips", "vip", access.OutcomeScope)
	must(t, "CreateAllowlist", err)
	_, err = svc.CreateAllowlist(ctx(t), sb.ID, "vips", "", "")
	wantCode(t, "same name in one environment", err, errs.KindUnprocessable, "allowlist_already_exists")
	other, err := svc.CreateAllowlist(ctx(t), lv.ID, "vips", "", access.OutcomeSiteAccess)
	must(t, "same name, other environment", err)
	_, err = svc.CreateAllowlist(ctx(t), "no-such-env", "x", "", "")
	wantKind(t, "CreateAllowlist in a missing environment", err, errs.KindNotFound)

	got, err := s.GetAllowlist(ctx(t), vips.ID)
	must(t, "GetAllowlist", err)
	if !reflect.DeepEqual(got, vips) {
		t.Errorf("GetAllowlist = %+v, want %+v", got, vips)
	}
	on, err := svc.EnableAllowlist(ctx(t), vips.ID, true)
	must(t, "EnableAllowlist", err)
	if on.EnabledAt == nil || on.Name != "vips" {
		t.Fatalf("enabled list %+v", on)
	}
	newName := "members"
	upd, err := svc.UpdateAllowlist(ctx(t), vips.ID, access.ListPatch{Name: &newName})
	must(t, "UpdateAllowlist", err)
	got, _ = s.GetAllowlist(ctx(t), vips.ID)
	if got.Name != "members" || got.EnabledAt == nil || got.Scope != "vip" || upd.Outcome != access.OutcomeScope {
		t.Errorf("after update %+v: name changes, enabled and scope stay", got)
	}

	add := func(listID string, e access.Entry) *access.Entry {
		t.Helper()
		out, err := svc.AddEntry(ctx(t), listID, e)
		must(t, "AddEntry", err)
		return out
	}
	w := add(vips.ID, access.Entry{WalletPublicKey: "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01", Alias: "whale"})
	em := add(vips.ID, access.Entry{Email: "Ann@Example.com"})
	add(vips.ID, access.Entry{EmailDomain: "partner.io"})
	_, err = svc.AddEntry(ctx(t), vips.ID, access.Entry{WalletPublicKey: "0xabcdef0123456789abcdef0123456789abcdef01"})
	wantCode(t, "the same wallet in other case", err, errs.KindUnprocessable, "allowlist_entry_already_exists")
	otherEntry := add(other.ID, access.Entry{Email: "ann@example.com"}) // other environment, disabled

	gotEntry, err := s.GetEntry(ctx(t), w.ID)
	must(t, "GetEntry", err)
	if !reflect.DeepEqual(gotEntry, w) {
		t.Errorf("GetEntry = %+v, want %+v", gotEntry, w)
	}
	page, n, err := svc.Entries(ctx(t), vips.ID, access.EntryQuery{Limit: 2})
	must(t, "Entries", err)
	if n != 3 || len(page) != 2 || page[0].ID != w.ID || page[1].ID != em.ID {
		t.Errorf("Entries page = %d of %d", len(page), n)
	}
	page, n, err = svc.Entries(ctx(t), vips.ID, access.EntryQuery{Query: "WHALE"})
	must(t, "Entries query", err)
	if n != 1 || len(page) != 1 || page[0].ID != w.ID {
		t.Errorf("Entries(query whale) = %d of %d", len(page), n)
	}
	page, n, err = svc.Entries(ctx(t), vips.ID, access.EntryQuery{Query: "_"})
	must(t, "Entries query _", err)
	if n != 0 || len(page) != 0 {
		t.Errorf("an underscore is matched literally: %d", n)
	}
	entriesSearch(t, s, svc, vips.ID, w, em)

	ids, err := s.MatchingLists(ctx(t), sb.ID, []string{em.Key, "email:nobody@x.io"})
	must(t, "MatchingLists", err)
	eqStrings(t, "MatchingLists", ids, []string{vips.ID})
	ids, err = s.MatchingLists(ctx(t), lv.ID, []string{otherEntry.Key})
	must(t, "MatchingLists(disabled list)", err)
	eqStrings(t, "a disabled list matches nobody", ids, nil)

	rules, err := s.AccessRules(ctx(t), sb.ID)
	must(t, "AccessRules", err)
	if len(rules.Lists) != 1 || rules.Lists[0].ID != vips.ID || rules.Screening {
		t.Errorf("AccessRules = %+v", rules)
	}
	must(t, "SetScreening", s.SetScreening(ctx(t), sb.ID, true, c.next()))
	must(t, "SetScreening again", s.SetScreening(ctx(t), sb.ID, true, c.next()))
	if r, _ := s.AccessRules(ctx(t), sb.ID); !r.Screening {
		t.Error("screening stays off after SetScreening(true)")
	}
	sc, err := s.GetScreening(ctx(t), sb.ID)
	must(t, "GetScreening", err)
	if !sc.Enabled || sc.CreatedAt == nil || sc.UpdatedAt == nil || !sc.UpdatedAt.After(*sc.CreatedAt) {
		t.Errorf("GetScreening = %+v: on, created at the first set, updated at the second", sc)
	}
	if sc, err := s.GetScreening(ctx(t), lv.ID); err != nil || sc.Enabled || sc.CreatedAt != nil {
		t.Errorf("never configured: %+v %v", sc, err)
	}
	if r, _ := s.AccessRules(ctx(t), lv.ID); r.Screening || len(r.Lists) != 0 {
		t.Errorf("other environment: %+v", r)
	}

	must(t, "DeleteEntry", s.DeleteEntry(ctx(t), em.ID))
	wantKind(t, "DeleteEntry twice", s.DeleteEntry(ctx(t), em.ID), errs.KindNotFound)
	must(t, "DeleteAllowlist", s.DeleteAllowlist(ctx(t), vips.ID))
	_, err = s.GetEntry(ctx(t), w.ID)
	wantKind(t, "entries go with their list", err, errs.KindNotFound)
	_, err = s.GetAllowlist(ctx(t), vips.ID)
	wantKind(t, "GetAllowlist deleted", err, errs.KindNotFound)
	_, err = s.SetAllowlistEnabled(ctx(t), vips.ID, nil)
	wantKind(t, "SetAllowlistEnabled deleted", err, errs.KindNotFound)
	_, err = svc.AddEntry(ctx(t), vips.ID, access.Entry{Email: "x@y.io"})
	wantKind(t, "AddEntry to a deleted list", err, errs.KindNotFound)
}

// entriesSearch: a list's entries searched by a substring of their
// identifier or alias (in any letter case), a query shorter than
// sqlstore.MinSearchRunes matching an alias whole; the whole list's count
// follows entries added and deleted; a search's count stops at the bound.
func entriesSearch(t *testing.T, s store.Store, svc *access.Service, listID string, w, em *access.Entry) {
	t.Helper()
	want := func(what string, q access.EntryQuery, total int, ids ...string) {
		t.Helper()
		page, n, err := svc.Entries(ctx(t), listID, q)
		must(t, "Entries "+what, err)
		var got []string
		for _, e := range page {
			got = append(got, e.ID)
		}
		if n != total || !slices.Equal(got, ids) {
			t.Errorf("Entries(%s) = %v of %d, want %v of %d", what, got, n, ids, total)
		}
	}
	want("a substring of an email", access.EntryQuery{Query: "n@EXAMPLE.c"}, 1, em.ID)
	want("a substring of an address", access.EntryQuery{Query: "CDEF0123"}, 1, w.ID)
	want("a substring of an alias", access.EntryQuery{Query: "HAL"}, 1, w.ID)
	want("a substring of the kind", access.EntryQuery{Query: "email"}, 2, em.ID, mustEntry(t, s, listID, "emailDomain:partner.io"))
	al, err := svc.AddEntry(ctx(t), listID, access.Entry{Email: "al@example.com", Alias: "Al"})
	must(t, "AddEntry al", err)
	want("the whole list after an entry added", access.EntryQuery{}, 4, w.ID, em.ID, mustEntry(t, s, listID, "emailDomain:partner.io"), al.ID)
	want("a short alias whole", access.EntryQuery{Query: "aL"}, 1, al.ID)
	want("a short query is no substring", access.EntryQuery{Query: "wh"}, 0)
	if b, ok := s.(interface{ SetListCountBound(n int) }); ok {
		b.SetListCountBound(2)
		want("a search past the count's bound", access.EntryQuery{Query: "MAI", Limit: 1, Offset: 1}, 2,
			mustEntry(t, s, listID, "emailDomain:partner.io"))
		b.SetListCountBound(0)
	}
	must(t, "DeleteEntry al", s.DeleteEntry(ctx(t), al.ID))
	want("the whole list after an entry deleted", access.EntryQuery{Limit: 1, Offset: 2}, 3, mustEntry(t, s, listID, "emailDomain:partner.io"))
	want("a deleted entry is not found", access.EntryQuery{Query: "al@ex"}, 0)
}

// mustEntry returns the id of list's entry of key.
func mustEntry(t *testing.T, s store.Store, listID, key string) string {
	t.Helper()
	page, _, err := s.ListEntries(ctx(t), listID, access.EntryQuery{Limit: 100})
	must(t, "ListEntries", err)
	for _, e := range page {
		if e.Key == key {
			return e.ID
		}
	}
	t.Fatalf("no entry %s", key)
	return ""
}

func testGates(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	_, sb, _ := createProject(t, s, c, org.ID, "one")
	svc := access.NewService(access.Deps{Store: s, Now: c.next})
	rule := access.Rule{Type: access.RuleNFT, NetworkID: 1, ContractAddress: "0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d", TokenID: "7"}
	g, err := svc.CreateGate(ctx(t), access.Gate{EnvironmentID: sb.ID, Name: "apes", Outcome: access.OutcomeScope, Scope: "ape", Rules: []access.Rule{rule}})
	must(t, "CreateGate", err)
	if g.EnabledAt != nil || g.Rules[0].ContractAddress != "0xBC4CA0EdA7647A8aB7C2061c2E118A18a936f13D" {
		t.Errorf("new gate %+v: disabled, address checksummed", g)
	}
	_, err = svc.CreateGate(ctx(t), access.Gate{EnvironmentID: sb.ID, Name: "apes", Outcome: access.OutcomeBlock, Rules: []access.Rule{rule}})
	wantCode(t, "same name", err, errs.KindUnprocessable, "gate_exists")
	second, err := svc.CreateGate(ctx(t), access.Gate{EnvironmentID: sb.ID, Name: "whales", Outcome: access.OutcomeSiteAccess,
		Rules: []access.Rule{{Type: access.RuleToken, NetworkID: 137, ContractAddress: access.Native, Amount: "1000.5"}}})
	must(t, "CreateGate 2", err)

	got, err := s.GetGate(ctx(t), g.ID)
	must(t, "GetGate", err)
	if !reflect.DeepEqual(got, g) {
		t.Errorf("GetGate = %+v, want %+v", got, g)
	}
	on, err := svc.EnableGate(ctx(t), g.ID, true)
	must(t, "EnableGate", err)
	scope := "primate"
	upd, err := svc.UpdateGate(ctx(t), g.ID, access.GatePatch{Scope: &scope})
	must(t, "UpdateGate", err)
	if upd.EnabledAt == nil || !upd.EnabledAt.Equal(*on.EnabledAt) || upd.Scope != "primate" {
		t.Errorf("update keeps enabledAt: %+v", upd)
	}
	name := "whales"
	_, err = svc.UpdateGate(ctx(t), g.ID, access.GatePatch{Name: &name})
	wantCode(t, "rename onto another gate", err, errs.KindUnprocessable, "gate_exists")

	all, err := s.ListGates(ctx(t), sb.ID)
	must(t, "ListGates", err)
	var names []string
	for _, x := range all {
		names = append(names, x.Name)
	}
	sort.Strings(names)
	eqStrings(t, "ListGates", names, []string{"apes", "whales"})
	rules, err := s.AccessRules(ctx(t), sb.ID)
	must(t, "AccessRules", err)
	if len(rules.Gates) != 1 || rules.Gates[0].ID != g.ID || rules.Gates[0].Rules[0].TokenID != "7" {
		t.Errorf("AccessRules gates = %+v (only the enabled one)", rules.Gates)
	}
	off, err := svc.EnableGate(ctx(t), g.ID, false)
	must(t, "DisableGate", err)
	if off.EnabledAt != nil {
		t.Error("disabled gate keeps enabledAt")
	}
	must(t, "DeleteGate", s.DeleteGate(ctx(t), second.ID))
	wantKind(t, "DeleteGate twice", s.DeleteGate(ctx(t), second.ID), errs.KindNotFound)
	_, err = s.GetGate(ctx(t), second.ID)
	wantKind(t, "GetGate deleted", err, errs.KindNotFound)
}
