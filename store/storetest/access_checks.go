package storetest

import (
	"testing"

	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/cursor"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/store"
)

// testChainalysisChecks: a wallet keeps its latest check per result (the
// id stays), read newest first by wallet keys within one environment.
func testChainalysisChecks(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	_, sb, lv := createProject(t, s, c, org.ID, "one")
	check := func(envID, key, result, response string) *access.Check {
		return &access.Check{ID: id(), EnvironmentID: envID, WalletKey: key, WalletPublicKey: "0x" + key, Result: result,
			Response: response, CreatedAt: c.next()}
	}
	first := check(sb.ID, "aa", access.CheckOK, "not listed")
	must(t, "RecordCheck", s.RecordCheck(ctx(t), first))
	again := check(sb.ID, "aa", access.CheckOK, "not listed again")
	must(t, "RecordCheck the same result", s.RecordCheck(ctx(t), again))
	must(t, "RecordCheck another result", s.RecordCheck(ctx(t), check(sb.ID, "aa", access.CheckBlocked, "listed")))
	must(t, "RecordCheck another wallet", s.RecordCheck(ctx(t), check(sb.ID, "bb", access.CheckOK, "not listed")))
	must(t, "RecordCheck another environment", s.RecordCheck(ctx(t), check(lv.ID, "aa", access.CheckOK, "not listed")))

	got, err := s.ChecksOf(ctx(t), sb.ID, []string{"aa"})
	must(t, "ChecksOf", err)
	if len(got) != 2 || got[0].Result != access.CheckBlocked || got[1].ID != first.ID || got[1].Response != "not listed again" {
		t.Fatalf("ChecksOf(aa) = %+v", got)
	}
	eqTime(t, "replaced check's time", got[1].CreatedAt, again.CreatedAt)
	got, err = s.ChecksOf(ctx(t), sb.ID, []string{"aa", "bb", "cc"})
	must(t, "ChecksOf", err)
	if len(got) != 3 || got[0].WalletKey != "bb" {
		t.Fatalf("ChecksOf(aa, bb, cc) = %+v", got)
	}
	if got, _ := s.ChecksOf(ctx(t), lv.ID, []string{"bb"}); len(got) != 0 {
		t.Fatalf("another environment's checks: %+v", got)
	}

	// A check with an event writes it in its transaction; the OK checks
	// above wrote none.
	blocked := check(lv.ID, "dd", access.CheckBlocked, "listed")
	blocked.Event = events.WalletSanctionsBlocked
	must(t, "RecordCheck with its event", s.RecordCheck(ctx(t), blocked))
	failed := check(lv.ID, "ee", access.CheckFailed, "could not be screened")
	failed.Event = events.WalletSanctionsFailed
	must(t, "RecordCheck with its event", s.RecordCheck(ctx(t), failed))
	data := newestEvents(t, s, lv.ID, events.WalletSanctionsFailed, events.WalletSanctionsBlocked)
	if data[0]["walletPublicKey"] != "0xee" || data[0]["result"] != access.CheckFailed || data[1]["walletPublicKey"] != "0xdd" {
		t.Fatalf("events' data %v", data)
	}
	if all, err := s.ListEvents(ctx(t), lv.ID, events.Query{Limit: 10}, cursor.Position{}); err != nil || len(all) != 2 {
		t.Fatalf("events of the environment: %v %+v (OK checks write none)", err, all)
	}
	if got, _ := s.ChecksOf(ctx(t), lv.ID, []string{"ee"}); len(got) != 1 || got[0].Result != access.CheckFailed {
		t.Fatalf("the FAILED check: %+v", got)
	}
}
