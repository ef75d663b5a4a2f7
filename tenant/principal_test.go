package tenant

import (
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
)

func TestPrincipalReach(t *testing.T) {
	const orgA, orgB, projA, envA, envA2 = "org-a", "org-b", "proj-a", "env-a", "env-a-live"
	ownerWide := &Principal{Token: Token{EnvironmentID: envA, ProjectID: projA, OrganizationID: orgA, OrgWide: true},
		Memberships: map[string]Role{orgA: RoleOwner, orgB: RoleViewer}}
	envToken := &Principal{Token: Token{EnvironmentID: envA, ProjectID: projA, OrganizationID: orgA,
		Scopes: []Scope{ScopeUsersRead}}, Memberships: map[string]Role{orgA: RoleOwner}}

	envOf := func(id, org string) *Environment { return &Environment{ID: id, OrganizationID: org} }
	cases := []struct {
		name string
		err  error
		want errs.Kind // KindInternal means "allowed"
	}{
		{"wide reads own org", ownerWide.CanReadOrganization(orgA), errs.KindInternal},
		{"wide reads org it is a member of", ownerWide.CanReadOrganization(orgB), errs.KindInternal},
		{"wide cannot read a foreign org", ownerWide.CanReadOrganization("org-c"), errs.KindForbidden},
		{"wide owner manages", ownerWide.CanManageOrganization(orgA, RoleAdmin), errs.KindInternal},
		{"wide viewer cannot manage", ownerWide.CanManageOrganization(orgB, RoleAdmin), errs.KindForbidden},
		{"wide uses sibling env", ownerWide.CanUseEnvironment(envOf(envA2, orgA), ScopeSettingsWrite), errs.KindInternal},
		{"wide viewer cannot write env", ownerWide.CanUseEnvironment(envOf("env-b", orgB), ScopeSettingsWrite), errs.KindForbidden},
		{"wide viewer reads env", ownerWide.CanUseEnvironment(envOf("env-b", orgB), ScopeSettingsRead), errs.KindInternal},
		{"env token reads own org", envToken.CanReadOrganization(orgA), errs.KindInternal},
		{"env token cannot manage own org", envToken.CanManageOrganization(orgA, RoleViewer), errs.KindForbidden},
		{"env token reaches own env with its scope", envToken.CanUseEnvironment(envOf(envA, orgA), ScopeUsersRead), errs.KindInternal},
		{"env token lacks scope", envToken.CanUseEnvironment(envOf(envA, orgA), ScopeSettingsRead), errs.KindForbidden},
		{"env token cannot reach sibling env", envToken.CanUseEnvironment(envOf(envA2, orgA), ScopeUsersRead), errs.KindForbidden},
		{"env token reads own project", envToken.CanReadProject(&Project{ID: projA, OrganizationID: orgA}), errs.KindInternal},
		{"env token cannot read other project", envToken.CanReadProject(&Project{ID: "p2", OrganizationID: orgA}), errs.KindForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want == errs.KindInternal {
				if tc.err != nil {
					t.Fatalf("want allowed, got %v", tc.err)
				}
				return
			}
			if !errs.Is(tc.err, tc.want) {
				t.Fatalf("want kind %v, got %v", tc.want, tc.err)
			}
		})
	}
}

func TestRandomTokenShape(t *testing.T) {
	seen := map[string]bool{}
	counts := map[rune]int{}
	for i := 0; i < 2000; i++ {
		tok, err := randomToken()
		if err != nil {
			t.Fatal(err)
		}
		if !looksLikeToken(tok) {
			t.Fatalf("bad token %q", tok)
		}
		if seen[tok] {
			t.Fatalf("repeated token %q", tok)
		}
		seen[tok] = true
		for _, c := range tok[4:] {
			counts[c]++
		}
	}
	// 112,000 draws over 62 symbols: every symbol appears, none wildly often.
	if len(counts) != 62 {
		t.Fatalf("only %d distinct characters", len(counts))
	}
	for c, n := range counts {
		if n < 1200 || n > 2400 {
			t.Fatalf("character %q drawn %d times, expected about 1806", c, n)
		}
	}
	for _, bad := range []string{"", "dyn_", "dyn_" + strings.Repeat("a", 55), "dyn_" + strings.Repeat("a", 55) + "!", "xyz_" + strings.Repeat("a", 56)} {
		if looksLikeToken(bad) {
			t.Fatalf("%q accepted", bad)
		}
	}
}

func TestNormalizeOrigin(t *testing.T) {
	good := map[string]string{
		"https://App.Example.com":  "https://app.example.com",
		"https://app.example.com/": "https://app.example.com",
		"http://localhost:3000":    "http://localhost:3000",
		"capacitor://localhost":    "capacitor://localhost",
	}
	for in, want := range good {
		got, err := NormalizeOrigin(in)
		if err != nil || got != want {
			t.Errorf("NormalizeOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "app.example.com", "https://app.example.com/path", "https://u:p@x.com",
		"https://x.com?q=1", "https://*.x.com", "https://x.com:99999", strings.Repeat("a", 3000)} {
		if _, err := NormalizeOrigin(bad); !errs.Is(err, errs.KindInvalid) {
			t.Errorf("NormalizeOrigin(%q) accepted", bad)
		}
	}
}

func TestValidID(t *testing.T) {
	if !ValidID("0b5c1a52-8f0e-4b8e-9d55-6c1f7d2e9a10") {
		t.Fatal("valid id refused")
	}
	for _, bad := range []string{"", "0B5C1A52-8F0E-4B8E-9D55-6C1F7D2E9A10", "0b5c1a528f0e4b8e9d556c1f7d2e9a10", "0b5c1a52-8f0e-4b8e-9d55-6c1f7d2e9a1g", "../../etc/passwd"} {
		if ValidID(bad) {
			t.Fatalf("%q accepted", bad)
		}
	}
}

func TestDefaultSettingsHaveWhatSDKsNeed(t *testing.T) {
	raw := string(DefaultSettings(EnvSandbox, "App"))
	for _, k := range []string{`"chains":[`, `"kyc":[]`, `"design":{`, `"general":{`, `"privacy":{`, `"sdk":{`, `"security":{`, `"environmentName":"sandbox"`} {
		if !strings.Contains(raw, k) {
			t.Fatalf("default settings lack %s: %s", k, raw)
		}
	}
	filled := string(withRequiredSettings([]byte(`{"chains":null,"general":{"displayName":"x"}}`)))
	for _, k := range []string{`"chains":[]`, `"kyc":[]`, `"security":{}`, `"displayName":"x"`} {
		if !strings.Contains(filled, k) {
			t.Fatalf("withRequiredSettings lacks %s: %s", k, filled)
		}
	}
}
