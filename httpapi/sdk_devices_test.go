package httpapi_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/delivery/deliverytest"
	"github.com/dynamicauth/dynamicauth/devices"
	"github.com/dynamicauth/dynamicauth/externaljwt/externaljwttest"
)

// deviceHeaders are the JS SDK's device proof: a fresh nonce signed with
// the browser's device key.
func (h *harness) deviceHeaders(t *testing.T, envID string, k *ecdsa.PrivateKey) map[string]string {
	t.Helper()
	st, res := h.do(t, "GET", "/sdk/"+envID+"/nonce", "", nil)
	wantStatus(t, "nonce", st, 200, res)
	nonce := str(t, res, "nonce")
	pub, err := k.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte(nonce))
	r, s, err := ecdsa.Sign(rand.Reader, k, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return map[string]string{"X-Dynamic-Device-Nonce": nonce, "X-Dynamic-Device-Publickey": hex.EncodeToString(pub),
		"X-Dynamic-Device-Signed-Nonce": hex.EncodeToString(sig)}
}

// onDeviceHarness runs test on each backend with a server sending its
// email to box, its sandbox signing in by external JWTs of app and
// requiring device registration.
func onDeviceHarness(t *testing.T, test func(t *testing.T, h *harness, app *externaljwttest.IdP, box *deliverytest.Box, backend string)) {
	box := &deliverytest.Box{}
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			h := newHarnessWith(t, backend, func(c *dynamicauth.Config) { c.Mailer = box })
			app := externaljwttest.New(t)
			h.enableExternalAuth(t, h.ids.EnvironmentID, map[string]any{"enabled": true, "iss": "https://app.example",
				"aud": "dynamic", "jwksUrl": app.URL})
			st, res := h.putSecurity(t, h.ids.EnvironmentID, "deviceRegistrationRequired", true)
			wantStatus(t, "require device registration", st, 200, res)
			test(t, h, app, box, backend)
		})
	}
}

// TestDeviceRegistrationRoutes: over HTTP, a returning user's sign-in from
// a new device answers a user whose scope is device:register; such a
// token is refused by the routes that need a full session with a 403 and
// a body that says why; POST deviceRegistration takes the emailed token
// in either header name, refuses a wrong one with 422 and no token with
// 400; the devices routes answer Dynamic's shapes.
func TestDeviceRegistrationRoutes(t *testing.T) {
	onDeviceHarness(t, func(t *testing.T, h *harness, app *externaljwttest.IdP, box *deliverytest.Box, backend string) {
		env := h.ids.EnvironmentID
		email := backend + "-dev@example.com"
		signIn := func(k *ecdsa.PrivateKey) map[string]any {
			header := h.deviceHeaders(t, env, k)
			header["Origin"] = "http://localhost:3000" // the sandbox's page, where the link leads
			r := h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/externalAuth/signin",
				body:   map[string]any{"jwt": app.Token(t, map[string]any{"sub": "dev-1", "email": email, "email_verified": true})},
				header: header})
			wantStatus(t, "sign-in", r.status, 200, r.json)
			return r.json.(map[string]any)
		}
		laptop, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		phone, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		full := signIn(laptop)
		wantEq(t, full, "user.scope", "user:basic")
		pending := signIn(phone)
		wantEq(t, pending, "user.scope", "device:register")
		jwt := str(t, pending, "minifiedJwt")

		st, res := h.do(t, "GET", "/sdk/"+env+"/users", jwt, nil)
		wantError(t, "GET users with a pending token", st, res, 403)
		st, res = h.do(t, "GET", "/sdk/"+env+"/deviceRegistrations", jwt, nil)
		wantError(t, "list devices with a pending token", st, res, 403)
		st, res = h.do(t, "GET", "/sdk/"+env+"/users/mfa/register/totp", jwt, nil)
		wantError(t, "MFA set-up with a token owing only its device's approval", st, res, 403)

		approve := func(header, token string) request {
			return request{method: "POST", path: v0 + "/sdk/" + env + "/deviceRegistration", token: jwt,
				header: map[string]string{header: token}}
		}
		r := h.send(t, approve("X-Dynamic-Device-Registration-Token", "wrong"))
		wantCode(t, "a wrong token", r.status, r.json, 422, "invalid_device_registration_token")
		r = h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/deviceRegistration", token: jwt})
		wantError(t, "no token", r.status, r.json, 400)
		r = h.send(t, approve("X-Dynamic-Device-Token-Registration", box.LastEmail(t, email).Code))
		wantStatus(t, "approve by the API reference's header", r.status, 200, r.json)
		wantEq(t, r.json, "user.scope", "user:basic")
		jwt = str(t, r.json, "minifiedJwt")

		st, res = h.do(t, "GET", "/sdk/"+env+"/deviceRegistrations", jwt, nil)
		wantStatus(t, "list devices", st, 200, res)
		wantEq(t, res, "count", float64(2))
		wantEq(t, res, "deviceRegistrations.0.isCurrentDevice", false)
		wantEq(t, res, "deviceRegistrations.1.isCurrentDevice", true)
		laptopID := str(t, res, "deviceRegistrations.0.id")
		str(t, res, "deviceRegistrations.1.createdAt")

		st, res = h.do(t, "DELETE", "/sdk/"+env+"/deviceRegistrations/"+h.ids.OrganizationID, jwt, nil)
		wantCode(t, "revoke an unknown device", st, res, 404, "device_registration_not_found")
		st, res = h.do(t, "DELETE", "/sdk/"+env+"/deviceRegistrations/"+laptopID, jwt, nil)
		wantStatus(t, "revoke the laptop", st, 200, res)
		wantEq(t, res, "currentDeviceRevoked", false)
		if st := h.sdkUserStatus(t, env, str(t, full, "minifiedJwt")); st != 401 {
			t.Fatalf("the revoked laptop's session answers %d, want 401", st)
		}
		st, res = h.do(t, "DELETE", "/sdk/"+env+"/deviceRegistrations", jwt, nil)
		wantStatus(t, "revoke all", st, 200, res)
		wantEq(t, res, "currentDeviceRevoked", true)
		if st := h.sdkUserStatus(t, env, jwt); st != 401 {
			t.Fatalf("after revoke all the caller's session answers %d, want 401", st)
		}
	})
}

// cookieNamed is the cookie of that name r sets, nil if none.
func cookieNamed(r *response, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// TestDeviceRegistrationCookieMode: in cookie mode the SDK signs no device
// proof, so a browser is known by an HttpOnly device cookie this server
// sets at its sign-in: the same cookie is the same device, a browser
// without it (or with a forged one) is a new device, restricted until the
// link is followed from its cookie session; a device cookie counts for
// nothing outside cookie mode.
func TestDeviceRegistrationCookieMode(t *testing.T) {
	onDeviceHarness(t, func(t *testing.T, h *harness, app *externaljwttest.IdP, box *deliverytest.Box, backend string) {
		env := h.ids.EnvironmentID
		const origin = "http://localhost:3000"
		email := backend + "-cookie@example.com"
		signIn := func(deviceCookie string) (*response, string) {
			header := map[string]string{"Origin": origin}
			if deviceCookie != "" {
				header["Cookie"] = devices.CookieName + "=" + deviceCookie
			}
			r := h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/externalAuth/signin", header: header,
				body: map[string]any{"jwt": app.Token(t, map[string]any{"sub": "dev-c", "email": email, "email_verified": true})}})
			wantStatus(t, "sign-in", r.status, 200, r.json)
			scope, _ := at(r.json, "user.scope")
			return r, scope.(string)
		}

		// Local-storage mode: no device proof, a device cookie is no identity.
		r, scope := signIn("")
		if scope != "user:basic" || cookieNamed(r, devices.CookieName) != nil {
			t.Fatalf("sign-up outside cookie mode: scope %q, device cookie %v", scope, cookieNamed(r, devices.CookieName))
		}
		st, res := h.putSecurity(t, env, "auth", map[string]any{"storage": []any{"cookie"}})
		wantStatus(t, "cookie mode on", st, 200, res)

		r, scope = signIn("")
		laptop := cookieNamed(r, devices.CookieName)
		if scope != "device:register" || laptop == nil || !laptop.HttpOnly || laptop.MaxAge <= 0 {
			t.Fatalf("first cookie-mode sign-in (its device unknown: the earlier one proved none): scope %q, cookie %+v", scope, laptop)
		}
		session := sessionCookieOf(r)
		token := box.LastEmail(t, email).Code
		ar := h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/deviceRegistration", header: map[string]string{
			"Origin": origin, "Cookie": cookieName + "=" + session.Value, "X-Dynamic-Device-Registration-Token": token}})
		wantStatus(t, "approve from the cookie session", ar.status, 200, ar.json)
		wantEq(t, ar.json, "user.scope", "user:basic")

		if _, scope = signIn(laptop.Value); scope != "user:basic" {
			t.Fatalf("the registered browser's cookie: scope %q", scope)
		}
		forged := strings.Repeat("A", 43)
		if r, scope = signIn(forged); scope != "device:register" {
			t.Fatalf("another device cookie: scope %q", scope)
		}
		if c := cookieNamed(r, devices.CookieName); c == nil || c.Value != forged {
			t.Fatalf("the browser's cookie is set again: %+v", c)
		}
		if r, scope = signIn("not-a-secret"); scope != "device:register" || cookieNamed(r, devices.CookieName).Value == "not-a-secret" {
			t.Fatalf("a malformed device cookie: scope %q", scope)
		}
	})
}
