package storetest

// The admin lists: users, wallets and visitors, their filters and orders.

import (
	"slices"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

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
