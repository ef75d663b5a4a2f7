package httpapi_test

import "testing"

// TestExchanges: the admin Settings exchanges over HTTP on both backends:
// created enabled, each exchange once per environment, the contract's
// enums checked, listed, disabled and enabled again, deleted; each change
// an event.
func TestExchanges(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testExchanges(t, newHarnessOn(t, backend)) })
	}
}

func testExchanges(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	path := "/environments/" + env + "/settings/exchanges"
	st, res := h.do(t, "GET", path, h.token, nil)
	wantStatus(t, "list of a new environment", st, 200, res)
	if len(list(t, res, "exchanges")) != 0 {
		t.Fatalf("a new environment has exchanges: %s", dump(res))
	}
	for _, bad := range []map[string]any{{"exchange": "binance"}, {}, {"exchange": "kraken", "socialProvider": "myspace"}} {
		st, res := h.do(t, "POST", path, h.token, bad)
		wantError(t, "bad exchange "+dump(bad), st, res, 400)
	}
	st, res = h.do(t, "POST", path, h.token, map[string]any{"exchange": "coinbase", "socialProvider": "coinbasesocial"})
	wantStatus(t, "create coinbase", st, 200, res)
	id := wantUUID(t, res, "id")
	wantEq(t, res, "exchange", "coinbase")
	wantEq(t, res, "socialProvider", "coinbasesocial")
	wantTime(t, res, "enabledAt")
	st, res = h.do(t, "POST", path, h.token, map[string]any{"exchange": "coinbase"})
	wantError(t, "a second coinbase", st, res, 422, "already")
	st, res = h.do(t, "POST", path, h.token, map[string]any{"exchange": "kraken"})
	wantStatus(t, "create kraken", st, 200, res)

	st, res = h.do(t, "GET", path, h.token, nil)
	wantStatus(t, "list", st, 200, res)
	if l := list(t, res, "exchanges"); len(l) != 2 || obj(t, l[0], "")["id"] != id {
		t.Fatalf("listed %s", dump(res))
	}
	st, res = h.do(t, "PUT", "/settings/exchanges/"+id+"/disable", h.token, nil)
	wantStatus(t, "disable", st, 200, res)
	wantEq(t, res, "enabledAt", nil)
	st, res = h.do(t, "PUT", "/settings/exchanges/"+id+"/enable", h.token, nil)
	wantStatus(t, "enable", st, 200, res)
	wantTime(t, res, "enabledAt")
	st, res = h.do(t, "GET", "/settings/exchanges/"+id, h.token, nil)
	wantStatus(t, "get", st, 200, res)
	wantEq(t, res, "exchange", "coinbase")

	st, res = h.do(t, "DELETE", "/settings/exchanges/"+id, h.token, nil)
	wantStatus(t, "delete", st, 204, res)
	st, res = h.do(t, "GET", "/settings/exchanges/"+id, h.token, nil)
	wantError(t, "get deleted", st, res, 404)
	st, res = h.do(t, "GET", "/environments/"+env+"/events?resourceType=exchange", h.token, nil)
	wantStatus(t, "exchange events", st, 200, res)
	var names []string
	for _, e := range list(t, res, "data") {
		names = append(names, str(t, e, "eventName"))
	}
	want := []string{"exchange.deleted", "exchange.updated", "exchange.updated", "exchange.created", "exchange.created"}
	if dump(names) != dump(want) {
		t.Fatalf("events %v, want %v", names, want)
	}
}
