package httpapi_test

import (
	"fmt"
	"testing"
	"time"
)

// The Analytics group end to end: real sign-ins and visits, figures read
// back in the contract's shapes (the store contract suite checks the
// counts against an independently computed history on both backends).
func TestAnalyticsAPI(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	a, b := newEVMWallet(t), newEVMWallet(t)
	h.signIn(t, env, a)
	h.signIn(t, env, a)
	h.signIn(t, env, b)
	for i := range 2 {
		st, res := h.do(t, "POST", "/sdk/"+env+"/connect", "", map[string]any{
			"address": fmt.Sprintf("0x%040x", i+1), "chain": "EVM", "provider": "browserExtension", "walletName": "metamask"})
		wantStatus(t, "connect", st, 204, res)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	base := "/environments/" + env + "/analytics/"
	q := "?start=" + today + "&end=" + today

	st, res := h.do(t, "GET", base+"topline"+q, h.token, nil)
	wantStatus(t, "topline", st, 200, res)
	for path, want := range map[string]float64{"sessions.allTime": 3, "sessions.inRange": 3, "users.allTime": 2,
		"users.inRange": 2, "wallets.allTime": 2, "wallets.inRange": 2} {
		wantEq(t, res, path, want)
	}

	st, res = h.do(t, "GET", base+"overview"+q+"&granularity=month", h.token, nil)
	wantStatus(t, "overview", st, 200, res)
	month := today[:8] + "01"
	wantEq(t, res, "activeUsers", []any{map[string]any{"date": month, "nUsers": float64(2)}})
	wantEq(t, res, "sessions.byLoginMethod", []any{map[string]any{"date": month, "dimValue": "wallet", "nSessionsVisits": float64(3)}})
	wantEq(t, res, "sessions.byOperatingSystem", []any{map[string]any{"date": month, "dimValue": "Other", "nSessionsVisits": float64(3)}})

	st, res = h.do(t, "GET", base+"engagement"+q, h.token, nil)
	wantStatus(t, "engagement", st, 200, res)
	days := list(t, res, "activeWeeklyDays")
	if len(days) != 7 {
		t.Fatalf("activeWeeklyDays: %v", days)
	}
	wantEq(t, days[0], "nUserWeeks", float64(2)) // both users, one day each
	wantEq(t, days[0], "pctUserWeeks", float64(100))
	wantEq(t, res, "retention.newUsers.0.retentionPct", float64(100))
	hour := float64(time.Now().UTC().Hour())
	heat := list(t, res, "sessionsHeatmap")
	if len(heat) == 0 || heat[0].(map[string]any)["nSessionsVisits"] == nil {
		t.Fatalf("sessionsHeatmap: %v (hour %v)", heat, hour)
	}

	st, res = h.do(t, "GET", base+"walletsBreakdown"+q+"&chain=EVM", h.token, nil)
	wantStatus(t, "walletsBreakdown", st, 200, res)
	wantEq(t, res, "breakdown.inRange", []any{map[string]any{"walletNameDisplay": "metamask", "nWallets": float64(2)}})
	st, res = h.do(t, "GET", base+"walletsBreakdown"+q+"&chain=SOL", h.token, nil)
	wantStatus(t, "walletsBreakdown on Solana", st, 200, res)
	wantEq(t, res, "breakdown.allTime", []any{})

	st, res = h.do(t, "GET", base+"visits", h.token, nil)
	wantStatus(t, "visits", st, 200, res)
	wantEq(t, res, "summedSessionsCount", float64(2))
	wantEq(t, res, "visits.totalUnique", float64(2))
	wantEq(t, res, "users.totalUnique", float64(2))
	st, res = h.do(t, "GET", base+"wallets?startDate="+today, h.token, nil)
	wantStatus(t, "wallets", st, 200, res)
	wantEq(t, res, "0.nWallets", float64(2))

	for what, path := range map[string]string{
		"no start":          base + "topline?end=" + today,
		"a bad date":        base + "topline?start=soon&end=" + today,
		"end before start":  base + "topline?start=2026-02-01&end=2026-01-01",
		"over three years":  base + "topline?start=2020-01-01&end=2026-01-01",
		"a bad granularity": base + "overview" + q + "&granularity=hour",
		"no granularity":    base + "overview" + q,
		"a legacy bad date": base + "visits?startDate=x",
	} {
		st, res := h.do(t, "GET", path, h.token, nil)
		wantStatus(t, what, st, 400, res)
	}
	st, res = h.do(t, "GET", base+"topline"+q, "", nil)
	wantStatus(t, "without a token", st, 401, res)
}
