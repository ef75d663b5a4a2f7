package httpapi

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/dynamicauth/dynamicauth/analytics"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// The admin Analytics group (behaviour.md §7.3), in UTC.

// analyticsRange reads the required start and end (a YYYY-MM-DD day or an
// RFC 3339 instant; an end day counts in full).
func analyticsRange(qs url.Values, startName, endName string) (analytics.Range, error) {
	start, err := dateParam(qs, startName, false)
	if err != nil {
		return analytics.Range{}, err
	}
	end, err := dateParam(qs, endName, true)
	if err != nil {
		return analytics.Range{}, err
	}
	if start == nil || end == nil {
		return analytics.Range{}, errs.Invalid("%s and %s are required", startName, endName)
	}
	return analytics.Range{Start: *start, End: *end}, nil
}

// legacyRange reads the optional startDate and endDate of the legacy
// reports: the service takes a missing one as the 30 days to now.
func (s *Server) legacyRange(qs url.Values) (analytics.Range, error) {
	var r analytics.Range
	start, err := dateParam(qs, "startDate", false)
	if err != nil {
		return r, err
	}
	end, err := dateParam(qs, "endDate", true)
	if err != nil {
		return r, err
	}
	if start != nil {
		r.Start = *start
	}
	if end != nil {
		r.End = *end
	}
	return r, nil
}

// reportRequest reads the environment and the required start..end of a report.
func reportRequest(r *http.Request) (string, analytics.Range, error) {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return "", analytics.Range{}, err
	}
	rg, err := analyticsRange(r.URL.Query(), "start", "end")
	return envID, rg, err
}

// legacyReportRequest reads the environment and the optional range of a
// legacy report.
func (s *Server) legacyReportRequest(r *http.Request) (string, analytics.Range, error) {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return "", analytics.Range{}, err
	}
	rg, err := s.legacyRange(r.URL.Query())
	return envID, rg, err
}

func (s *Server) analyticsTopline(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, rg, err := reportRequest(r)
	if err != nil {
		return err
	}
	t, err := s.analytics.Topline(r.Context(), p, envID, rg)
	if err != nil {
		return err
	}
	pair := func(all, in int) map[string]int { return map[string]int{"allTime": all, "inRange": in} }
	writeJSON(w, http.StatusOK, map[string]any{"sessions": pair(t.Sessions, t.SessionsInRange),
		"users": pair(t.Users, t.UsersInRange), "wallets": pair(t.Wallets, t.WalletsInRange)})
	return nil
}

func (s *Server) analyticsOverview(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, rg, err := reportRequest(r)
	if err != nil {
		return err
	}
	o, err := s.analytics.Overview(r.Context(), p, envID, rg, analytics.Unit(r.URL.Query().Get("granularity")))
	if err != nil {
		return err
	}
	active := make([]map[string]any, 0, len(o.ActiveUsers))
	for _, c := range o.ActiveUsers {
		active = append(active, map[string]any{"date": c.Key, "nUsers": c.N})
	}
	trend := func(cs []analytics.Count) []map[string]any {
		out := make([]map[string]any, 0, len(cs))
		for _, c := range cs {
			out = append(out, map[string]any{"date": c.Key, "dimValue": c.Dim, "nSessionsVisits": c.N})
		}
		return out
	}
	writeJSON(w, http.StatusOK, map[string]any{"activeUsers": active,
		"sessions": map[string]any{"byLoginMethod": trend(o.ByLoginMethod), "byOperatingSystem": trend(o.ByOS)}})
	return nil
}

func (s *Server) analyticsEngagement(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, rg, err := reportRequest(r)
	if err != nil {
		return err
	}
	e, err := s.analytics.Engagement(r.Context(), p, envID, rg)
	if err != nil {
		return err
	}
	days := make([]map[string]any, 0, len(e.ActiveWeeklyDays))
	for _, d := range e.ActiveWeeklyDays {
		days = append(days, map[string]any{"nDays": d.NDays, "nUserWeeks": d.NUserWeeks, "pctUserWeeks": d.Pct})
	}
	ret := func(rs []analytics.Retention) []map[string]any {
		out := make([]map[string]any, 0, len(rs))
		for _, c := range rs {
			out = append(out, map[string]any{"cohortWeek": c.Cohort, "returningWeek": c.Returning, "retentionPct": c.Pct})
		}
		return out
	}
	heat := make([]map[string]any, 0, len(e.Heatmap))
	for _, c := range e.Heatmap {
		h, _ := strconv.Atoi(c.Key)
		wd, _ := strconv.Atoi(c.Dim)
		heat = append(heat, map[string]any{"hourBucket": h, "weekday": wd, "nSessionsVisits": c.N})
	}
	writeJSON(w, http.StatusOK, map[string]any{"activeWeeklyDays": days,
		"retention": map[string]any{"allUsers": ret(e.AllUsers), "newUsers": ret(e.NewUsers)}, "sessionsHeatmap": heat})
	return nil
}

func walletNames(cs []analytics.Count) []map[string]any {
	out := make([]map[string]any, 0, len(cs))
	for _, c := range cs {
		name := c.Key
		if name == "" {
			name = "unknown"
		}
		out = append(out, map[string]any{"walletNameDisplay": name, "nWallets": c.N})
	}
	return out
}

func (s *Server) analyticsWalletsBreakdown(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, rg, err := reportRequest(r)
	if err != nil {
		return err
	}
	chain := r.URL.Query().Get("chain")
	if len(chain) > 50 {
		return errs.Invalid("chain: at most 50 characters")
	}
	if chain == "all" {
		chain = ""
	}
	b, err := s.analytics.WalletsBreakdown(r.Context(), p, envID, chain, rg)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"breakdown": map[string]any{
		"allTime": walletNames(b.AllTime), "inRange": walletNames(b.InRange)}})
	return nil
}

func (s *Server) analyticsWallets(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, rg, err := s.legacyReportRequest(r)
	if err != nil {
		return err
	}
	cs, err := s.analytics.Wallets(r.Context(), p, envID, rg)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, walletNames(cs))
	return nil
}

func (s *Server) analyticsVisits(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, rg, err := s.legacyReportRequest(r)
	if err != nil {
		return err
	}
	v, err := s.analytics.Visits(r.Context(), p, envID, rg)
	if err != nil {
		return err
	}
	byDate := func(days []analytics.DayVisits) ([]map[string]any, int, int) {
		out := make([]map[string]any, 0, len(days))
		sum, uniq := 0, 0
		for _, d := range days {
			out = append(out, map[string]any{"date": d.Date, "count": d.Count, "uniqueUsers": d.Unique})
			sum += d.Count
			uniq += d.Unique
		}
		return out, sum, uniq
	}
	users, _, _ := byDate(v.Users)
	visits, sum, uniq := byDate(v.Visits)
	writeJSON(w, http.StatusOK, map[string]any{"summedSessionsCount": sum, "summedTotalUniqueCount": uniq,
		"users":  map[string]any{"totalUnique": v.UniqueUsers, "sessions": users},
		"visits": map[string]any{"totalUnique": v.UniqueVisits, "sessions": visits}})
	return nil
}
