package httpapi_test

import (
	"context"
	"strings"
	"testing"
)

func TestSocialProviderSettings(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	base := "/environments/" + env + "/settings/providers"

	st, res := h.do(t, "GET", base, h.token, nil)
	wantStatus(t, "empty list", st, 200, res)
	if len(list(t, res, "providers")) != 0 {
		t.Fatalf("providers before any: %s", dump(res))
	}
	secret := "gho-client-secret-123456"
	st, res = h.do(t, "POST", base, h.token, map[string]any{"provider": "github", "clientId": "Iv1.abc",
		"clientSecret": secret, "scopes": "read:user user:email"})
	wantStatus(t, "create github", st, 200, res)
	id := str(t, res, "id")
	wantEq(t, res, "provider", "github")
	wantEq(t, res, "clientId", "Iv1.abc")
	if got := str(t, res, "clientSecret"); strings.Contains(got, "secret-12") || !strings.HasSuffix(got, "3456") {
		t.Fatalf("client secret not masked: %q", got)
	}
	if !strings.HasSuffix(str(t, res, "redirectUrl"), "/api/v0/sdk/"+env+"/providers/github/redirect") {
		t.Fatalf("redirectUrl %q", str(t, res, "redirectUrl"))
	}
	if str(t, res, "enabledAt") == "" {
		t.Fatal("a new provider is enabled")
	}

	// Sealed at rest: the stored bytes are not the secret, and open to it.
	stored, err := h.store.GetProvider(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stored.ClientSecretSealed), secret) {
		t.Fatal("client secret stored in clear")
	}
	if got, err := h.auth.Providers().ClientSecret(stored); err != nil || got != secret {
		t.Fatalf("sealed secret opens to %q, %v", got, err)
	}

	st, res = h.do(t, "POST", base, h.token, map[string]any{"provider": "github", "clientId": "again"})
	wantError(t, "second github", st, res, 422, "already has")
	st, res = h.do(t, "POST", base, h.token, map[string]any{"provider": "sendgrid"})
	wantStatus(t, "sendgrid without its API key", st, 400, res)
	st, res = h.do(t, "POST", base, h.token, map[string]any{"provider": "nope"})
	wantStatus(t, "unknown enum value", st, 400, res)

	st, res = h.do(t, "PUT", "/settings/providers/"+id+"/disable", h.token, nil)
	wantStatus(t, "disable", st, 200, res)
	wantEq(t, res, "enabledAt", nil)
	st, res = h.do(t, "PUT", "/settings/providers/"+id, h.token, map[string]any{"clientId": "Iv1.new"})
	wantStatus(t, "update", st, 200, res)
	wantEq(t, res, "clientId", "Iv1.new")
	if !strings.HasSuffix(str(t, res, "clientSecret"), "3456") {
		t.Fatal("an update without clientSecret dropped the secret")
	}
	masked := str(t, res, "clientSecret")
	st, res = h.do(t, "PUT", "/settings/providers/"+id, h.token, map[string]any{"clientSecret": masked, "scopes": "read:user"})
	wantStatus(t, "update sending the masked secret back", st, 200, res)
	if stored, _ := h.store.GetProvider(context.Background(), id); stored == nil {
		t.Fatal("provider gone")
	} else if got, err := h.auth.Providers().ClientSecret(stored); err != nil || got != secret {
		t.Fatalf("the masked value replaced the secret: %q, %v", got, err)
	}
	st, res = h.do(t, "PUT", "/settings/providers/"+id+"/enable", h.token, nil)
	wantStatus(t, "enable", st, 200, res)
	st, res = h.do(t, "GET", base+"/urls", h.token, nil)
	wantStatus(t, "urls", st, 200, res)
	if len(list(t, res, "providerUrls")) < 5 {
		t.Fatalf("urls: %s", dump(res))
	}
	st, res = h.do(t, "GET", "/sdk/"+env+"/settings", "", nil)
	wantStatus(t, "sdk settings", st, 200, res)
	found := false
	for _, p := range list(t, res, "providers") {
		m := p.(map[string]any)
		if m["provider"] == "github" {
			found = true
			if m["clientId"] != "Iv1.new" || m["clientSecret"] != nil {
				t.Fatalf("sdk settings provider: %v", m)
			}
		}
	}
	if !found {
		t.Fatalf("enabled github missing from sdk settings: %s", dump(res))
	}
	st, res = h.do(t, "GET", base, h.token, nil)
	wantStatus(t, "list", st, 200, res)
	wantEq(t, res, "providers.0.id", id)
	st, _ = h.do(t, "DELETE", "/settings/providers/"+id, h.token, nil)
	wantStatus(t, "delete", st, 204, nil)
	st, res = h.do(t, "GET", "/settings/providers/"+id, h.token, nil)
	wantStatus(t, "get deleted", st, 404, res)
}
