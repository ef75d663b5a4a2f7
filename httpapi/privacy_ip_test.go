package httpapi_test

import (
	"context"
	"testing"
)

// TestCollectIPFalseStoresNoIP: with privacy.collectIp false (the seeded
// default) an environment keeps no client IP: the session row has none and
// the admin API shows none. With collectIp true it is kept.
func TestCollectIPFalseStoresNoIP(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	settings := validSettings(t, h)
	settings["privacy"] = map[string]any{"collectIp": true}
	st, res := h.do(t, "PUT", "/environments/"+env, h.token, settings)
	wantStatus(t, "privacy.collectIp true", st, 200, res)
	_, kept, _ := h.signIn(t, env, newEVMWallet(t))

	settings["privacy"] = map[string]any{"collectIp": false}
	st, res = h.do(t, "PUT", "/environments/"+env, h.token, settings)
	wantStatus(t, "privacy.collectIp false", st, 200, res)
	user, sid, _ := h.signIn(t, env, newEVMWallet(t))

	s, err := h.store.GetSession(context.Background(), sid)
	if err != nil {
		t.Fatal(err)
	}
	if s.IPAddress != "" {
		t.Errorf("collectIp false: the session row stores IP %q", s.IPAddress)
	}
	st, res = h.do(t, "GET", "/users/"+user+"/sessions/"+sid, h.token, nil)
	wantStatus(t, "get session", st, 200, res)
	if ip, ok := at(res, "ipAddress"); ok && ip != nil {
		t.Errorf("collectIp false: the admin API shows ipAddress %v", ip)
	}
	if s, err := h.store.GetSession(context.Background(), kept); err != nil || s.IPAddress == "" {
		t.Errorf("with collectIp true the IP is kept: %+v %v", s, err)
	}
}
