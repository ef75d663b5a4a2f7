package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth"
)

// jwtClaims decodes a JWT's payload without checking it.
func jwtClaims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestIssuerIgnoresHostHeader: the iss claim never comes from the
// request's Host header, which anyone can set; without a configured public
// host it is the documented default, and tokens verify with it.
func TestIssuerIgnoresHostHeader(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	for _, host := range []string{"evil.example", "attacker.example:8443"} {
		_, _, jwt := h.signInHost(t, env, newEVMWallet(t), host)
		iss, _ := jwtClaims(t, jwt)["iss"].(string)
		if strings.HasPrefix(iss, host) {
			t.Errorf("Host %s: iss %q comes from the Host header", host, iss)
		}
		if want := "localhost/" + env; iss != want {
			t.Errorf("Host %s: iss %q, want the default %q", host, iss, want)
		}
		v, err := h.auth.Verifier(env)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(context.Background(), jwt); err != nil {
			t.Errorf("token does not verify with the documented issuer: %v", err)
		}
	}
}

// TestIssuerHostsAllowList: a configured custom hostname names the issuer
// when it is the request's Host; any other Host gets the public host.
func TestIssuerHostsAllowList(t *testing.T) {
	h := newHarnessWith(t, "sqlite", func(c *dynamicauth.Config) {
		c.PublicHost = "auth.example.com"
		c.IssuerHosts = []string{"login.customer.example"}
	})
	env := h.ids.EnvironmentID
	v, err := h.auth.Verifier(env)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ host, iss string }{
		{"", "auth.example.com"},
		{"evil.example", "auth.example.com"},
		{"login.customer.example", "login.customer.example"},
		{"LOGIN.customer.example", "login.customer.example"},
		{"login.customer.example.evil.example", "auth.example.com"},
	} {
		_, _, jwt := h.signInHost(t, env, newEVMWallet(t), tc.host)
		if got, want := jwtClaims(t, jwt)["iss"], tc.iss+"/"+env; got != want {
			t.Errorf("Host %q: iss %v, want %s", tc.host, got, want)
		}
		if _, err := v.Verify(context.Background(), jwt); err != nil {
			t.Errorf("Host %q: token does not verify: %v", tc.host, err)
		}
	}
}
