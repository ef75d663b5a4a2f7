package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// TestSdkViews: the login view is empty until put; a put is validated
// against the contract's enums and limits (a refused put changes
// nothing), replaces the view, and shows in the SDK's settings.
func TestSdkViews(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	st, res := h.do(t, "GET", "/environments/"+env+"/sdkViews", h.token, nil)
	wantStatus(t, "list views", st, 200, res)
	wantEq(t, res, "sdkViews.0.type", "login")
	if n := len(list(t, res, "sdkViews.0.sections")); n != 0 {
		t.Fatalf("a new environment's login view has %d sections", n)
	}
	st, res = h.do(t, "GET", "/sdk/"+env+"/settings", "", nil)
	wantStatus(t, "settings", st, 200, res)
	if has(res, "sdk.views") {
		t.Fatalf("settings carry views before any was set: %s", dump(at2(res, "sdk.views")))
	}

	body := map[string]any{"sections": []any{
		map[string]any{"type": "wallet", "numOfItemsToDisplay": 4, "defaultItem": "metamask"},
		map[string]any{"type": "separator", "label": "Or", "alignment": "center"},
		map[string]any{"type": "email"},
	}}
	st, res = h.do(t, "PUT", "/environments/"+env+"/sdkViews/login", h.token, body)
	wantStatus(t, "put login view", st, 200, res)
	wantEq(t, res, "type", "login")
	wantEq(t, res, "sections.0.numOfItemsToDisplay", 4.0)
	wantEq(t, res, "sections.1.label", "Or")
	wantEq(t, res, "sections.2.type", "email")

	for _, bad := range []struct {
		what, path string
		body       any
	}{
		{"unknown section type", "login", map[string]any{"sections": []any{map[string]any{"type": "carrier-pigeon"}}}},
		{"unknown alignment", "login", map[string]any{"sections": []any{map[string]any{"type": "email", "alignment": "up"}}}},
		{"fractional count", "login", map[string]any{"sections": []any{map[string]any{"type": "wallet", "numOfItemsToDisplay": 2.5}}}},
		{"negative count", "login", map[string]any{"sections": []any{map[string]any{"type": "wallet", "numOfItemsToDisplay": -1}}}},
		{"section without type", "login", map[string]any{"sections": []any{map[string]any{"label": "x"}}}},
		{"unknown view type", "signup", map[string]any{"sections": []any{}}},
		{"too many sections", "login", map[string]any{"sections": manySections(33)}},
	} {
		st, res := h.do(t, "PUT", "/environments/"+env+"/sdkViews/"+bad.path, h.token, bad.body)
		if st != 400 && st != 422 {
			t.Errorf("%s: status %d, want 400 or 422; body %s", bad.what, st, dump(res))
		}
	}
	st, res = h.do(t, "GET", "/environments/"+env+"/sdkViews/login", h.token, nil)
	wantStatus(t, "get login view", st, 200, res)
	if n := len(list(t, res, "sections")); n != 3 {
		t.Fatalf("refused puts changed the view: %s", dump(res))
	}
	st, res = h.do(t, "GET", "/environments/"+env+"/sdkViews/signup", h.token, nil)
	if st != 400 && st != 422 {
		t.Errorf("get an unknown view type: status %d, body %s", st, dump(res))
	}

	st, res = h.do(t, "GET", "/sdk/"+env+"/settings", "", nil)
	wantStatus(t, "settings", st, 200, res)
	wantEq(t, res, "sdk.views.0.type", "login")
	wantEq(t, res, "sdk.views.0.sections.0.defaultItem", "metamask")

	st, res = h.do(t, "PUT", "/environments/"+env+"/sdkViews/login", h.token, map[string]any{"sections": []any{map[string]any{"type": "passkey"}}})
	wantStatus(t, "replace login view", st, 200, res)
	st, res = h.do(t, "GET", "/environments/"+env+"/sdkViews", h.token, nil)
	wantStatus(t, "list views", st, 200, res)
	if secs := list(t, res, "sdkViews.0.sections"); len(secs) != 1 {
		t.Fatalf("the put replaces the view: %s", dump(res))
	}
	st, res = h.do(t, "GET", "/environments/"+env+"/events?resourceType=sdkView", h.token, nil)
	wantStatus(t, "events", st, 200, res)
	if n := len(list(t, res, "data")); n != 2 {
		t.Fatalf("two puts, %d sdkView events: %s", n, dump(res))
	}
	wantEq(t, res, "data.0.eventName", "sdkView.updated")
}

func manySections(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"type": "text", "label": fmt.Sprint(i)}
	}
	return out
}

// TestCustomHostnames: a hostname is added pending with the DNS record to
// create, refused when it is not a DNS name or is there already,
// verified through the Go API, and deleted once.
func TestCustomHostnames(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	path := "/environments/" + env + "/custom/hostnames"
	st, res := h.do(t, "POST", path, h.token, map[string]any{"hostname": "Login.Acme.com", "usage": "cookies"})
	wantStatus(t, "create hostname", st, 200, res)
	id := wantUUID(t, res, "id")
	wantEq(t, res, "hostname", "login.acme.com")
	wantEq(t, res, "status", "pending")
	wantEq(t, res, "verificationRecords.0.dnsRecordType", "CNAME")
	wantEq(t, res, "verificationRecords.0.name", "login.acme.com")
	wantEq(t, res, "verificationRecords.0.value", "localhost")

	for _, bad := range []map[string]any{
		{"hostname": "login.acme.com", "usage": "cookies"},
		{"hostname": "https://x.acme.com/path", "usage": "cookies"},
		{"hostname": "x.acme.com:8443", "usage": "cookies"},
		{"hostname": "127.0.0.1", "usage": "cookies"},
		{"hostname": "*.acme.com", "usage": "cookies"},
		{"hostname": "localhost", "usage": "cookies"},
		{"hostname": "y.acme.com", "usage": "everything"},
		{"hostname": "y.acme.com"},
	} {
		st, res := h.do(t, "POST", path, h.token, bad)
		if st != 400 && st != 422 {
			t.Errorf("create %v: status %d, want 400 or 422; body %s", bad, st, dump(res))
		}
	}
	st, res = h.do(t, "GET", path, h.token, nil)
	wantStatus(t, "list hostnames", st, 200, res)
	if n := len(list(t, res, "customHostnames")); n != 1 {
		t.Fatalf("refused creates were stored: %s", dump(res))
	}

	got, err := h.auth.EnvConfig().VerifyHostname(context.Background(), env, "login.acme.com", true)
	if err != nil || got.Status != "active" {
		t.Fatalf("VerifyHostname: %+v %v", got, err)
	}
	st, res = h.do(t, "GET", path, h.token, nil)
	wantStatus(t, "list hostnames", st, 200, res)
	wantEq(t, res, "customHostnames.0.status", "active")

	st, res = h.do(t, "DELETE", path+"/"+id, h.token, nil)
	wantStatus(t, "delete hostname", st, 204, res)
	st, res = h.do(t, "DELETE", path+"/"+id, h.token, nil)
	wantError(t, "delete it again", st, res, 404)
	st, res = h.do(t, "GET", "/environments/"+env+"/events?resourceType=customHostname", h.token, nil)
	wantStatus(t, "events", st, 200, res)
	wantEq(t, res, "data.0.eventName", "customHostname.deleted")
	wantEq(t, res, "data.1.eventName", "customHostname.updated")
	wantEq(t, res, "data.2.eventName", "customHostname.created")
}

// TestDeeplinkUrls: URLs are normalized and checked (no script schemes,
// no fragments, no credentials), listed oldest first, deleted once, and
// DeeplinkAllowed matches a redirect against them, query aside.
func TestDeeplinkUrls(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	path := "/environments/" + env + "/deeplinkUrls"
	st, res := h.do(t, "POST", path, h.token, map[string]any{"url": "MyApp://Callback"})
	wantStatus(t, "add deeplink", st, 200, res)
	id := wantUUID(t, res, "id")
	wantEq(t, res, "url", "myapp://callback")
	wantTime(t, res, "createdAt")
	st, res = h.do(t, "POST", path, h.token, map[string]any{"url": "https://app.acme.com/done"})
	wantStatus(t, "add deeplink", st, 200, res)

	for _, bad := range []string{"myapp://callback", "javascript:alert(1)", "data:text/html,x", "/relative",
		"https://app.acme.com/x#frag", "https://user:pw@app.acme.com/", "https://", ""} {
		st, res := h.do(t, "POST", path, h.token, map[string]any{"url": bad})
		if st != 400 && st != 422 {
			t.Errorf("add %q: status %d, want 400 or 422; body %s", bad, st, dump(res))
		}
	}
	st, res = h.do(t, "GET", path, h.token, nil)
	wantStatus(t, "list deeplinks", st, 200, res)
	if l := list(t, res, "deeplinkUrls"); len(l) != 2 {
		t.Fatalf("refused adds were stored: %s", dump(res))
	}
	wantEq(t, res, "deeplinkUrls.0.id", id)

	ec := h.auth.EnvConfig()
	for redirect, want := range map[string]bool{
		"myapp://callback?code=1":       true,
		"https://app.acme.com/done?x=1": true,
		"https://app.acme.com/other":    false,
		"https://evil.example/done":     false,
		"myapp://callback#x":            false,
	} {
		ok, err := ec.DeeplinkAllowed(context.Background(), env, redirect)
		if err != nil || ok != want {
			t.Errorf("DeeplinkAllowed(%q) = %v, %v; want %v", redirect, ok, err, want)
		}
	}

	st, res = h.do(t, "DELETE", "/deeplinkUrls/"+id, h.token, nil)
	wantStatus(t, "delete deeplink", st, 204, res)
	st, res = h.do(t, "DELETE", "/deeplinkUrls/"+id, h.token, nil)
	wantError(t, "delete it again", st, res, 404)
	if ok, _ := ec.DeeplinkAllowed(context.Background(), env, "myapp://callback"); ok {
		t.Error("a deleted deeplink still allows its redirect")
	}
}

func at2(v any, path string) any { x, _ := at(v, path); return x }

// envconfigAuthzRows are the SDKViews, CustomHostnames and DeeplinkUrls
// routes of the authorization table.
func envconfigAuthzRows() []authzRow {
	E := "{env}"
	r, wr := tenant.ScopeSettingsRead, tenant.ScopeSettingsWrite
	// a fresh record per principal, the previous ones gone first: an
	// environment holds few of them
	hostname := func(t *testing.T, w *authzWorld) string {
		t.Helper()
		dropHostnames(t, w)
		st, res := w.h.do(t, "POST", "/environments/"+w.env+"/custom/hostnames", w.h.token,
			map[string]any{"hostname": newUUID(t)[:8] + ".acme.com", "usage": "cookies"})
		wantStatus(t, "fresh hostname", st, 200, res)
		return str(t, res, "id")
	}
	deeplink := func(t *testing.T, w *authzWorld) string {
		t.Helper()
		dropDeeplinks(t, w)
		st, res := w.h.do(t, "POST", "/environments/"+w.env+"/deeplinkUrls", w.h.token,
			map[string]any{"url": "app" + newUUID(t)[:8] + "://callback"})
		wantStatus(t, "fresh deeplink", st, 200, res)
		return str(t, res, "id")
	}
	return []authzRow{
		{method: "GET", pattern: "/chains/{chainName}/tokens", reach: anyToken, ok: 200, other: 200, prep: fixed("/chains/EVM/tokens?networkId=1", nil)},
		{method: "GET", pattern: "/environments/{environmentId}/sdkViews", reach: envScope, scope: r, ok: 200, prep: fixed("/environments/"+E+"/sdkViews", nil)},
		{method: "GET", pattern: "/environments/{environmentId}/sdkViews/{sdkViewType}", reach: envScope, scope: r, ok: 200, prep: fixed("/environments/"+E+"/sdkViews/login", nil)},
		{method: "PUT", pattern: "/environments/{environmentId}/sdkViews/{sdkViewType}", reach: envScope, scope: wr, ok: 200,
			prep: fixed("/environments/"+E+"/sdkViews/login", map[string]any{"sections": []any{map[string]any{"type": "wallet"}}})},
		{method: "GET", pattern: "/environments/{environmentId}/custom/hostnames", reach: envScope, scope: r, ok: 200, prep: fixed("/environments/"+E+"/custom/hostnames", nil)},
		{method: "POST", pattern: "/environments/{environmentId}/custom/hostnames", reach: envScope, scope: wr, ok: 200, prep: func(t *testing.T, w *authzWorld) (string, any) {
			dropHostnames(t, w)
			return "/environments/" + w.env + "/custom/hostnames", map[string]any{"hostname": newUUID(t)[:8] + ".acme.com", "usage": "globalWallet"}
		}},
		{method: "DELETE", pattern: "/environments/{environmentId}/custom/hostnames/{customHostnameId}", reach: envScope, scope: wr, ok: 204, prep: func(t *testing.T, w *authzWorld) (string, any) {
			return "/environments/" + w.env + "/custom/hostnames/" + hostname(t, w), nil
		}},
		{method: "GET", pattern: "/environments/{environmentId}/deeplinkUrls", reach: envScope, scope: r, ok: 200, prep: fixed("/environments/"+E+"/deeplinkUrls", nil)},
		{method: "POST", pattern: "/environments/{environmentId}/deeplinkUrls", reach: envScope, scope: wr, ok: 200, prep: func(t *testing.T, w *authzWorld) (string, any) {
			dropDeeplinks(t, w)
			return "/environments/" + w.env + "/deeplinkUrls", map[string]any{"url": "app" + newUUID(t)[:8] + "://callback"}
		}},
		{method: "DELETE", pattern: "/deeplinkUrls/{deeplinkUrlId}", reach: envScope, scope: wr, ok: 204, other: 404, prep: func(t *testing.T, w *authzWorld) (string, any) {
			return "/deeplinkUrls/" + deeplink(t, w), nil
		}},
	}
}

func dropHostnames(t *testing.T, w *authzWorld) {
	t.Helper()
	ec := w.h.auth.EnvConfig()
	hs, err := ec.Hostnames(context.Background(), w.env)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range hs {
		if err := ec.DeleteHostname(context.Background(), w.env, x.ID); err != nil {
			t.Fatal(err)
		}
	}
}

func dropDeeplinks(t *testing.T, w *authzWorld) {
	t.Helper()
	ec := w.h.auth.EnvConfig()
	ds, err := ec.Deeplinks(context.Background(), w.env)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if err := ec.DeleteDeeplink(context.Background(), d.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// TestChainTokens: the bundled list of a chain, narrowed to a network;
// a chain without a list has none; a bad chain or network is a 400.
func TestChainTokens(t *testing.T) {
	h := newHarness(t)
	st, res := h.do(t, "GET", "/chains/EVM/tokens", h.token, nil)
	wantStatus(t, "EVM tokens", st, 200, res)
	usdc := find(t, res.([]any), "symbol", "USDC")
	if n := len(list(t, usdc, "tokenAddresses")); n < 2 {
		t.Fatalf("USDC on %d networks: %s", n, dump(usdc))
	}
	st, res = h.do(t, "GET", "/chains/EVM/tokens?networkId=1", h.token, nil)
	wantStatus(t, "EVM tokens on mainnet", st, 200, res)
	usdc = find(t, res.([]any), "symbol", "USDC")
	wantEq(t, usdc, "tokenAddresses.0.networkId", 1.0)
	wantEq(t, usdc, "tokenAddresses.0.contractAddress", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48")
	if n := len(list(t, usdc, "tokenAddresses")); n != 1 {
		t.Fatalf("networkId=1 keeps only mainnet: %s", dump(usdc))
	}
	st, res = h.do(t, "GET", "/chains/SOL/tokens", h.token, nil)
	wantStatus(t, "SOL tokens", st, 200, res)
	find(t, res.([]any), "symbol", "USDC")
	st, res = h.do(t, "GET", "/chains/BTC/tokens", h.token, nil)
	wantStatus(t, "BTC tokens", st, 200, res)
	if len(res.([]any)) != 0 {
		t.Fatalf("BTC has no bundled list: %s", dump(res))
	}
	st, res = h.do(t, "GET", "/chains/DOGE/tokens", h.token, nil)
	wantError(t, "unknown chain", st, res, 400, "chainName")
	st, res = h.do(t, "GET", "/chains/EVM/tokens?networkId=mainnet", h.token, nil)
	wantError(t, "bad network", st, res, 400, "networkId")
	st, res = h.do(t, "GET", "/chains/EVM/tokens", "", nil)
	wantError(t, "no token", st, res, 401)
}

// TestCustomHostnameNamesIssuerOnceVerified: a pending hostname is just
// a Host header (the public host issues, the origin is refused); once the
// operator verifies it, it names the issuer, its https origin passes CORS
// and the in-process Verifier accepts its tokens; another environment's
// hostname never does; a deleted one stops at once.
func TestCustomHostnameNamesIssuerOnceVerified(t *testing.T) {
	h := newHarnessWith(t, "sqlite", func(c *dynamicauth.Config) { c.PublicHost = "auth.example.com" })
	env, live := h.ids.EnvironmentID, h.ids.LiveEnvironmentID
	ec := h.auth.EnvConfig()
	ctx := context.Background()
	if _, err := ec.AddHostname(ctx, env, "login.customer.example", "cookies"); err != nil {
		t.Fatal(err)
	}
	if _, err := ec.AddHostname(ctx, live, "live.customer.example", "cookies"); err != nil {
		t.Fatal(err)
	}
	if _, err := ec.VerifyHostname(ctx, live, "live.customer.example", true); err != nil {
		t.Fatal(err)
	}
	v, err := h.auth.Verifier(env)
	if err != nil {
		t.Fatal(err)
	}
	issOf := func(host string) (string, string) {
		t.Helper()
		_, _, jwt := h.signInHost(t, env, newEVMWallet(t), host)
		iss, _ := jwtClaims(t, jwt)["iss"].(string)
		return iss, jwt
	}
	preflight := func(origin string) int {
		t.Helper()
		return h.send(t, request{method: "OPTIONS", path: v0 + "/sdk/" + env + "/nonce", header: map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "GET"}}).status
	}

	if iss, _ := issOf("login.customer.example"); iss != "auth.example.com/"+env {
		t.Fatalf("a pending hostname names the issuer: %s", iss)
	}
	if st := preflight("https://login.customer.example"); st != 403 {
		t.Fatalf("a pending hostname's origin passes CORS: %d", st)
	}
	if iss, _ := issOf("live.customer.example"); iss != "auth.example.com/"+env {
		t.Fatalf("another environment's hostname names the issuer: %s", iss)
	}

	if _, err := ec.VerifyHostname(ctx, env, "login.customer.example", true); err != nil {
		t.Fatal(err)
	}
	iss, jwt := issOf("login.customer.example:443")
	if iss != "login.customer.example/"+env {
		t.Fatalf("a verified hostname: iss %s", iss)
	}
	if _, err := v.Verify(ctx, jwt); err != nil {
		t.Fatalf("the Verifier refuses a verified hostname's token: %v", err)
	}
	if st := preflight("https://login.customer.example"); st != 204 {
		t.Fatalf("a verified hostname's origin: preflight %d", st)
	}
	for _, o := range []string{"http://login.customer.example", "https://login.customer.example:8443", "https://live.customer.example"} {
		if st := preflight(o); st != 403 {
			t.Errorf("origin %s passes CORS: %d", o, st)
		}
	}

	hs, _ := ec.Hostnames(ctx, env)
	if err := ec.DeleteHostname(ctx, env, hs[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, jwt); err == nil {
		t.Fatal("a deleted hostname's token still verifies")
	}
	if iss, _ := issOf("login.customer.example"); iss != "auth.example.com/"+env {
		t.Fatalf("a deleted hostname names the issuer: %s", iss)
	}
}

// TestSocialLoginReturnsToDeeplink: a mobile app's social login returns
// to one of the environment's deeplink URLs (its query kept, the code
// appended) against a real OpenID provider, and signs in with the code it
// brought back; an app URL that is not configured, or was deleted, is
// refused with 422 unauthorized_mobile_deeplink_url before any state is
// kept.
func TestSocialLoginReturnsToDeeplink(t *testing.T) {
	h := newHarness(t)
	f := newSocialFixture(t, h)
	st, res := h.do(t, "POST", "/environments/"+f.env+"/deeplinkUrls", h.token, map[string]any{"url": "myapp://oauth/done"})
	wantStatus(t, "add deeplink", st, 200, res)
	linkID := str(t, res, "id")

	initAuth := func(state, returnURL string) (int, any) {
		return h.do(t, "POST", "/sdk/"+f.env+"/providers/google/initAuth", "", map[string]any{"state": state, "redirectUrl": returnURL})
	}
	for _, bad := range []string{"myapp://oauth/other", "otherapp://oauth/done", "myapp://oauth/done/../../x"} {
		st, res := initAuth("s0123456789abcdefghij", bad)
		wantCode(t, "return to "+bad, st, res, 422, "unauthorized_mobile_deeplink_url")
	}

	p := f.sdkProvider(t, f.env)
	state := "deeplink0123456789abcdefghij"
	u, err := url.Parse(str(t, p, "baseAuthUrl"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("client_id", str(t, p, "clientId"))
	q.Set("response_type", "code")
	q.Set("redirect_uri", str(t, p, "redirectUrl"))
	q.Set("scope", str(t, p, "scopes"))
	q.Set("state", state)
	u.RawQuery = q.Encode()
	st, res = initAuth(state, "myapp://oauth/done?from=app")
	wantStatus(t, "initAuth to the deeplink", st, 204, res)
	back := f.browseTo(t, u.String(), "myapp://oauth/done")
	if back.Query().Get("from") != "app" || back.Query().Get("dynamicOauthState") != state {
		t.Fatalf("back in the app at %s", back)
	}
	st, res = f.signIn(t, f.env, map[string]any{"state": state, "code": back.Query().Get("dynamicOauthCode")})
	wantStatus(t, "sign in with the app's code", st, 200, res)

	st, res = h.do(t, "DELETE", "/deeplinkUrls/"+linkID, h.token, nil)
	wantStatus(t, "delete deeplink", st, 204, res)
	st, res = initAuth("s0123456789abcdefghik", "myapp://oauth/done")
	wantCode(t, "a deleted deeplink", st, res, 422, "unauthorized_mobile_deeplink_url")
}
