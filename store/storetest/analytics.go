package storetest

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/analytics"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// history is a generated record of sign-ins and visits, kept by the test
// so that every figure can be computed again here, independently of SQL.
type history struct {
	userCreated map[string]time.Time // user id -> created
	sessions    []histSession
	wallets     []histWallet
	visits      []histVisit
}

type histSession struct {
	user, agent string
	at          time.Time
}

type histWallet struct {
	chain, name, user string
	at                time.Time
}

type histVisit struct {
	address string
	at      time.Time
}

var histAgents = []string{
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)", "Mozilla/5.0 (Linux; Android 14)", "",
}

// genHistory signs wallets in at generated times from mid-November 2025
// to mid-February 2026 (across a month and a year boundary), with sign-ins
// pinned on both sides of midnight on New Year's Eve, and records visits.
func genHistory(t *testing.T, s store.Store, c *clock, envID string) *history {
	t.Helper()
	rng := rand.New(rand.NewPCG(14, 2026))
	from := time.Date(2025, 11, 15, 0, 0, 0, 0, time.UTC)
	span := time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC).Sub(from)
	h := &history{userCreated: map[string]time.Time{}}
	type wallet struct {
		cred users.Credential
		user string
	}
	var ws []*wallet
	// The last six wallets sign in only from Christmas on: users created
	// in the weeks around New Year, new-user cohorts of weeks the ranges
	// cut.
	late := time.Date(2025, 12, 24, 0, 0, 0, 0, time.UTC)
	for i := range 20 {
		cred := newWallet(t, envID)
		if i%3 == 0 {
			cred = newSolanaWallet(t, envID)
		}
		cred.WalletName = []string{"metamask", "phantom", "coinbase", "rainbow"}[i%4]
		ws = append(ws, &wallet{cred: cred})
	}
	var times []time.Time
	for range 160 {
		times = append(times, from.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Millisecond))
	}
	times = append(times, time.Date(2025, 12, 31, 23, 59, 59, 999e6, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 11, 30, 23, 59, 59, 999e6, time.UTC), time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC))
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	// A few late writes, dated earlier than the sign-ins before them: a
	// user's week can be recorded after its later weeks.
	for range 8 {
		times = append(times, from.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Millisecond))
	}
	signIn := func(w *wallet, at time.Time) {
		wr := newWrite(t, envID, sameWallet(w.cred), at, issueNonce(t, s, c, envID))
		wr.Session.UserAgent = histAgents[rng.IntN(len(histAgents))]
		u, created, err := s.CompleteSignIn(ctx(t), wr)
		must(t, "CompleteSignIn", err)
		if created {
			h.userCreated[u.ID] = at
			h.wallets = append(h.wallets, histWallet{chain: w.cred.Chain, name: w.cred.WalletName, user: u.ID, at: at})
		}
		w.user = u.ID
		h.sessions = append(h.sessions, histSession{user: u.ID, agent: wr.Session.UserAgent, at: at})
		if rng.IntN(2) == 0 {
			v := signin.Visit{ID: id(), EnvironmentID: envID, Address: w.cred.Address, Chain: "EVM", WalletName: w.cred.WalletName,
				CreatedAt: at.Add(-time.Minute)}
			must(t, "InsertVisit", s.InsertVisit(ctx(t), v))
			h.visits = append(h.visits, histVisit{address: v.Address, at: v.CreatedAt})
		}
	}
	for _, at := range times {
		w := ws[rng.IntN(len(ws))]
		if at.Before(late) {
			w = ws[rng.IntN(14)]
		}
		signIn(w, at)
	}
	// Late writes on the Monday of a user's last active week, before its
	// sign-ins there: the week's first active day moves, and the retention
	// pairs with the user's earlier weeks (and creation week) with it.
	for _, w := range ws[:4] {
		var last time.Time
		for _, hs := range h.sessions {
			if hs.user == w.user && hs.at.After(last) {
				last = hs.at
			}
		}
		if !last.IsZero() {
			signIn(w, monday(last).Add(30*time.Minute))
		}
	}
	// A user created on Tuesday 9 December, active on Sunday 11 January,
	// then (written last) on Monday 5 January: its first day of that week,
	// which a range ending on 8 January cuts, moves into the range.
	pinned := &wallet{cred: newWallet(t, envID)}
	pinned.cred.WalletName = "metamask"
	for _, at := range []time.Time{time.Date(2025, 12, 9, 10, 0, 0, 0, time.UTC), time.Date(2026, 1, 11, 10, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)} {
		signIn(pinned, at)
	}
	// A user created on Tuesday 30 December, inside the whole weeks of a
	// range, active next only early on Monday 12 January, a partial day
	// the range ends on: its only sign-in of that week is read raw, and
	// its cohort from its creation week.
	edge := &wallet{cred: newWallet(t, envID)}
	edge.cred.WalletName = "metamask"
	for _, at := range []time.Time{time.Date(2025, 12, 30, 10, 0, 0, 0, time.UTC), time.Date(2026, 1, 12, 5, 0, 0, 0, time.UTC)} {
		signIn(edge, at)
	}
	// A user created late on Sunday 28 December, a partial day a range
	// starts on, active again on Tuesday 6 January: its cohort is read per
	// user (no counter holds a user created at a time of day).
	late28 := &wallet{cred: newWallet(t, envID)}
	late28.cred.WalletName = "metamask"
	for _, at := range []time.Time{time.Date(2025, 12, 28, 21, 0, 0, 0, time.UTC), time.Date(2026, 1, 6, 10, 0, 0, 0, time.UTC)} {
		signIn(late28, at)
	}
	return h
}

func inR(at time.Time, r analytics.Range) bool { return !at.Before(r.Start) && at.Before(r.End) }

// monday walks back to the Monday of t's week, a day at a time.
func monday(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	for d.Weekday() != time.Monday {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

func bucketOf(t time.Time, u analytics.Unit) string {
	switch u {
	case analytics.Week:
		return monday(t).Format(time.DateOnly)
	case analytics.Month:
		return fmt.Sprintf("%04d-%02d-01", t.Year(), int(t.Month()))
	}
	return t.Format(time.DateOnly)
}

func countMap(cs []analytics.Count) map[string]int {
	m := map[string]int{}
	for _, c := range cs {
		m[c.Key+"|"+c.Dim] += c.N
	}
	return m
}

func wantCounts(t *testing.T, what string, got []analytics.Count, err error, want map[string]int) {
	t.Helper()
	must(t, what, err)
	if g := countMap(got); !maps.Equal(g, want) {
		t.Errorf("%s:\n got %v\nwant %v", what, g, want)
	}
}

func testAnalytics(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	h := genHistory(t, s, c, e.sandbox.ID)
	// Something in the other environment that must never be counted.
	signIn(t, s, c, e.live.ID, newWallet(t, e.live.ID))

	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	ranges := []analytics.Range{
		{Start: day(2025, 12, 1), End: day(2026, 2, 1)},                      // two months, across the year
		{Start: day(2025, 12, 29), End: day(2026, 1, 5)},                     // the ISO week holding New Year
		{Start: day(2025, 11, 1), End: day(2026, 3, 1)},                      // everything
		{Start: day(2026, 1, 1), End: day(2026, 1, 1).Add(time.Millisecond)}, // New Year's first instant
		// Partial first and last days: whole days from the rollups, the
		// edges from the tables.
		{Start: day(2025, 12, 30).Add(13*time.Hour + 17*time.Minute), End: day(2026, 1, 2).Add(8 * time.Hour)},
		{Start: day(2025, 11, 20).Add(6 * time.Hour), End: day(2026, 2, 10).Add(18*time.Hour + 30*time.Minute)},
		{Start: day(2025, 11, 30).Add(23 * time.Hour), End: day(2025, 12, 1).Add(time.Hour)}, // no whole day
		// Whole days cutting the first and last weeks, across the year
		// (retention's cut weeks from the counters' weekday keys).
		{Start: day(2025, 12, 3), End: day(2026, 1, 8)},
		{Start: day(2025, 12, 27), End: day(2026, 1, 3)},  // two cut weeks, none whole
		{Start: day(2025, 12, 30), End: day(2026, 1, 2)},  // one week cut at both ends
		{Start: day(2025, 11, 20), End: day(2026, 2, 14)}, // ending on a Saturday
		// Partial days in a week of their own: the first whole day a
		// Monday, the end on a Monday.
		{Start: day(2025, 12, 28).Add(20 * time.Hour), End: day(2026, 1, 12).Add(9 * time.Hour)},
		{Start: day(2025, 12, 31).Add(10 * time.Hour), End: day(2026, 1, 14).Add(5 * time.Hour)},
	}
	env := e.sandbox.ID
	for _, r := range ranges {
		checkAnalytics(t, s, env, h, r, "")
	}

	// Deleting a user takes its user and wallet out of the counts of what
	// exists; its sign-ins stay counted (the rollup is history).
	// Day-aligned ranges only: a partial day is read from the sessions,
	// which go with their user.
	gone := h.wallets[0].user
	must(t, "DeleteUser", s.DeleteUser(ctx(t), gone, c.next()))
	for _, r := range ranges[:3] {
		checkAnalytics(t, s, env, h, r, gone)
	}
}

// checkAnalytics compares every figure of r with the history's, gone
// (if not "") a user deleted since: out of the users and wallets that
// exist and of the cohorts of new users, its sign-ins still counted.
func checkAnalytics(t *testing.T, s store.Store, env string, h *history, r analytics.Range, gone string) {
	t.Helper()
	name := r.Start.Format(time.RFC3339) + ".." + r.End.Format(time.RFC3339)
	if gone != "" {
		name += " after a deletion"
	}
	created := maps.Clone(h.userCreated)
	delete(created, gone)
	var wallets []histWallet
	for _, w := range h.wallets {
		if w.user != gone {
			wallets = append(wallets, w)
		}
	}

	var want analytics.Totals
	want.Sessions, want.Users, want.Wallets = len(h.sessions), len(created), len(wallets)
	for _, ss := range h.sessions {
		if inR(ss.at, r) {
			want.SessionsInRange++
		}
	}
	for _, at := range created {
		if inR(at, r) {
			want.UsersInRange++
		}
	}
	for _, w := range wallets {
		if inR(w.at, r) {
			want.WalletsInRange++
		}
	}
	got, err := s.Totals(ctx(t), env, r)
	must(t, "Totals", err)
	if *got != want {
		t.Errorf("%s totals: %+v, want %+v", name, *got, want)
	}

	for _, u := range []analytics.Unit{analytics.Day, analytics.Week, analytics.Month} {
		active := map[string]map[string]bool{}
		byFormat, byAgent := map[string]int{}, map[string]int{}
		for _, ss := range h.sessions {
			if !inR(ss.at, r) {
				continue
			}
			b := bucketOf(ss.at, u)
			if active[b] == nil {
				active[b] = map[string]bool{}
			}
			active[b][ss.user] = true
			byFormat[b+"|"+users.FormatBlockchain]++
			byAgent[b+"|"+ss.agent]++
		}
		wantActive := map[string]int{}
		for b, us := range active {
			wantActive[b+"|"] = len(us)
		}
		cs, err := s.ActiveUsers(ctx(t), env, r, u)
		wantCounts(t, name+" active users by "+string(u), cs, err, wantActive)
		cs, err = s.SessionsByFormat(ctx(t), env, r, u)
		wantCounts(t, name+" sessions by format by "+string(u), cs, err, byFormat)
		cs, err = s.SessionsByAgent(ctx(t), env, r, u)
		wantCounts(t, name+" sessions by agent by "+string(u), cs, err, byAgent)
	}

	// Active days per user-week; heatmap; per-day sessions.
	days := map[string]map[string]bool{} // user|monday -> days
	heat := map[string]int{}
	sessDays := map[string]*dayAgg{}
	allUsers := map[string]bool{}
	for _, ss := range h.sessions {
		if !inR(ss.at, r) {
			continue
		}
		k := ss.user + "|" + bucketOf(ss.at, analytics.Week)
		if days[k] == nil {
			days[k] = map[string]bool{}
		}
		days[k][ss.at.Format(time.DateOnly)] = true
		heat[strconv.Itoa(ss.at.Hour())+"|"+strconv.Itoa(int(ss.at.Weekday()))]++
		countDay(sessDays, ss.at, ss.user)
		allUsers[ss.user] = true
	}
	wantDays := map[string]int{}
	for _, ds := range days {
		wantDays[strconv.Itoa(len(ds))+"|"]++
	}
	cs, err := s.ActiveDaysPerWeek(ctx(t), env, r)
	wantCounts(t, name+" active days per week", cs, err, wantDays)
	cs, err = s.Heatmap(ctx(t), env, r)
	wantCounts(t, name+" heatmap", cs, err, heat)
	sd, uniq, err := s.SessionDays(ctx(t), env, r)
	wantDayVisits(t, name+" session days", sd, uniq, err, sessDays, len(allUsers))

	// Retention: cohorts of active users and of new users by week.
	weeksOf := map[string]map[string]bool{} // user -> active weeks
	for k := range days {
		u, w := k[:len(k)-11], k[len(k)-10:]
		if weeksOf[u] == nil {
			weeksOf[u] = map[string]bool{}
		}
		weeksOf[u][w] = true
	}
	for _, newUsers := range []bool{false, true} {
		cohorts := map[string]string{} // (user|cohort week) pairs, as keys
		if newUsers {
			for u, at := range created {
				if inR(at, r) {
					cohorts[u+"|"+bucketOf(at, analytics.Week)] = ""
				}
			}
		} else {
			for u, ws := range weeksOf {
				for w := range ws {
					cohorts[u+"|"+w] = ""
				}
			}
		}
		wantCells, wantSizes := map[string]int{}, map[string]int{}
		for k := range cohorts {
			u, cw := k[:len(k)-11], k[len(k)-10:]
			wantSizes[cw+"|"]++
			for w := range weeksOf[u] {
				if w >= cw {
					wantCells[cw+"|"+w]++
				}
			}
		}
		all, created, err := s.Retention(ctx(t), env, r)
		cells, sizes := all.Cells, all.Sizes
		if newUsers {
			cells, sizes = created.Cells, created.Sizes
		}
		wantCounts(t, fmt.Sprintf("%s retention sizes (new users %v)", name, newUsers), sizes, err, wantSizes)
		gotCells := map[string]int{}
		for _, p := range cells {
			gotCells[p.Cohort+"|"+p.Returning] += p.N
		}
		if !maps.Equal(gotCells, wantCells) {
			t.Errorf("%s retention (new users %v):\n got %v\nwant %v", name, newUsers, gotCells, wantCells)
		}
	}

	// Wallets by name, on each chain and all; visits per day.
	for _, chain := range []string{"", users.ChainEIP155, users.ChainSolana} {
		all, in := map[string]int{}, map[string]int{}
		for _, w := range wallets {
			if chain != "" && w.chain != chain {
				continue
			}
			all[w.name+"|"]++
			if inR(w.at, r) {
				in[w.name+"|"]++
			}
		}
		cs, err := s.WalletNames(ctx(t), env, chain, nil)
		wantCounts(t, "wallet names on "+chain, cs, err, all)
		cs, err = s.WalletNames(ctx(t), env, chain, &r)
		wantCounts(t, name+" wallet names on "+chain, cs, err, in)
	}
	vDays := map[string]*dayAgg{}
	vAll := map[string]bool{}
	for _, v := range h.visits {
		if !inR(v.at, r) {
			continue
		}
		countDay(vDays, v.at, v.address)
		vAll[v.address] = true
	}
	vd, vuniq, err := s.Visits(ctx(t), env, r)
	wantDayVisits(t, name+" visits", vd, vuniq, err, vDays, len(vAll))
}

// dayAgg is a day's expected count and distinct users (or wallets).
type dayAgg struct {
	n  int
	us map[string]bool
}

// countDay counts one row by who on at's day (DateOnly of at as given).
func countDay(days map[string]*dayAgg, at time.Time, who string) {
	d := at.Format(time.DateOnly)
	if days[d] == nil {
		days[d] = &dayAgg{us: map[string]bool{}}
	}
	days[d].n++
	days[d].us[who] = true
}

// wantDayVisits checks a per-day report and its range's distinct total
// against the counts the test computed.
func wantDayVisits(t *testing.T, what string, got []analytics.DayVisits, uniq int, err error, want map[string]*dayAgg, wantUniq int) {
	t.Helper()
	must(t, what, err)
	if uniq != wantUniq || len(got) != len(want) {
		t.Errorf("%s: %d days, %d unique, want %d and %d", what, len(got), uniq, len(want), wantUniq)
	}
	for _, d := range got {
		w := want[d.Date]
		if w == nil || w.n != d.Count || len(w.us) != d.Unique {
			t.Errorf("%s: day %+v, want %+v", what, d, w)
		}
	}
}
