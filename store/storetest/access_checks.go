package storetest

import (
	"testing"

	"github.com/dynamicauth/dynamicauth/access"
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
}
