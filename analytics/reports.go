package analytics

import (
	"context"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// Topline counts sessions, users and wallets, all time and in the range.
func (s *Service) Topline(ctx context.Context, p *tenant.Principal, envID string, r Range) (*Totals, error) {
	r, err := s.check(ctx, p, envID, r)
	if err != nil {
		return nil, err
	}
	return s.store.Totals(ctx, envID, r)
}

// Overview is the trend of active users and of sessions by login method
// and by operating system, per bucket.
type Overview struct {
	ActiveUsers   []Count // Key: the bucket's first day
	ByLoginMethod []Count // Dim: wallet, email, sms, social, passkey, externalAuth
	ByOS          []Count // Dim: iOS, Android, Windows, macOS, Linux, ChromeOS, Other, Unknown
}

// Overview answers the overview at a granularity of day, week or month.
func (s *Service) Overview(ctx context.Context, p *tenant.Principal, envID string, r Range, u Unit) (*Overview, error) {
	if u != Day && u != Week && u != Month {
		return nil, errs.Invalid("granularity: must be day, week or month")
	}
	r, err := s.check(ctx, p, envID, r)
	if err != nil {
		return nil, err
	}
	var o Overview
	if o.ActiveUsers, err = s.store.ActiveUsers(ctx, envID, r, u); err != nil {
		return nil, err
	}
	formats, err := s.store.SessionsByFormat(ctx, envID, r, u)
	if err != nil {
		return nil, err
	}
	o.ByLoginMethod = regroup(formats, LoginMethod)
	agents, err := s.store.SessionsByAgent(ctx, envID, r, u)
	if err != nil {
		return nil, err
	}
	o.ByOS = regroup(agents, OperatingSystem)
	return &o, nil
}

// regroup maps each count's Dim and sums the counts that meet, sorted by
// key then dimension.
func regroup(in []Count, dim func(string) string) []Count {
	sums := map[[2]string]int{}
	for _, c := range in {
		sums[[2]string{c.Key, dim(c.Dim)}] += c.N
	}
	out := make([]Count, 0, len(sums))
	for k, n := range sums {
		out = append(out, Count{Key: k[0], Dim: k[1], N: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].Dim < out[j].Dim
	})
	return out
}

// LoginMethod names a signing-in credential's format as the dashboard
// does.
func LoginMethod(format string) string {
	switch format {
	case "blockchain":
		return "wallet"
	case "phoneNumber":
		return "sms"
	case "oauth":
		return "social"
	case "externalUser":
		return "externalAuth"
	case "":
		return "unknown"
	}
	return format
}

// OperatingSystem reads the platform from a User-Agent header.
func OperatingSystem(ua string) string {
	switch {
	case ua == "":
		return "Unknown"
	case strings.Contains(ua, "iPhone"), strings.Contains(ua, "iPad"), strings.Contains(ua, "iPod"):
		return "iOS"
	case strings.Contains(ua, "Android"):
		return "Android"
	case strings.Contains(ua, "Windows"):
		return "Windows"
	case strings.Contains(ua, "CrOS"):
		return "ChromeOS"
	case strings.Contains(ua, "Mac OS X"), strings.Contains(ua, "Macintosh"):
		return "macOS"
	case strings.Contains(ua, "Linux"):
		return "Linux"
	}
	return "Other"
}

// WeekDays is how many (user, week) pairs had NDays active days.
type WeekDays struct {
	NDays, NUserWeeks int
	Pct               float64 // of all the range's user-weeks
}

// Retention is one cohort week's share active again in a later week.
type Retention struct {
	Cohort, Returning string
	Pct               float64
}

// Engagement is the engagement report.
type Engagement struct {
	ActiveWeeklyDays []WeekDays // NDays 1 to 7
	AllUsers         []Retention
	NewUsers         []Retention
	Heatmap          []Count // Key: hour 0-23, Dim: weekday 0-6 (0 = Sunday)
}

// Engagement answers how often users come back.
func (s *Service) Engagement(ctx context.Context, p *tenant.Principal, envID string, r Range) (*Engagement, error) {
	r, err := s.check(ctx, p, envID, r)
	if err != nil {
		return nil, err
	}
	var e Engagement
	days, err := s.store.ActiveDaysPerWeek(ctx, envID, r)
	if err != nil {
		return nil, err
	}
	e.ActiveWeeklyDays = weekDays(days)
	all, created, err := s.store.Retention(ctx, envID, r)
	if err != nil {
		return nil, err
	}
	e.AllUsers, e.NewUsers = retention(all, r), retention(created, r)
	if e.Heatmap, err = s.store.Heatmap(ctx, envID, r); err != nil {
		return nil, err
	}
	return &e, nil
}

func weekDays(in []Count) []WeekDays {
	by := map[int]int{}
	total := 0
	for _, c := range in {
		n, _ := strconv.Atoi(c.Key)
		by[n] += c.N
		total += c.N
	}
	out := make([]WeekDays, 0, 7)
	for d := 1; d <= 7; d++ {
		w := WeekDays{NDays: d, NUserWeeks: by[d]}
		if total > 0 {
			w.Pct = pct(by[d], total)
		}
		out = append(out, w)
	}
	return out
}

// retention turns cell counts into shares of their cohort: every cohort
// with users gets a cell for each week from its own to the range's last.
func retention(c Cohorts, r Range) []Retention {
	cells, sizes := c.Cells, c.Sizes
	n := map[[2]string]int{}
	for _, c := range cells {
		n[[2]string{c.Cohort, c.Returning}] = c.N
	}
	last := WeekOf(r.End.Add(-time.Millisecond))
	var out []Retention
	sort.Slice(sizes, func(i, j int) bool { return sizes[i].Key < sizes[j].Key })
	for _, sz := range sizes {
		if sz.N == 0 {
			continue
		}
		start, err := time.Parse(time.DateOnly, sz.Key)
		if err != nil {
			continue
		}
		for w := start; !w.After(last); w = w.AddDate(0, 0, 7) {
			ret := w.Format(time.DateOnly)
			out = append(out, Retention{Cohort: sz.Key, Returning: ret, Pct: pct(n[[2]string{sz.Key, ret}], sz.N)})
		}
	}
	return out
}

// WeekOf is the Monday (UTC) starting t's ISO week.
func WeekOf(t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

func pct(n, of int) float64 { return math.Round(10000*float64(n)/float64(of)) / 100 }

// Breakdown counts wallets by name, all time and in the range.
type Breakdown struct{ AllTime, InRange []Count }

// WalletsBreakdown answers walletsBreakdown; chain "" counts every chain.
func (s *Service) WalletsBreakdown(ctx context.Context, p *tenant.Principal, envID, chain string, r Range) (*Breakdown, error) {
	r, err := s.check(ctx, p, envID, r)
	if err != nil {
		return nil, err
	}
	if ns, ok := users.ChainNamespace(chain); ok {
		chain = ns // EVM, SOL as the contract names chains; stored by namespace
	}
	var b Breakdown
	if b.AllTime, err = s.store.WalletNames(ctx, envID, chain, nil); err != nil {
		return nil, err
	}
	if b.InRange, err = s.store.WalletNames(ctx, envID, chain, &r); err != nil {
		return nil, err
	}
	return &b, nil
}

// Wallets answers the legacy wallets report: wallets by name in the range.
func (s *Service) Wallets(ctx context.Context, p *tenant.Principal, envID string, r Range) ([]Count, error) {
	r, err := s.check(ctx, p, envID, r)
	if err != nil {
		return nil, err
	}
	return s.store.WalletNames(ctx, envID, "", &r)
}

// VisitReport is the legacy visits report: per day, sessions (users) and
// wallet visits, with distinct counts.
type VisitReport struct {
	Users, Visits             []DayVisits
	UniqueUsers, UniqueVisits int
}

// Visits answers the legacy visits report.
func (s *Service) Visits(ctx context.Context, p *tenant.Principal, envID string, r Range) (*VisitReport, error) {
	r, err := s.check(ctx, p, envID, r)
	if err != nil {
		return nil, err
	}
	var v VisitReport
	if v.Users, v.UniqueUsers, err = s.store.SessionDays(ctx, envID, r); err != nil {
		return nil, err
	}
	if v.Visits, v.UniqueVisits, err = s.store.Visits(ctx, envID, r); err != nil {
		return nil, err
	}
	return &v, nil
}
