package sqlstore

// The admin lookups of end users, and the pages of the tables that grow
// with them (the events outbox, webhook deliveries, allowlist entries), as
// named statements: the store runs these and the query-plan test
// (store/storetest) checks each is answered by an index.

import (
	"strconv"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/analytics"
	"github.com/dynamicauth/dynamicauth/cursor"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/users"
)

// The exact lookups. Emails and usernames compare case-insensitively
// through the unique indexes on lower(…), which are partial (WHERE
// email <> ”): a query must repeat that condition for the index to
// answer it, or SQLite reads every user of the environment.
const (
	sqlUserIDByEmail = `SELECT id FROM users WHERE environment_id = $1 AND email <> '' AND lower(email) = lower($2)`
	sqlEmailTaken    = `SELECT EXISTS (SELECT 1 FROM users WHERE environment_id = $1 AND email <> ''
		AND lower(email) = lower($2) AND id <> $3)`
	sqlUsernameTaken = `SELECT EXISTS (SELECT 1 FROM users WHERE environment_id = $1 AND username <> ''
		AND lower(username) = lower($2) AND id <> $3)`
	sqlUserIDByPhone = `SELECT id FROM users WHERE environment_id = $1 AND phone_number <> '' AND phone_number = $2
		ORDER BY created_at, id LIMIT 1`
	sqlCredentialOf = `SELECT user_id, id FROM verified_credentials
		WHERE environment_id = $1 AND format = $2 AND chain = $3 AND address = $4`
	sqlUserByID = `SELECT ` + userColumns + ` FROM users WHERE id = $1`
	// The users of an environment, as the triggers of user_counts keep it.
	sqlUserCount = `SELECT coalesce(sum(n), 0) FROM user_counts WHERE environment_id = $1`
	// The wallets or visits of an environment, as the triggers of
	// list_counts keep them ($2: listWallets or listVisits).
	sqlListCount   = `SELECT coalesce(sum(n), 0) FROM list_counts WHERE environment_id = $1 AND list = $2`
	sqlWalletsPage = `SELECT ` + credentialColumns + ` FROM verified_credentials
		WHERE environment_id = $1 AND format = 'blockchain' ORDER BY created_at, id LIMIT $2 OFFSET $3`
)

// The lists list_counts counts.
const (
	listWallets = "wallets"
	listVisits  = "visits"
)

// Lookup is one admin lookup: its SQL and arguments.
type Lookup struct {
	Name string
	SQL  string
	Args []any
	// Ordered: a page of the unfiltered list, which reads the
	// environment's users in an index's order and stops at the page's end.
	Ordered bool
	// One: finds a user by a value users rarely share (an email, a
	// username, an alias), which the planner must expect of about one
	// user: PostgreSQL, guessing 0.5% of a million, planned such a
	// lookup in parallel and spent 40-60 ms starting its workers.
	One bool
}

// Lookups returns the admin lookups of environment envID with sample
// values, each as the store runs it: the exact lookups, and the count and
// page of the users list under each filter column answered by an index
// (text columns: a substring of MinSearchRunes characters or more, a
// shorter value whole; "all" either way).
func (s *Store) Lookups(envID string) ([]Lookup, error) {
	const (
		email = "ann@example.com"
		evm   = "0x52908400098527886e0f7030069857d2e4169ee7"
		sol   = "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV"
	)
	out := []Lookup{
		{Name: "user by id", SQL: sqlUserByID, Args: []any{"u-1"}},
		{Name: "user by email", SQL: sqlUserIDByEmail, Args: []any{envID, email}, One: true},
		{Name: "email taken", SQL: sqlEmailTaken, Args: []any{envID, email, "u-1"}, One: true},
		{Name: "username taken", SQL: sqlUsernameTaken, Args: []any{envID, "ann", "u-1"}, One: true},
		{Name: "user by phone", SQL: sqlUserIDByPhone, Args: []any{envID, "+15550100"}},
		{Name: "credential owner", SQL: sqlCredentialOf, Args: []any{envID, users.FormatBlockchain, users.ChainEIP155, evm}},
		{Name: "emails taken (a bulk import's batch)", SQL: s.emailsTakenSQL(), Args: []any{envID, s.d.IDList([]string{email, "bo@example.com"})}},
		{Name: "wallets taken (a bulk import's batch)", SQL: s.credsTakenSQL(),
			Args: []any{envID, s.d.IDList([]string{evm, sol}), users.FormatBlockchain, users.ChainEIP155}},
		{Name: "chainalysis checks of a users page", SQL: s.checksOfSQL(), Args: []any{envID, s.d.IDList([]string{"w:" + evm, "w:" + sol})}},
	}
	filters := []users.Filter{
		{},
		{Column: users.FilterID, Value: "u-1"},
		{Column: users.FilterWalletPublicKey, Value: evm, EVMAddress: evm},
		{Column: users.FilterWalletPublicKey, Value: sol},
		{Column: users.FilterWallet, Value: evm, EVMAddress: evm},
		{Column: users.FilterAccountID, Value: "1234567890"},
		{Column: users.FilterEmail, Value: email},
		{Column: users.FilterEmail, Value: "ann@"},
		{Column: users.FilterAlias, Value: "ALLY"},
		{Column: users.FilterFirstName, Value: "car"},
		{Column: users.FilterLastName, Value: "liddell"},
		{Column: users.FilterPhoneNumber, Value: "555"},
		{Column: users.FilterJobTitle, Value: "engineer"},
		{Column: users.FilterUsername, Value: "bobby"},
		{Column: users.FilterAlias, Value: "Al"},
		{Column: users.FilterEmail, Value: "a"},
		{Column: users.FilterFirstName, Value: "Jo"},
		{Column: users.FilterLastName, Value: "Li"},
		{Column: users.FilterPhoneNumber, Value: "55"},
		{Column: users.FilterJobTitle, Value: "QA"},
		{Column: users.FilterUsername, Value: "bo"},
		{Column: users.FilterAll, Value: "liddell"},
		{Column: users.FilterAll, Value: "Al"},
		{Column: users.FilterAll, Value: email},
		{Chains: []string{users.ChainSolana}},
		{SocialProvider: "google"},
		{Column: users.FilterEmail, Value: email, Chains: []string{users.ChainEIP155}},
	}
	for _, f := range filters {
		q := users.ListQuery{Filter: f, Order: users.Order{Field: "createdAt", Desc: true}, Page: users.Page{Limit: 100}}
		count, page, args, err := s.listUsersSQL(envID, q)
		if err != nil {
			return nil, err
		}
		name := "users list filtered by " + string(f.Column) + " " + f.Value[:min(4, len(f.Value))] +
			strings.Join(f.Chains, ",") + f.SocialProvider
		if unfiltered(f) {
			name = "users list"
		}
		out = append(out, Lookup{Name: name + ": count", SQL: count, Args: args[:len(args)-2]},
			Lookup{Name: name + ": page", SQL: page, Args: args, Ordered: unfiltered(f)})
		if !unfiltered(f) {
			matches, args, err := s.matchesSQL(s.userFilter(envID, f), q)
			if err != nil {
				return nil, err
			}
			out = append(out, Lookup{Name: name + ": page and count", SQL: matches, Args: args})
		}
		if exactFirst(f) {
			matches, args, err := s.matchesSQL(s.filterWith(envID, f, exactMatch), q)
			if err != nil {
				return nil, err
			}
			out = append(out, Lookup{Name: name + ": page and count of the value whole", SQL: matches, Args: args, One: true})
		}
	}
	// A chain's users, more than the count's bound: their page walks the
	// environment in order (the fillers' wallets, on PostgreSQL, are EVM).
	dense := users.ListQuery{Filter: users.Filter{Chains: []string{users.ChainEIP155}},
		Order: users.Order{Field: "createdAt", Desc: true}, Page: users.Page{Limit: 100}}
	_, densePage, denseArgs, err := s.listSQLOf(s.userFilter(envID, dense.Filter).dense, dense)
	if err != nil {
		return nil, err
	}
	out = append(out, Lookup{Name: "users list filtered by chain eip155, more matches than the bound: page",
		SQL: densePage, Args: denseArgs, Ordered: true})
	// The users and credentials of a page.
	page := s.d.IDList([]string{"u-1", "u-2"})
	out = append(out, Lookup{Name: "users of a page", SQL: sqlUsersByID(s), Args: []any{page}},
		Lookup{Name: "credentials of a page's users", SQL: sqlCredentialsOfUsers(s), Args: []any{page}})
	// The unfiltered list's pages from an anchor (keyset.go), both ways,
	// the hop between anchors and the checks of the anchors.
	at := "2026-01-02T03:04:05.678Z"
	for _, desc := range []bool{true, false} {
		cmp := ">="
		if desc {
			cmp = "<="
		}
		out = append(out, Lookup{Name: "users list from an anchor, " + cmp, SQL: s.sqlUserKeys(desc, cmp) + ` LIMIT $4 OFFSET $5`,
			Args: []any{envID, at, "u-1", 100, 3}, Ordered: true},
			// (a hop of 1,000 rows: PostgreSQL's test environment has
			// 5,000 users, and sorting them all beats a longer hop)
			Lookup{Name: "users list: hop from an anchor, " + cmp, SQL: s.sqlUserKeys(desc, cmp) + ` LIMIT 1 OFFSET $4`,
				Args: []any{envID, at, "u-1", 1000}, Ordered: true})
	}
	// (the newest user seen is about the newest: few are newer)
	newest := "2999-01-02T03:04:05.678Z"
	out = append(out, Lookup{Name: "users list: newest user", SQL: s.sqlUserKeys(true, "") + ` LIMIT 1`, Args: []any{envID}, Ordered: true},
		Lookup{Name: "users list: users newer than the anchors", SQL: `SELECT count(*) FROM (` + s.sqlUserKeys(false, ">") +
			` LIMIT ` + strconv.Itoa(maxNewerCheck+1) + `) AS newer`, Args: []any{envID, newest, "u-1"}, Ordered: true})
	// The unfiltered list's first page in each order the admin may ask
	// but sortedUserOrders (createdAt and firstVisit page from anchors,
	// keyset.go): read in an index's order, ties by id included, not
	// sorted.
	for _, field := range users.UserOrderFields {
		if sortedUserOrders[field] {
			continue
		}
		_, page, args, err := s.listUsersSQL(envID, users.ListQuery{Order: users.Order{Field: field}, Page: users.Page{Limit: 100}})
		if err != nil {
			return nil, err
		}
		out = append(out, Lookup{Name: "users list by " + field + ": page", SQL: page, Args: args, Ordered: true})
	}
	out = append(out, Lookup{Name: "wallets list: count", SQL: sqlListCount, Args: []any{envID, listWallets}},
		Lookup{Name: "wallets list: page", SQL: sqlWalletsPage, Args: []any{envID, 100, 0}, Ordered: true})
	visitorFilters := []users.Filter{
		{},
		{Column: users.FilterID, Value: "v-1"},
		{Column: users.FilterWalletPublicKey, Value: evm, EVMAddress: evm},
		{Column: users.FilterAll, Value: "metamask"},
		{Chains: []string{"SOL"}},
	}
	for _, f := range visitorFilters {
		count, countArgs, page, args, err := s.listVisitorsSQL(envID, users.ListQuery{Filter: f,
			Order: users.Order{Field: "createdAt", Desc: true}, Page: users.Page{Limit: 100}})
		if err != nil {
			return nil, err
		}
		name := "visitors list filtered by " + string(f.Column) + " " + f.Value[:min(4, len(f.Value))] + strings.Join(f.Chains, ",")
		all := unfilteredVisits(f)
		if all {
			name = "visitors list"
		}
		out = append(out, Lookup{Name: name + ": count", SQL: count, Args: countArgs},
			Lookup{Name: name + ": page", SQL: page, Args: args, Ordered: all})
	}
	for _, field := range users.VisitorOrderFields {
		_, _, page, args, err := s.listVisitorsSQL(envID, users.ListQuery{Order: users.Order{Field: field}, Page: users.Page{Limit: 100}})
		if err != nil {
			return nil, err
		}
		out = append(out, Lookup{Name: "visitors list by " + field + ": page", SQL: page, Args: args, Ordered: true})
	}
	out = append(out, eventLookups(envID)...)
	out = append(out, Lookup{Name: "events to purge", SQL: s.oldEventsSQL(),
		Args: []any{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 1000, s.d.IDList([]string{envID, "e-2"})}},
		Lookup{Name: "SDK analytics events to purge", SQL: s.oldTracksSQL(),
			Args: []any{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 1000, s.d.IDList([]string{envID, "e-2"})}},
		Lookup{Name: "sessions to purge", SQL: s.oldSessionsSQL(),
			Args: []any{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 1000, s.d.IDList([]string{envID, "e-2"}),
				time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}})
	out = append(out, s.entryLookups(envID)...)
	// A user's deletion (SQLite's plan shows the cascades' lookups) and
	// the admin's MFA reset.
	out = append(out, Lookup{Name: "delete a user", SQL: sqlDeleteUser, Args: []any{"u-1"}})
	for _, table := range mfaTables {
		out = append(out, Lookup{Name: "MFA reset: " + table, SQL: resetMFASQL(table), Args: []any{"u-1"}})
	}
	out = append(out, Lookup{Name: "webhook deliveries", SQL: sqlDeliveries, Args: []any{"w-1", envID, time.Time{}, "", 100}, Ordered: true},
		Lookup{Name: "webhook deliveries after one", SQL: sqlDeliveries,
			Args: []any{"w-1", envID, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "d-1", 100}, Ordered: true},
		// (a message's deliveries are its attempts, a few to sort)
		Lookup{Name: "a webhook message's deliveries", SQL: sqlMessageDeliveries, Args: []any{"w-1", envID, "m-1", 100}},
		// (every start, over every message ever sent)
		Lookup{Name: "webhook messages without a job", SQL: sqlOrphans})
	return append(out, s.analyticsLookups(envID)...), nil
}

// eventLookups are the pages of the admin Events API: the outbox grows
// with every change, far past the users.
func eventLookups(envID string) []Lookup {
	start, end := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	after := cursor.Position{At: start.Add(time.Hour), ID: "e-1"}
	queries := map[string]struct {
		q     events.Query
		after cursor.Position
	}{
		"events list":                 {},
		"events list by type":         {q: events.Query{ResourceType: "user"}},
		"events list in a range":      {q: events.Query{Start: &start, End: &end}},
		"events list after an event":  {after: after},
		"events list, every criteria": {q: events.Query{ResourceType: "wallet", Start: &start, End: &end}, after: after},
	}
	var out []Lookup
	for name, l := range queries {
		l.q.Limit = 100
		sql, args := listEventsSQL(envID, l.q, l.after)
		out = append(out, Lookup{Name: name, SQL: sql, Args: args, Ordered: true})
	}
	return out
}

// analyticsLookups are the Analytics reads that join rows per user (the
// others sum day counters): over a range cutting its first and last weeks
// and days, as the engagement and visits reports read it.
func (s *Store) analyticsLookups(envID string) []Lookup {
	r := analytics.Range{Start: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC), End: time.Date(2025, 12, 31, 12, 0, 0, 0, time.UTC)}
	weeks := cuts(periods(days(envID, r), analytics.Week), analytics.Week)
	rw := weeksIn(weeks)
	out := []Lookup{
		{Name: "analytics retention: users of the partial days", SQL: s.edgeWhoSQL(), Args: edgeWhoArgs(weeks)},
		{Name: "analytics retention: the edge users' weeks", SQL: s.edgeWeeksSQL(), Args: []any{envID, s.d.IDList([]string{"u1", "u2"}), rw.lo, rw.hi}},
		{Name: "analytics retention: cohorts", SQL: s.cohortSizesSQL(false), Args: cohortSizesArgs(false, weeks)},
		{Name: "analytics distinct users", SQL: uniqueSQL(false), Args: uniqueArgs(envID, r)},
		{Name: "analytics distinct visitors", SQL: uniqueSQL(true), Args: uniqueArgs(envID, r)},
		{Name: "analytics active days per week", SQL: s.activeDaysSQL(), Args: weeks},
	}
	for _, u := range []analytics.Unit{analytics.Week, analytics.Month} {
		q, args := s.activeUsersSQL(envID, r, u)
		out = append(out, Lookup{Name: "analytics active users by " + string(u), SQL: q, Args: args})
	}
	return out
}

// entryLookups are an allowlist's (l-1) pages of entries, whole and
// searched, with their counts (a list may hold a million entries), and a
// sign-in's lookup of the lists holding the user's identities.
func (s *Store) entryLookups(envID string) []Lookup {
	out := []Lookup{{Name: "allowlists holding an identity (a sign-in's access decision)", SQL: s.matchingListsSQL(),
		Args: []any{envID, s.d.IDList([]string{"email:ann@example.com", "wallet:0x52908400098527886e0f7030069857d2e4169ee7"})}}}
	for _, query := range []string{"", "ann@example", "0x5290", "AL", "x"} {
		name := "allowlist entries"
		if query != "" {
			name += " matching " + query
		}
		count, countArgs, page, args := s.entriesSQL("l-1", access.EntryQuery{Query: query, Limit: 100})
		out = append(out, Lookup{Name: name + ": count", SQL: count, Args: countArgs},
			Lookup{Name: name + ": page", SQL: page, Args: args, Ordered: query == ""})
	}
	return out
}
