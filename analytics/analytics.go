// Package analytics answers the admin Analytics group (behaviour.md §7.3)
// from what the server already stores: sessions (sign-ins), users, wallet
// credentials and visits. Every figure is computed in UTC over a half-open
// range [Start, End) by grouped, indexed queries; dates are UTC calendar
// days, ISO weeks starting on Monday, and calendar months, so month and
// year boundaries fall where a reader expects them.
package analytics

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// Unit is a bucket size.
type Unit string

// Units of the overview's granularity, and the two the heatmap needs.
const (
	Day     Unit = "day"
	Week    Unit = "week" // ISO: from Monday
	Month   Unit = "month"
	Hour    Unit = "hour"    // 0-23
	Weekday Unit = "weekday" // 0 = Sunday
)

// Range is a half-open UTC interval. A zero End is now and a zero Start
// DefaultSpan before End, so Range{} is the last 30 days.
type Range struct{ Start, End time.Time }

// DefaultSpan is a range's length when its Start is zero.
const DefaultSpan = 30 * 24 * time.Hour

// orDefault fills in a zero Start or End.
func (r Range) orDefault(now time.Time) Range {
	if r.End.IsZero() {
		r.End = now.UTC().Truncate(time.Millisecond).Add(time.Millisecond) // now included
	}
	if r.Start.IsZero() {
		r.Start = r.End.Add(-DefaultSpan)
	}
	return r
}

// MaxRange bounds a request: grouped scans cost what they cover.
const MaxRange = 3 * 366 * 24 * time.Hour

// Validate checks the range is ordered and bounded.
func (r Range) Validate() error {
	if !r.Start.Before(r.End) {
		return errs.Invalid("start must be before end")
	}
	if r.End.Sub(r.Start) > MaxRange {
		return errs.Invalid("the range may span at most three years")
	}
	return nil
}

// Count is a bucket's figure: Key is a date (YYYY-MM-DD, the bucket's
// first day) or a number (hour, weekday) in text, Dim a dimension's value.
type Count struct {
	Key string
	Dim string
	N   int
}

// Totals are the topline's counts.
type Totals struct {
	Sessions, SessionsInRange int
	Users, UsersInRange       int
	Wallets, WalletsInRange   int
}

// Pair is a retention cell: the users of cohort week Cohort active again
// in week Returning (both YYYY-MM-DD Mondays).
type Pair struct {
	Cohort, Returning string
	N                 int
}

// Cohorts are retention's cells and the cohorts' sizes by week.
type Cohorts struct {
	Cells []Pair
	Sizes []Count
}

// DayVisits is a day of visits: how many, and how many distinct wallets.
type DayVisits struct {
	Date          string
	Count, Unique int
}

// Store is what analytics reads. Each method is one or a few grouped
// queries over an index on (environment_id, created_at, …).
type Store interface {
	Totals(ctx context.Context, envID string, r Range) (*Totals, error)
	// ActiveUsers counts distinct users with a session, per bucket.
	ActiveUsers(ctx context.Context, envID string, r Range, u Unit) ([]Count, error)
	// SessionsByFormat counts sessions per bucket and signing-in
	// credential format (blockchain, email, …).
	SessionsByFormat(ctx context.Context, envID string, r Range, u Unit) ([]Count, error)
	// SessionsByAgent counts sessions per bucket and user agent.
	SessionsByAgent(ctx context.Context, envID string, r Range, u Unit) ([]Count, error)
	// ActiveDaysPerWeek counts (user, week) pairs by the number of
	// distinct days the user had a session that week: Key is the number.
	ActiveDaysPerWeek(ctx context.Context, envID string, r Range) ([]Count, error)
	// Retention counts users by (cohort week, returning week ≥ cohort),
	// for the cohorts of the users active in a week of the range (all)
	// and of the users created in it (new). One call answers both: they
	// read the same users of the range's edges.
	Retention(ctx context.Context, envID string, r Range) (all, created Cohorts, err error)
	// Heatmap counts sessions by (hour, weekday): Key the hour, Dim the weekday.
	Heatmap(ctx context.Context, envID string, r Range) ([]Count, error)
	// WalletNames counts wallet credentials by wallet name, on one chain
	// ("" for all), created in r (nil: all time).
	WalletNames(ctx context.Context, envID, chain string, r *Range) ([]Count, error)
	// Visits counts visits per day and distinct wallets per day, and
	// distinct wallets over the range.
	Visits(ctx context.Context, envID string, r Range) (days []DayVisits, unique int, err error)
	// SessionDays counts sessions per day and distinct users per day, and
	// distinct users over the range.
	SessionDays(ctx context.Context, envID string, r Range) (days []DayVisits, unique int, err error)
}

// Environments checks the caller's reach (tenant.Service does).
type Environments interface {
	GetEnvironment(ctx context.Context, p *tenant.Principal, id string, scope tenant.Scope) (*tenant.Environment, error)
}

// Service is the admin Analytics API in Go.
type Service struct {
	store Store
	envs  Environments
	now   func() time.Time
}

// New returns a Service; now (nil: time.Now) is the clock of ranges left
// open.
func New(st Store, envs Environments, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, envs: envs, now: now}
}

// check returns r with its defaults once the caller may read the
// environment's analytics and r is valid.
func (s *Service) check(ctx context.Context, p *tenant.Principal, envID string, r Range) (Range, error) {
	if _, err := s.envs.GetEnvironment(ctx, p, envID, tenant.ScopeAnalyticsRead); err != nil {
		return r, err
	}
	r = r.orDefault(s.now())
	return r, r.Validate()
}
