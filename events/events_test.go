package events

import "testing"

func TestResourceTypeAndAction(t *testing.T) {
	for _, tc := range []struct{ name, resource, action string }{
		{UserCreated, "user", "created"},
		{SessionCreated, "user", "created"},
		{WalletTransferred, "wallet", "transferred"},
		{VisitCreated, "visit", "created"},
		{Ping, "ping", "ping"},
	} {
		if got := ResourceType(tc.name); got != tc.resource {
			t.Errorf("ResourceType(%q) = %q, want %q", tc.name, got, tc.resource)
		}
		if got := Action(tc.name); got != tc.action {
			t.Errorf("Action(%q) = %q, want %q", tc.name, got, tc.action)
		}
	}
}

func TestTypesAreUniqueAndNamed(t *testing.T) {
	seen := map[string]bool{}
	for _, ty := range Types {
		if ty.Name == "" || ty.Description == "" || seen[ty.Name] {
			t.Errorf("event type %+v: empty or repeated", ty)
		}
		seen[ty.Name] = true
	}
}
