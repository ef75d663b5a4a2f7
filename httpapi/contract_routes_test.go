package httpapi_test

import (
	"regexp"
	"sort"
	"strings"
	"testing"
)

// laterServed are the later-tier operations served all the same.
var laterServed = map[string]bool{"getAccountBalances": true, "postMultichainAccountBalances": true,
	"getTestAccount": true, "createTestAccount": true, "deleteTestAccount": true,
	"telegramCheckAuth": true}

// TestContractOperationsRouted: every operation of the contract's admin
// and sdk tiers has a route (the server's own list of registrations), and
// of the later tier only laterServed (the others answer 404, as any
// unknown route).
func TestContractOperationsRouted(t *testing.T) {
	h := newHarness(t)
	doc, _ := loadContract(t)
	param := regexp.MustCompile(`\{[^}]+\}`)
	routed := map[string]bool{}
	for _, p := range h.auth.Handler().(interface{ Routes() []string }).Routes() {
		method, path, _ := strings.Cut(p, " ")
		if rest, ok := strings.CutPrefix(path, v0); ok {
			routed[method+" "+param.ReplaceAllString(rest, "{}")] = true
		}
	}
	var missing, extra []string
	counts := map[string]int{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			tier, _ := op.Extensions["x-tier"].(string)
			counts[tier]++
			key := method + " " + param.ReplaceAllString(path, "{}")
			switch {
			case tier == "later" && routed[key] != laterServed[op.OperationID]:
				extra = append(extra, key+" ("+op.OperationID+")")
			case tier != "later" && !routed[key]:
				missing = append(missing, key+" ("+op.OperationID+")")
			}
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("%d admin/sdk operations have no route:\n%s", len(missing), strings.Join(missing, "\n"))
	}
	if len(extra) > 0 {
		t.Errorf("%d later-tier operations routed, or not, unlike laterServed says:\n%s", len(extra), strings.Join(extra, "\n"))
	}
	if counts["admin"] == 0 || counts["sdk"] == 0 || counts["later"] == 0 {
		t.Fatalf("operations by tier: %v (the contract's x-tier marks are missing)", counts)
	}
	t.Logf("operations by tier: %v", counts)
}
