package httpapi_test

import (
	"context"
	"strings"
	"testing"
)

// TestEnvironmentSecretsSealedAndMasked: secrets inside an environment's
// settings (OAuth client secrets, the captcha secret key) are sealed at
// rest, masked in every admin answer, and kept when an update sends the
// masked value back.
func TestEnvironmentSecretsSealedAndMasked(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			h := newHarnessOn(t, backend)
			env := h.ids.EnvironmentID
			const oauth, captcha = "google-client-secret-9f8e7d6c", "hcaptcha-secret-key-a1b2c3d4"
			settings := validSettings(t, h)
			settings["providers"] = []any{map[string]any{"provider": "google", "clientId": "cid", "clientSecret": oauth}}
			security, _ := settings["security"].(map[string]any)
			if security == nil {
				security = map[string]any{}
			}
			security["hCaptcha"] = map[string]any{"enabled": true, "siteKey": "site-key", "secretKey": captcha}
			settings["security"] = security

			stored := func() string {
				t.Helper()
				e, err := h.store.GetEnvironment(context.Background(), env)
				if err != nil {
					t.Fatal(err)
				}
				return string(e.Settings)
			}
			noClear := func(what, s string) {
				t.Helper()
				for _, secret := range []string{oauth, captcha} {
					if strings.Contains(s, secret) {
						t.Errorf("%s holds the secret %q in clear", what, secret)
					}
				}
			}
			masks := func(what string, res any) (string, string) {
				t.Helper()
				cs, ks := str(t, res, "providers.0.clientSecret"), str(t, res, "security.hCaptcha.secretKey")
				if !strings.HasSuffix(cs, oauth[len(oauth)-4:]) || !strings.HasPrefix(cs, "*") {
					t.Errorf("%s: clientSecret %q is not the masked secret", what, cs)
				}
				if !strings.HasSuffix(ks, captcha[len(captcha)-4:]) || !strings.HasPrefix(ks, "*") {
					t.Errorf("%s: secretKey %q is not the masked secret", what, ks)
				}
				return cs, ks
			}

			r := h.send(t, request{method: "PUT", path: v0 + "/environments/" + env, token: h.token, body: settings})
			wantStatus(t, "put settings", r.status, 200, r.json)
			noClear("PUT answer", string(r.raw))
			masks("PUT answer", r.json)
			noClear("stored settings", stored())
			sealed := stored()

			r = h.send(t, request{method: "GET", path: v0 + "/environments/" + env, token: h.token})
			wantStatus(t, "get environment", r.status, 200, r.json)
			noClear("GET answer", string(r.raw))
			masks("GET answer", obj(t, r.json, "settings"))
			r = h.send(t, request{method: "GET", path: v0 + "/projects/" + h.ids.ProjectID + "/environments", token: h.token})
			noClear("project environments", string(r.raw))

			// Sending the masked values back keeps the secrets.
			back := obj(t, r.json, "environments.sandbox.settings")
			r = h.send(t, request{method: "PUT", path: v0 + "/environments/" + env, token: h.token, body: back})
			wantStatus(t, "put masked back", r.status, 200, r.json)
			masks("after the masked round trip", r.json)
			if got := stored(); got != sealed {
				t.Errorf("a masked round trip changed the stored secrets:\nbefore %s\nafter  %s", sealed, got)
			}

			// A new value replaces it.
			settings["providers"] = []any{map[string]any{"provider": "google", "clientId": "cid", "clientSecret": "rotated-secret-zzzz"}}
			r = h.send(t, request{method: "PUT", path: v0 + "/environments/" + env, token: h.token, body: settings})
			wantStatus(t, "rotate", r.status, 200, r.json)
			if cs := str(t, r.json, "providers.0.clientSecret"); !strings.HasSuffix(cs, "zzzz") || strings.Contains(cs, "rotated") {
				t.Errorf("rotated clientSecret shows as %q", cs)
			}
			if strings.Contains(stored(), "rotated-secret") {
				t.Error("rotated secret stored in clear")
			}
		})
	}
}
