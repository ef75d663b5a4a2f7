package access

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/users"
)

func entryKey(t *testing.T, e Entry) string {
	t.Helper()
	if err := e.Normalize(); err != nil {
		t.Fatal(err)
	}
	return e.Key
}

func oauth(provider, account, shown string) users.Credential {
	return users.Credential{Format: users.FormatOAuth, Chain: provider, Address: account, PublicIdentifier: shown}
}

func TestAllowlistMatching(t *testing.T) {
	const evm = "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01"
	const sol = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
	cases := []struct {
		name  string
		entry Entry
		subj  Subject
		match bool
	}{
		{"evm address, other case", Entry{WalletPublicKey: evm}, Subject{Wallets: []Wallet{{users.ChainEIP155, strings.ToLower(evm)}}}, true},
		{"solana exact", Entry{WalletPublicKey: sol}, Subject{Wallets: []Wallet{{users.ChainSolana, sol}}}, true},
		{"solana other case", Entry{WalletPublicKey: sol}, Subject{Wallets: []Wallet{{users.ChainSolana, strings.ToLower(sol)}}}, false},
		{"email, other case", Entry{Email: "Ann@Example.com"}, Subject{Email: "ann@example.com"}, true},
		{"email domain", Entry{EmailDomain: "example.com"}, Subject{Email: "bob@EXAMPLE.com"}, true},
		{"email domain is not a suffix match", Entry{EmailDomain: "ample.com"}, Subject{Email: "bob@example.com"}, false},
		{"phone, formatted", Entry{PhoneNumber: "+1 (415) 555-0100"}, Subject{Phone: "+14155550100"}, true},
		{"twitter with @", Entry{TwitterUsername: "@Alice"}, Subject{Socials: []Social{{"twitter", "alice"}}}, true},
		{"discord is not twitter", Entry{DiscordUsername: "alice"}, Subject{Socials: []Social{{"twitter", "alice"}}}, false},
		{"farcaster fid", Entry{FarcasterFID: 42}, Subject{FarcasterFIDs: []int64{42}}, true},
		{"external user id exact", Entry{ExternalUserID: "u-1"}, Subject{ExternalUserID: "u-1"}, true},
		{"external user id other case", Entry{ExternalUserID: "u-1"}, Subject{ExternalUserID: "U-1"}, false},
		// Subjects built from credentials as the sign-ins store them: an
		// oauth credential keeps the provider in Chain, the account id
		// (a Farcaster fid) in Address, the username as PublicIdentifier.
		{"discord sign-in's username", Entry{DiscordUsername: "Alice"}, SubjectOf(nil, oauth("discord", "81234", "alice")), true},
		{"x sign-in's username", Entry{TwitterUsername: "@alice"}, SubjectOf(nil, oauth("twitter", "99", "alice")), true},
		{"an email shown instead of a username", Entry{DiscordUsername: "a@example.com"}, SubjectOf(nil, oauth("discord", "1", "a@example.com")), false},
		{"an account id is not a username", Entry{DiscordUsername: "81234"}, SubjectOf(nil, oauth("discord", "81234", "81234")), false},
		{"farcaster sign-in's username", Entry{FarcasterUsername: "alice"}, SubjectOf(nil, oauth("farcaster", "7", "alice")), true},
		{"farcaster sign-in's fid", Entry{FarcasterFID: 7}, SubjectOf(nil, oauth("farcaster", "7", "7")), true},
		{"another fid", Entry{FarcasterFID: 8}, SubjectOf(nil, oauth("farcaster", "7", "alice")), false},
		{"a stored user's linked account", Entry{TwitterUsername: "alice"},
			SubjectOf(&users.User{Credentials: []users.Credential{oauth("twitter", "99", "alice")}}), true},
		{"a user's second account at one provider", Entry{DiscordUsername: "bob"},
			SubjectOf(&users.User{Credentials: []users.Credential{oauth("discord", "1", "alice")}}, oauth("discord", "2", "bob")), true},
		{"a second fid", Entry{FarcasterFID: 9},
			SubjectOf(&users.User{Credentials: []users.Credential{oauth("farcaster", "7", "alice")}}, oauth("farcaster", "9", "carol")), true},
		{"a display name is not a username", Entry{TwitterUsername: "alice"}, SubjectOf(nil, oauth("twitter", "99", "Alice Smith")), false},
		{"a second email credential", Entry{EmailDomain: "blocked.example"},
			SubjectOf(&users.User{Email: "a@ok.example"}, users.Credential{Format: users.FormatEmail, Address: "b@blocked.example"}), true},
		{"a second phone credential", Entry{PhoneNumber: "+14155550199"},
			SubjectOf(&users.User{Credentials: []users.Credential{{Format: users.FormatPhoneNumber, Address: "+14155550100"}}},
				users.Credential{Format: users.FormatPhoneNumber, Address: "+14155550199"}), true},
		{"evm address without 0x", Entry{WalletPublicKey: strings.TrimPrefix(evm, "0x")},
			Subject{Wallets: []Wallet{{users.ChainEIP155, strings.ToLower(evm)}}}, true},
		{"email domain in Unicode, email in ASCII", Entry{EmailDomain: "bücher.de"}, Subject{Email: "x@xn--bcher-kva.de"}, true},
		{"email domain in ASCII, email in Unicode", Entry{EmailDomain: "xn--bcher-kva.de"}, Subject{Email: "x@BÜCHER.de"}, true},
		{"email in Unicode, signed in in ASCII", Entry{Email: "ann@bücher.de"}, Subject{Email: "Ann@xn--bcher-kva.de"}, true},
		{"another Unicode domain", Entry{EmailDomain: "bucher.de"}, Subject{Email: "x@bücher.de"}, false},
		{"google has no username entries", Entry{TwitterUsername: "alice"}, SubjectOf(nil, oauth("google", "99", "alice")), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := entryKey(t, tc.entry)
			got := false
			for _, sk := range tc.subj.keys() {
				got = got || sk == k
			}
			if got != tc.match {
				t.Fatalf("entry %s, subject keys %v: match %v, want %v", k, tc.subj.keys(), got, tc.match)
			}
		})
	}
}

// TestUnicodeDomainEntriesStoredBefore: entries stored before domains
// were kept in ASCII hold their Unicode key; a subject signing in with
// the ASCII spelling still matches them.
func TestUnicodeDomainEntriesStoredBefore(t *testing.T) {
	keys := Subject{Email: "ann@xn--bcher-kva.de"}.keys()
	for _, want := range []string{key(kindEmailDomain, "bücher.de"), key(kindEmail, "ann@bücher.de")} {
		if !slices.Contains(keys, want) {
			t.Errorf("keys %v lack %s", keys, want)
		}
	}
	if keys := (Subject{Email: "ann@example.com"}).keys(); len(keys) != 2 {
		t.Errorf("an ASCII email: keys %v, want its email and its domain only", keys)
	}
}

func TestEntryNeedsExactlyOneIdentifier(t *testing.T) {
	for _, e := range []Entry{{}, {Alias: "only a label"}, {Email: "a@b.co", PhoneNumber: "+14155550100"}, {Email: "not an email"}, {EmailDomain: "a@b"},
		{PhoneNumber: "14155550100"}} {
		if err := e.Normalize(); !errs.Is(err, errs.KindInvalid) {
			t.Errorf("%+v: want invalid, got %v", e, err)
		}
	}
}

func TestDecideAllowlists(t *testing.T) {
	member := Subject{Email: "vip@example.com"}
	stranger := Subject{Email: "who@else.org"}
	lists := func(o Outcome, scope string) *rulesStore {
		return &rulesStore{rules: Rules{Lists: []Allowlist{{ID: "l1", Name: "vips", Outcome: o, Scope: scope}}},
			entries: map[string]string{"email:vip@example.com": "l1"}}
	}
	cases := []struct {
		name   string
		store  *rulesStore
		subj   Subject
		admit  bool
		lists  string
		scopes string
	}{
		{"no rules admit everyone", &rulesStore{}, stranger, true, "", ""},
		{"siteAccess admits members", lists(OutcomeSiteAccess, ""), member, true, "vips", ""},
		{"siteAccess refuses others", lists(OutcomeSiteAccess, ""), stranger, false, "", ""},
		{"no outcome reads as siteAccess", lists("", ""), stranger, false, "", ""},
		{"scope adds the scope", lists(OutcomeScope, "vip"), member, true, "vips", "vip"},
		{"scope lets others in without it", lists(OutcomeScope, "vip"), stranger, true, "", ""},
		{"block refuses members", lists(OutcomeBlock, ""), member, false, "", ""},
		{"block lets others in", lists(OutcomeBlock, ""), stranger, true, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := NewService(Deps{Store: tc.store}).Decide(context.Background(), "env", Fixed(tc.subj))
			if !tc.admit {
				var e *errs.E
				if !errors.As(err, &e) || e.Kind != errs.KindForbidden || e.Payload["email"] != tc.subj.Email {
					t.Fatalf("want 403 naming the email, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(d.Lists, " ") != tc.lists || strings.Join(d.Scopes, " ") != tc.scopes {
				t.Fatalf("lists %v scopes %v", d.Lists, d.Scopes)
			}
		})
	}
}

func TestScreenerRefusesListedWalletAndReloads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sdn.txt")
	const listed = "0x7F367cC41522cE07553e823bf3be79A889DEbe1B"
	const later = "0x1da5821544e25c636c1417ba96ade4cf6d2f9b5a"
	if err := os.WriteFile(path, []byte("# OFAC\n"+listed+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ls, err := NewListScreener(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	ls.now = func() time.Time { return now }
	s := NewService(Deps{Store: &rulesStore{rules: Rules{Screening: true}}, Screener: ls})
	w := func(a string) Subject { return Subject{Wallets: []Wallet{{users.ChainEIP155, strings.ToLower(a)}}} }
	var e *errs.E
	if _, err := s.Decide(context.Background(), "env", Fixed(w(listed))); !errors.As(err, &e) || e.Code != CodeSanctioned {
		t.Fatalf("listed wallet: %v", err)
	}
	if _, err := s.Decide(context.Background(), "env", Fixed(w(later))); err != nil {
		t.Fatalf("unlisted wallet: %v", err)
	}
	if err := os.WriteFile(path, []byte(listed+"\n"+later+"\n# more\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	if _, err := s.Decide(context.Background(), "env", Fixed(w(later))); !errors.As(err, &e) || e.Code != CodeSanctioned {
		t.Fatalf("after the file changed, without restart: %v", err)
	}
	off := NewService(Deps{Store: &rulesStore{}, Screener: ls})
	if _, err := off.Decide(context.Background(), "env", Fixed(w(listed))); err != nil {
		t.Fatalf("screening disabled for the environment: %v", err)
	}
}

type countingStore struct {
	rulesStore
	reads int
}

func (c *countingStore) AccessRules(ctx context.Context, env string) (*Rules, error) {
	c.reads++
	return c.rulesStore.AccessRules(ctx, env)
}
func (c *countingStore) SetScreening(context.Context, string, bool, time.Time) error { return nil }

func TestRulesAreReusedBrieflyAndClearedByChanges(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	st := &countingStore{}
	s := NewService(Deps{Store: st, Screener: failingScreener{}, Now: func() time.Time { return now }})
	decide := func() {
		t.Helper()
		if _, err := s.Decide(context.Background(), "env", Fixed(Subject{})); err != nil {
			t.Fatal(err)
		}
	}
	decide()
	decide()
	if st.reads != 1 {
		t.Fatalf("%d reads within the TTL, want 1", st.reads)
	}
	if err := s.SetScreening(context.Background(), "env", true); err != nil {
		t.Fatal(err)
	}
	decide()
	if st.reads != 2 {
		t.Fatalf("a change through the service must apply at once: %d reads", st.reads)
	}
	now = now.Add(DefaultRulesTTL)
	decide()
	if st.reads != 3 {
		t.Fatalf("after the TTL: %d reads", st.reads)
	}
}

// failingScreener is a screening service that is down.
type failingScreener struct{ err error }

func (f failingScreener) Sanctioned(context.Context, string, string) (bool, error) {
	return false, f.err
}

// memChecks records checks in memory (the store's side, with its event in
// one transaction, is covered by store/storetest).
type memChecks struct{ got []Check }

func (m *memChecks) RecordCheck(_ context.Context, c *Check) error {
	m.got = append(m.got, *c)
	return nil
}
func (m *memChecks) ChecksOf(context.Context, string, []string) ([]Check, error) { return m.got, nil }

// TestScreeningWithoutAListFailsClosed: a server without a sanctions list
// refuses to turn screening on (it answered 200 and then screened nobody),
// and an environment whose screening is on all the same (switched on
// before the server lost its list) refuses wallets as unscreened.
func TestScreeningWithoutAListFailsClosed(t *testing.T) {
	const addr = "0x1da5821544e25c636c1417ba96ade4cf6d2f9b5a"
	st := &countingStore{}
	s := NewService(Deps{Store: st})
	var e *errs.E
	if err := s.SetScreening(context.Background(), "env", true); !errors.As(err, &e) || e.Kind != errs.KindUnprocessable ||
		!strings.Contains(e.Message, "--sanctions-list") {
		t.Fatalf("screening on without a list: %v, want a 422 naming --sanctions-list", err)
	}
	if err := s.SetScreening(context.Background(), "env", false); err != nil {
		t.Fatalf("screening off without a list: %v", err)
	}
	checks := &memChecks{}
	s = NewService(Deps{Store: &rulesStore{rules: Rules{Screening: true}}, Checks: checks})
	_, err := s.Decide(context.Background(), "env", Fixed(Subject{Wallets: []Wallet{{users.ChainEIP155, addr}}}))
	if !errors.As(err, &e) || e.Kind != errs.KindForbidden || e.Code != CodeScreeningFailed {
		t.Fatalf("screening on, no list: %v, want 403 %s", err, CodeScreeningFailed)
	}
	if len(checks.got) != 1 || checks.got[0].Result != CheckFailed {
		t.Fatalf("recorded %+v, want one FAILED check", checks.got)
	}
}

// TestScreeningFailureRefusesAndIsRecorded: a screener that cannot answer
// (a service down, a list file gone) is never a silent allow: the
// decision fails with a clear 422 and the wallet's check is recorded as
// FAILED with an event an operator's webhook hears; a listed wallet's
// BLOCKED check carries its event too, an OK one none.
func TestScreeningFailureRefusesAndIsRecorded(t *testing.T) {
	const addr = "0x1da5821544e25c636c1417ba96ade4cf6d2f9b5a"
	subj := Subject{Wallets: []Wallet{{users.ChainEIP155, addr}}}
	checks := &memChecks{}
	s := NewService(Deps{Store: &rulesStore{rules: Rules{Screening: true}},
		Screener: failingScreener{errors.New("dial tcp 10.0.0.1:443: connection refused")}, Checks: checks})
	_, err := s.Decide(context.Background(), "env", Fixed(subj))
	var e *errs.E
	if !errors.As(err, &e) || e.Kind != errs.KindForbidden || e.Code != CodeScreeningFailed {
		t.Fatalf("a screener that is down: want 403 %s, got %v", CodeScreeningFailed, err)
	}
	if strings.Contains(e.Message, "10.0.0.1") {
		t.Errorf("the client's message names the screener's internals: %q", e.Message)
	}
	if len(checks.got) != 1 || checks.got[0].Result != CheckFailed || checks.got[0].Event != events.WalletSanctionsFailed ||
		checks.got[0].WalletPublicKey != addr || checks.got[0].EnvironmentID != "env" {
		t.Fatalf("recorded %+v, want one FAILED check with its event", checks.got)
	}

	// The list file removed: the last list read is not trusted for ever.
	path := filepath.Join(t.TempDir(), "sdn.txt")
	if err := os.WriteFile(path, []byte("0x7F367cC41522cE07553e823bf3be79A889DEbe1B\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ls, err := NewListScreener(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	ls.now = func() time.Time { return now }
	checks = &memChecks{}
	s = NewService(Deps{Store: &rulesStore{rules: Rules{Screening: true}}, Screener: ls, Checks: checks})
	if _, err := s.Decide(context.Background(), "env", Fixed(subj)); err != nil {
		t.Fatalf("an unlisted wallet: %v", err)
	}
	if _, err := s.Decide(context.Background(), "env", Fixed(Subject{Wallets: []Wallet{{users.ChainEIP155, "0x7f367cc41522ce07553e823bf3be79a889debe1b"}}})); !errors.As(err, &e) || e.Code != CodeSanctioned {
		t.Fatalf("a listed wallet: %v", err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	if _, err := s.Decide(context.Background(), "env", Fixed(subj)); !errors.As(err, &e) || e.Code != CodeScreeningFailed {
		t.Fatalf("the list file gone: want %s, got %v", CodeScreeningFailed, err)
	}
	var results, evs []string
	for _, c := range checks.got {
		results, evs = append(results, c.Result), append(evs, c.Event)
	}
	if strings.Join(results, " ") != "OK BLOCKED FAILED" ||
		strings.Join(evs, ",") != ","+events.WalletSanctionsBlocked+","+events.WalletSanctionsFailed {
		t.Fatalf("checks %v events %q", results, evs)
	}
}

// A list file being rewritten in place is not read half-written: the
// last list serves until the file has been still for a moment.
func TestListScreenerWaitsForAWholeFile(t *testing.T) {
	const listed, removed = "0x7F367cC41522cE07553e823bf3be79A889DEbe1B", "0x8576aCC5C05D6Ce88f4e49bf65BdF0C62F91353C"
	path := filepath.Join(t.TempDir(), "sdn.txt")
	base := time.Now().Truncate(time.Second)
	write := func(content string, mtime time.Time) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	write(listed+"\n"+removed+"\n", base.Add(-time.Hour))
	ls, err := NewListScreener(path)
	if err != nil {
		t.Fatal(err)
	}
	now := base
	ls.now = func() time.Time { return now }
	ls.SetCheckEvery(0)
	sanctioned := func(addr string) bool {
		t.Helper()
		hit, err := ls.Sanctioned(context.Background(), "EVM", addr)
		if err != nil {
			t.Fatal(err)
		}
		return hit
	}
	write(listed+"\n", base) // the first half of a rewrite, just now
	if !sanctioned(removed) {
		t.Fatal("a wallet of the list was let through while its file was being rewritten")
	}
	now = base.Add(3 * time.Second)
	if sanctioned(removed) || !sanctioned(listed) || ls.Len() != 1 {
		t.Fatalf("the rewritten list, once still, is not the one read (%d addresses)", ls.Len())
	}
}

// slowStore's first AccessRules read takes its snapshot, then waits for
// release: a decision in flight while an admin changes the rules.
type slowStore struct {
	rulesStore
	first         bool
	read, release chan struct{}
}

func (s *slowStore) AccessRules(context.Context, string) (*Rules, error) {
	r := s.rules
	if !s.first {
		s.first = true
		close(s.read)
		<-s.release
	}
	return &r, nil
}

func (s *slowStore) SetScreening(_ context.Context, _ string, on bool, _ time.Time) error {
	s.rules.Screening = on
	return nil
}

type listedScreener string

func (l listedScreener) Sanctioned(_ context.Context, _, address string) (bool, error) {
	return address == string(l), nil
}

// TestRulesReadBeforeAChangeAreNotKept: a decision that read the rules
// just before an admin change through this Service finished after the
// change cleared the cache, and kept its snapshot for the TTL: the
// change (here screening turned on) did not apply at once as promised,
// and a listed wallet signed in meanwhile.
func TestRulesReadBeforeAChangeAreNotKept(t *testing.T) {
	st := &slowStore{read: make(chan struct{}), release: make(chan struct{})}
	const wallet = "0x00000000000000000000000000000000000000a1"
	s := NewService(Deps{Store: st, Screener: listedScreener(wallet)})
	subj := Fixed(Subject{Wallets: []Wallet{{Chain: users.ChainEIP155, Address: wallet}}})
	done := make(chan error)
	go func() {
		_, err := s.Decide(context.Background(), "env", subj)
		done <- err
	}()
	<-st.read
	if err := s.SetScreening(context.Background(), "env", true); err != nil {
		t.Fatal(err)
	}
	close(st.release)
	if err := <-done; err != nil {
		t.Fatalf("the decision begun before the change: %v", err)
	}
	if _, err := s.Decide(context.Background(), "env", subj); !errs.Is(err, errs.KindForbidden) {
		t.Fatalf("after screening was turned on, a listed wallet: %v, want refused", err)
	}
}
