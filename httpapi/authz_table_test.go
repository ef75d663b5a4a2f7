package httpapi_test

// The admin authorization table: every admin route × every kind of token
// → the status it must answer. A route added to the server without a row
// here fails TestAdminAuthorizationTableCoversRoutes.

import (
	"context"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/webhooks"
)

// reach says who, besides the owner, may use a route.
type reach int

const (
	// envScope: an environment token of the route's environment carrying
	// the row's scope.
	envScope reach = iota
	// ownProject: any environment token of the organization may read it
	// (its own organization and project, by name only).
	ownProject
	// anyToken: every valid token, each seeing only its own things.
	anyToken
	// orgOnly: organization-wide (owner) tokens only.
	orgOnly
)

// authzRow is one admin route. prep builds the path and body against the
// world, making fresh resources when the route consumes them (a delete),
// so that every principal meets the same state.
type authzRow struct {
	method, pattern string
	reach           reach
	scope           tenant.Scope
	ok              int // the owner's answer
	// other is the answer to a token of another organization (an
	// all-scopes environment token of B, and B's owner token): 403 when
	// the path names A's organization or environment, 404 when it names
	// an object by id alone. 0 means 403.
	other int
	// otherEnv overrides other for B's environment token (0: as other, or
	// 403 on orgOnly routes that name A in the path).
	otherEnv int
	prep     func(t *testing.T, w *authzWorld) (path string, body any)
}

// authzWorld is organization A (the harness's default) with the objects
// the routes name, and organization B owned by a stranger.
type authzWorld struct {
	h                      *harness
	org, project, env      string
	user, wallet, session  string
	sessionUser, field     string
	hook, hookMsg          string
	export                 string // a completed users export
	otherEnvTok, otherOrgT string
}

func (w *authzWorld) freshUser(t *testing.T) (userID, walletID string) {
	t.Helper()
	u := w.h.createUser(t, w.env, map[string]any{"email": newUUID(t)[:8] + "@example.com",
		"wallets": []any{newWalletBody(t), newWalletBody(t)}}) // two: the last one cannot be deleted
	userID = str(t, u, "id")
	st, res := w.h.do(t, "GET", "/users/"+userID+"/wallets", w.h.token, nil)
	wantStatus(t, "fresh user's wallets", st, 200, res)
	return userID, str(t, res, "wallets.0.id")
}

func (w *authzWorld) freshSession(t *testing.T) (userID, sessionID string) {
	t.Helper()
	userID, sessionID, _ = w.h.signIn(t, w.env, newEVMWallet(t))
	return userID, sessionID
}

func (w *authzWorld) freshToken(t *testing.T) string {
	t.Helper()
	id, _ := w.h.envToken(t, w.h.token, w.env, "environment.users.read")
	return id
}

// freshProvider makes a GitHub provider in the world's environment,
// replacing the one a previous row left.
func (w *authzWorld) freshProvider(t *testing.T) string {
	t.Helper()
	w.dropProvider(t, "github")
	st, res := w.h.do(t, "POST", "/environments/"+w.env+"/settings/providers", w.h.token,
		map[string]any{"provider": "github", "clientId": "cid", "clientSecret": "a-long-client-secret"})
	wantStatus(t, "fresh provider", st, 200, res)
	return str(t, res, "id")
}

// freshExchange makes a Kraken exchange in the world's environment,
// replacing the one a previous row left.
func (w *authzWorld) freshExchange(t *testing.T) string {
	t.Helper()
	w.dropExchange(t, "kraken")
	st, res := w.h.do(t, "POST", "/environments/"+w.env+"/settings/exchanges", w.h.token, map[string]any{"exchange": "kraken"})
	wantStatus(t, "fresh exchange", st, 200, res)
	return str(t, res, "id")
}

func (w *authzWorld) dropExchange(t *testing.T, exchange string) {
	t.Helper()
	list, err := w.h.store.ListExchanges(context.Background(), w.env)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list {
		if e.Exchange == exchange {
			_ = w.h.store.DeleteExchange(context.Background(), e.ID, time.Now())
		}
	}
}

func (w *authzWorld) dropProvider(t *testing.T, typ string) {
	t.Helper()
	ps, err := w.h.store.ListProviders(context.Background(), w.env)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Type == typ {
			_ = w.h.store.DeleteProvider(context.Background(), p.ID)
		}
	}
}

func (w *authzWorld) freshOrigin(t *testing.T) string {
	t.Helper()
	st, res := w.h.do(t, "POST", "/environments/"+w.env+"/origins", w.h.token,
		map[string]any{"origin": "https://" + newUUID(t)[:8] + ".example"})
	wantStatus(t, "fresh origin", st, 201, res)
	return str(t, res, "origin.id")
}

func (w *authzWorld) freshField(t *testing.T) string {
	t.Helper()
	st, res := w.h.do(t, "POST", "/environments/"+w.env+"/custom/fields", w.h.token,
		map[string]any{"name": "f" + newUUID(t)[:8], "enabled": true, "required": false, "fieldType": "text"})
	wantStatus(t, "fresh custom field", st, 200, res)
	return str(t, res, "id")
}

// freshTestAccount gives the environment a test account and returns its
// path.
func (w *authzWorld) freshTestAccount(t *testing.T) string {
	t.Helper()
	path := "/environments/" + w.env + "/test/account"
	st, res := w.h.do(t, "POST", path, w.h.token, nil)
	wantStatus(t, "fresh test account", st, 200, res)
	return path
}

// freshHook makes a webhook (never delivered to: the harness is not
// started) and returns it with its ping's message id, from the outbox.
func (w *authzWorld) freshHook(t *testing.T) (hookID, messageID string) {
	t.Helper()
	st, res := w.h.do(t, "POST", "/environments/"+w.env+"/webhooks", w.h.token,
		map[string]any{"url": "https://hooks.example.com/" + newUUID(t)[:8], "isEnabled": true, "events": []string{"user.created"}})
	wantStatus(t, "fresh webhook", st, 200, res)
	hookID = str(t, res, "webhookId")
	jobs, err := w.h.store.Jobs(context.Background(), webhooks.DeliveryArgs{}.Kind(), 0)
	if err != nil {
		t.Fatalf("the ping's job: %v", err)
	}
	for _, j := range jobs {
		var a webhooks.DeliveryArgs
		if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(a.MessageID, "-"+hookID) {
			messageID = a.MessageID
		}
	}
	if messageID == "" {
		t.Fatalf("the fresh webhook %s has no ping message among %d: %+v", hookID, len(jobs), jobs)
	}
	return hookID, messageID
}

// freshExport queues a users export and writes it (the harness is not
// started: the test runs the exporter).
func (w *authzWorld) freshExport(t *testing.T) string {
	t.Helper()
	st, res := w.h.do(t, "POST", "/environments/"+w.env+"/exports", w.h.token, map[string]any{"format": "csv", "model": "users"})
	wantStatus(t, "fresh export", st, 200, res)
	w.drainExports(t)
	return str(t, res, "id")
}

func (w *authzWorld) drainExports(t *testing.T) {
	t.Helper()
	for {
		ran, err := w.h.auth.Exporter().RunOnce(context.Background())
		if err != nil {
			t.Fatalf("write exports: %v", err)
		}
		if !ran {
			return
		}
	}
}

func (w *authzWorld) freshInvite(t *testing.T) string {
	t.Helper()
	inv := &tenant.Invite{ID: newUUID(t), OrganizationID: w.org, Status: tenant.InvitePending,
		Email: newUUID(t)[:8] + "@example.com", Role: tenant.RoleViewer, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	if err := w.h.store.CreateInvite(context.Background(), inv, tenant.MaxPendingInvites); err != nil {
		t.Fatalf("fresh invite: %v", err)
	}
	return inv.ID
}

func (w *authzWorld) freshMember(t *testing.T) string {
	t.Helper()
	return w.h.addMember(t, w.org, tenant.RoleDeveloper, newUUID(t)[:8]+"@example.com")
}

func (w *authzWorld) freshProject(t *testing.T) string {
	t.Helper()
	st, res := w.h.do(t, "POST", "/organizations/"+w.org+"/projects", w.h.token, map[string]any{"name": "Doomed " + newUUID(t)[:6]})
	wantStatus(t, "fresh project", st, 200, res)
	return str(t, res, "project.id")
}

// freshSso makes an SSO provider in organization A, deleting the previous one.
func (w *authzWorld) freshSso(t *testing.T) string {
	t.Helper()
	if st, res := w.h.do(t, "GET", "/organizations/"+w.org+"/ssoProvider", w.h.token, nil); st == 200 {
		st, res = w.h.do(t, "DELETE", "/organizations/"+w.org+"/ssoProvider/"+str(t, res, "id"), w.h.token, nil)
		wantStatus(t, "delete previous sso provider", st, 204, res)
	}
	st, res := w.h.do(t, "POST", "/organizations/"+w.org+"/ssoProvider", w.h.token, ssoBody())
	wantStatus(t, "fresh sso provider", st, 200, res)
	return str(t, res, "id")
}

func ssoBody() map[string]any {
	return map[string]any{"clientId": "0oa1client", "clientSecret": "s3cret-value-1234",
		"ssoDomain": "acme.okta.com", "emailDomain": "acme.example", "provider": "okta"}
}

func fixed(path string, body any) func(*testing.T, *authzWorld) (string, any) {
	return func(*testing.T, *authzWorld) (string, any) { return path, body }
}

func authzRows() []authzRow {
	E, O, P, U := "{env}", "{org}", "{project}", "{user}"
	fresh := func(f func(t *testing.T, w *authzWorld) (string, any)) func(*testing.T, *authzWorld) (string, any) {
		return f
	}
	settingsR, settingsW := tenant.ScopeSettingsRead, tenant.ScopeSettingsWrite
	usersR, usersW := tenant.ScopeUsersRead, tenant.ScopeUsersWrite
	tokR, tokW := tenant.ScopeAPITokensRead, tenant.ScopeAPITokensWrite
	hookR, hookW := tenant.ScopeWebhooksRead, tenant.ScopeWebhooksWrite
	rows := []authzRow{
		// Organizations.
		{method: "GET", pattern: "/organizations", reach: anyToken, ok: 200, other: 200, prep: fixed("/organizations", nil)},
		{method: "POST", pattern: "/organizations", reach: orgOnly, ok: 200, other: 200, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/organizations", map[string]any{"name": "Org " + newUUID(t)[:8]}
		})},
		{method: "GET", pattern: "/organizations/{organizationId}", reach: ownProject, ok: 200, prep: fixed("/organizations/"+O, nil)},
		{method: "PUT", pattern: "/organizations/{organizationId}", reach: orgOnly, ok: 200, prep: fixed("/organizations/"+O, map[string]any{"name": "Default organization"})},
		{method: "PUT", pattern: "/organizations/{organizationId}/address", reach: orgOnly, ok: 200, prep: fixed("/organizations/"+O+"/address", map[string]any{"city": "Lisbon"})},
		{method: "GET", pattern: "/organizations/{organizationId}/billing/subscription", reach: ownProject, ok: 200, prep: fixed("/organizations/"+O+"/billing/subscription", nil)},
		{method: "PUT", pattern: "/organizations/{organizationId}/billing/subscription/coupon", reach: orgOnly, ok: 200, prep: fixed("/organizations/"+O+"/billing/subscription/coupon", map[string]any{"coupon": "LAUNCH50"})},
		{method: "PUT", pattern: "/organizations/{organizationId}/billing/upgrade", reach: orgOnly, ok: 200, prep: fixed("/organizations/"+O+"/billing/upgrade", nil)},
		{method: "GET", pattern: "/organizations/{organizationId}/ssoProvider", reach: orgOnly, ok: 200, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			w.freshSso(t)
			return "/organizations/" + w.org + "/ssoProvider", nil
		})},
		{method: "POST", pattern: "/organizations/{organizationId}/ssoProvider", reach: orgOnly, ok: 200, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			if st, res := w.h.do(t, "GET", "/organizations/"+w.org+"/ssoProvider", w.h.token, nil); st == 200 {
				w.h.do(t, "DELETE", "/organizations/"+w.org+"/ssoProvider/"+str(t, res, "id"), w.h.token, nil)
			}
			return "/organizations/" + w.org + "/ssoProvider", ssoBody()
		})},
		{method: "PUT", pattern: "/organizations/{organizationId}/ssoProvider/{ssoProviderId}", reach: orgOnly, ok: 200, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/organizations/" + w.org + "/ssoProvider/" + w.freshSso(t), ssoBody()
		})},
		{method: "DELETE", pattern: "/organizations/{organizationId}/ssoProvider/{ssoProviderId}", reach: orgOnly, ok: 204, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/organizations/" + w.org + "/ssoProvider/" + w.freshSso(t), nil
		})},

		// Projects.
		{method: "GET", pattern: "/organizations/{organizationId}/projects", reach: ownProject, ok: 200, prep: fixed("/organizations/"+O+"/projects", nil)},
		{method: "POST", pattern: "/organizations/{organizationId}/projects", reach: orgOnly, ok: 200, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/organizations/" + w.org + "/projects", map[string]any{"name": "P " + newUUID(t)[:8]}
		})},
		{method: "GET", pattern: "/projects/{projectId}", reach: ownProject, ok: 200, prep: fixed("/projects/"+P, nil)},
		{method: "PUT", pattern: "/projects/{projectId}", reach: orgOnly, ok: 200, prep: fixed("/projects/"+P, map[string]any{"name": "Default project"})},
		{method: "DELETE", pattern: "/projects/{projectId}", reach: orgOnly, ok: 204, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/projects/" + w.freshProject(t), nil
		})},

		// Environments.
		{method: "GET", pattern: "/projects/{projectId}/environments", reach: ownProject, ok: 200, prep: fixed("/projects/"+P+"/environments", nil)},
		{method: "GET", pattern: "/environments/{environmentId}", reach: envScope, scope: settingsR, ok: 200, prep: fixed("/environments/"+E, nil)},
		{method: "PUT", pattern: "/environments/{environmentId}", reach: envScope, scope: settingsW, ok: 200, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/environments/" + w.env, validSettings(t, w.h)
		})},
		{method: "POST", pattern: "/environments/{environmentId}/externalJwt/check", reach: envScope, scope: settingsR, ok: 200, prep: fixed("/environments/"+E+"/externalJwt/check", map[string]any{"encodedJwt": "a.b.c"})},
		{method: "GET", pattern: "/environments/{environmentId}/keys", reach: envScope, scope: settingsR, ok: 200, prep: fixed("/environments/"+E+"/keys", nil)},
		{method: "GET", pattern: "/environments/{environmentId}/statistics/visitors", reach: envScope, scope: settingsR, ok: 200, prep: fixed("/environments/"+E+"/statistics/visitors", nil)},

		// Tokens.
		{method: "GET", pattern: "/environments/{environmentId}/tokens", reach: envScope, scope: tokR, ok: 200, prep: fixed("/environments/"+E+"/tokens", nil)},
		{method: "POST", pattern: "/environments/{environmentId}/tokens", reach: envScope, scope: tokW, ok: 200, prep: fixed("/environments/"+E+"/tokens", map[string]any{"note": "table"})},
		{method: "DELETE", pattern: "/environments/{environmentId}/tokens/{tokenId}", reach: envScope, scope: tokW, ok: 204, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/environments/" + w.env + "/tokens/" + w.freshToken(t), nil
		})},

		// Settings: social providers.
		{method: "GET", pattern: "/environments/{environmentId}/settings/providers", reach: envScope, scope: settingsR, ok: 200, prep: fixed("/environments/"+E+"/settings/providers", nil)},
		{method: "GET", pattern: "/environments/{environmentId}/settings/providers/urls", reach: envScope, scope: settingsR, ok: 200, prep: fixed("/environments/"+E+"/settings/providers/urls", nil)},
		{method: "POST", pattern: "/environments/{environmentId}/settings/providers", reach: envScope, scope: settingsW, ok: 200, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			w.dropProvider(t, "discord")
			return "/environments/" + w.env + "/settings/providers", map[string]any{"provider": "discord", "clientId": "cid"}
		})},
		{method: "GET", pattern: "/settings/providers/{providerId}", reach: envScope, scope: settingsR, ok: 200, other: 404, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/settings/providers/" + w.freshProvider(t), nil
		})},
		{method: "PUT", pattern: "/settings/providers/{providerId}", reach: envScope, scope: settingsW, ok: 200, other: 404, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/settings/providers/" + w.freshProvider(t), map[string]any{"clientId": "cid2"}
		})},
		{method: "PUT", pattern: "/settings/providers/{providerId}/enable", reach: envScope, scope: settingsW, ok: 200, other: 404, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/settings/providers/" + w.freshProvider(t) + "/enable", nil
		})},
		{method: "PUT", pattern: "/settings/providers/{providerId}/disable", reach: envScope, scope: settingsW, ok: 200, other: 404, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/settings/providers/" + w.freshProvider(t) + "/disable", nil
		})},
		{method: "DELETE", pattern: "/settings/providers/{providerId}", reach: envScope, scope: settingsW, ok: 204, other: 404, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/settings/providers/" + w.freshProvider(t), nil
		})},

		// Settings: exchanges.
		{method: "GET", pattern: "/environments/{environmentId}/settings/exchanges", reach: envScope, scope: settingsR, ok: 200, prep: fixed("/environments/"+E+"/settings/exchanges", nil)},
		{method: "POST", pattern: "/environments/{environmentId}/settings/exchanges", reach: envScope, scope: settingsW, ok: 200, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			w.dropExchange(t, "coinbase")
			return "/environments/" + w.env + "/settings/exchanges", map[string]any{"exchange": "coinbase"}
		})},
		{method: "GET", pattern: "/settings/exchanges/{exchangeId}", reach: envScope, scope: settingsR, ok: 200, other: 404, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/settings/exchanges/" + w.freshExchange(t), nil
		})},
		{method: "PUT", pattern: "/settings/exchanges/{exchangeId}/enable", reach: envScope, scope: settingsW, ok: 200, other: 404, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/settings/exchanges/" + w.freshExchange(t) + "/enable", nil
		})},
		{method: "PUT", pattern: "/settings/exchanges/{exchangeId}/disable", reach: envScope, scope: settingsW, ok: 200, other: 404, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/settings/exchanges/" + w.freshExchange(t) + "/disable", nil
		})},
		{method: "DELETE", pattern: "/settings/exchanges/{exchangeId}", reach: envScope, scope: settingsW, ok: 204, other: 404, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/settings/exchanges/" + w.freshExchange(t), nil
		})},

		// Origins.
		{method: "GET", pattern: "/environments/{environmentId}/origins", reach: envScope, scope: settingsR, ok: 200, prep: fixed("/environments/"+E+"/origins", nil)},
		{method: "POST", pattern: "/environments/{environmentId}/origins", reach: envScope, scope: settingsW, ok: 201, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/environments/" + w.env + "/origins", map[string]any{"origin": "https://" + newUUID(t)[:8] + ".example"}
		})},
		{method: "DELETE", pattern: "/origins/{originId}", reach: envScope, scope: settingsW, ok: 204, other: 404, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/origins/" + w.freshOrigin(t), nil
		})},

		// Members and invites.
		{method: "GET", pattern: "/organizations/{organizationId}/members", reach: orgOnly, ok: 200, prep: fixed("/organizations/"+O+"/members", nil)},
		{method: "PUT", pattern: "/members/{memberId}", reach: orgOnly, ok: 200, other: 404, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/members/" + w.freshMember(t), map[string]any{"role": "viewer"}
		})},
		{method: "DELETE", pattern: "/members/{memberId}", reach: orgOnly, ok: 204, other: 404, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/members/" + w.freshMember(t), nil
		})},
		{method: "GET", pattern: "/membershipEnvironmentIds", reach: anyToken, ok: 200, other: 200, prep: fixed("/membershipEnvironmentIds", nil)},
		{method: "GET", pattern: "/invites", reach: orgOnly, ok: 200, other: 200, prep: fixed("/invites", nil)},
		{method: "PUT", pattern: "/invites/{inviteId}", reach: orgOnly, ok: 204, other: 404, otherEnv: 403, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/invites/" + w.freshInvite(t), map[string]any{"status": "rejected"}
		})},
		{method: "DELETE", pattern: "/invites/{inviteId}", reach: orgOnly, ok: 204, other: 404, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/invites/" + w.freshInvite(t), nil
		})},
		{method: "GET", pattern: "/organizations/{organizationId}/invites", reach: orgOnly, ok: 200, prep: fixed("/organizations/"+O+"/invites", nil)},
		{method: "POST", pattern: "/organizations/{organizationId}/invites", reach: orgOnly, ok: 204, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/organizations/" + w.org + "/invites", map[string]any{"email": newUUID(t)[:8] + "@example.com", "role": "viewer"}
		})},

		// Organization MFA settings.
		{method: "GET", pattern: "/organizations/{organizationId}/mfaSettings", reach: orgOnly, ok: 200, prep: fixed("/organizations/"+O+"/mfaSettings", nil)},
		{method: "PUT", pattern: "/organizations/{organizationId}/mfaSettings/{mfaDeviceType}/enable", reach: orgOnly, ok: 200, prep: fixed("/organizations/"+O+"/mfaSettings/totp/enable", nil)},
		{method: "PUT", pattern: "/organizations/{organizationId}/mfaSettings/{mfaDeviceType}/disable", reach: orgOnly, ok: 200, prep: fixed("/organizations/"+O+"/mfaSettings/totp/disable", nil)},

		// Users.
		{method: "GET", pattern: "/environments/{environmentId}/users", reach: envScope, scope: usersR, ok: 200, prep: fixed("/environments/"+E+"/users", nil)},
		{method: "POST", pattern: "/environments/{environmentId}/users", reach: envScope, scope: usersW, ok: 200, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/environments/" + w.env + "/users", map[string]any{"email": newUUID(t)[:8] + "@example.com"}
		})},
		{method: "POST", pattern: "/environments/{environmentId}/users/bulk", reach: envScope, scope: usersW, ok: 200, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/environments/" + w.env + "/users/bulk", []any{map[string]any{"email": newUUID(t)[:8] + "@example.com"}}
		})},
		{method: "GET", pattern: "/environments/{environmentId}/users/{userId}", reach: envScope, scope: usersR, ok: 200, prep: fixed("/environments/"+E+"/users/"+U, nil)},
		{method: "PUT", pattern: "/environments/{environmentId}/users/{userId}", reach: envScope, scope: usersW, ok: 200, prep: fixed("/environments/"+E+"/users/"+U, map[string]any{"firstName": "Ann"})},
		{method: "DELETE", pattern: "/environments/{environmentId}/users/{userId}", reach: envScope, scope: usersW, ok: 204, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			u, _ := w.freshUser(t)
			return "/environments/" + w.env + "/users/" + u, nil
		})},
		{method: "POST", pattern: "/environments/{environmentId}/users/{userId}/sessions/revoke", reach: envScope, scope: usersW, ok: 204, prep: fixed("/environments/"+E+"/users/"+U+"/sessions/revoke", nil)},
		{method: "GET", pattern: "/users/{userId}", reach: envScope, scope: usersR, ok: 200, other: 404, prep: fixed("/users/"+U, nil)},
		{method: "PUT", pattern: "/users/{userId}", reach: envScope, scope: usersW, ok: 200, other: 404, prep: fixed("/users/"+U, map[string]any{"firstName": "Ann"})},
		{method: "DELETE", pattern: "/users/{userId}", reach: envScope, scope: usersW, ok: 204, other: 404, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			u, _ := w.freshUser(t)
			return "/users/" + u, nil
		})},
		{method: "POST", pattern: "/users/{userId}/sessions/revoke", reach: envScope, scope: usersW, ok: 204, other: 404, prep: fixed("/users/"+U+"/sessions/revoke", nil)},
		{method: "DELETE", pattern: "/users/{userId}/mfa", reach: envScope, scope: usersW, ok: 204, other: 404, prep: fixed("/users/"+U+"/mfa", nil)},
		{method: "POST", pattern: "/users/{userId}/mfa/reset", reach: envScope, scope: usersW, ok: 204, other: 404, prep: fixed("/users/"+U+"/mfa/reset", nil)},
		{method: "GET", pattern: "/oauthAccounts/{oauthAccountId}/accessToken", reach: envScope, scope: usersR, ok: 404, other: 404, prep: fixed("/oauthAccounts/"+randomUUID+"/accessToken", nil)},

		// Sessions.
		{method: "PUT", pattern: "/sessions/{sessionId}/revoke", reach: envScope, scope: usersW, ok: 200, other: 404, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			_, s := w.freshSession(t)
			return "/sessions/" + s + "/revoke", nil
		})},
		{method: "GET", pattern: "/users/{userId}/sessions/{sessionId}", reach: envScope, scope: usersR, ok: 200, other: 404, prep: func(t *testing.T, w *authzWorld) (string, any) {
			return "/users/" + w.sessionUser + "/sessions/" + w.session, nil
		}},

		// Wallets.
		{method: "GET", pattern: "/environments/{environmentId}/wallets", reach: envScope, scope: usersR, ok: 200, prep: fixed("/environments/"+E+"/wallets", nil)},
		{method: "GET", pattern: "/environments/{environmentId}/wallets/{walletId}", reach: envScope, scope: usersR, ok: 200, prep: func(t *testing.T, w *authzWorld) (string, any) {
			return "/environments/" + w.env + "/wallets/" + w.wallet, nil
		}},
		{method: "DELETE", pattern: "/environments/{environmentId}/wallets/{walletId}", reach: envScope, scope: usersW, ok: 204, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			_, wal := w.freshUser(t)
			return "/environments/" + w.env + "/wallets/" + wal, nil
		})},
		{method: "GET", pattern: "/environments/{environmentId}/users/{userId}/wallets", reach: envScope, scope: usersR, ok: 200, prep: fixed("/environments/"+E+"/users/"+U+"/wallets", nil)},
		{method: "POST", pattern: "/environments/{environmentId}/users/{userId}/wallets", reach: envScope, scope: usersW, ok: 200, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/environments/" + w.env + "/users/" + w.user + "/wallets", newWalletBody(t)
		})},
		{method: "GET", pattern: "/users/{userId}/wallets", reach: envScope, scope: usersR, ok: 200, other: 404, prep: fixed("/users/"+U+"/wallets", nil)},
		{method: "POST", pattern: "/users/{userId}/wallets", reach: envScope, scope: usersW, ok: 200, other: 404, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/users/" + w.user + "/wallets", newWalletBody(t)
		})},
		{method: "GET", pattern: "/wallets/{walletId}", reach: envScope, scope: usersR, ok: 200, other: 404, prep: func(t *testing.T, w *authzWorld) (string, any) {
			return "/wallets/" + w.wallet, nil
		}},
		{method: "DELETE", pattern: "/wallets/{walletId}", reach: envScope, scope: usersW, ok: 204, other: 404, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			_, wal := w.freshUser(t)
			return "/wallets/" + wal, nil
		})},
		{method: "GET", pattern: "/environments/{environmentId}/embeddedWalletVersions", reach: envScope, scope: usersR, ok: 422, prep: fixed("/environments/"+E+"/embeddedWalletVersions", nil)},
		{method: "POST", pattern: "/environments/{environmentId}/embeddedWallets", reach: envScope, scope: usersW, ok: 422, prep: fixed("/environments/"+E+"/embeddedWallets", map[string]any{"identifier": "a@example.com", "type": "email"})},
		{method: "POST", pattern: "/environments/{environmentId}/embeddedWallets/farcaster", reach: envScope, scope: usersW, ok: 422, prep: fixed("/environments/"+E+"/embeddedWallets/farcaster", map[string]any{})},
		{method: "POST", pattern: "/environments/{environmentId}/wallets/recover", reach: envScope, scope: usersW, ok: 422, prep: fixed("/environments/"+E+"/wallets/recover", map[string]any{})},

		// Visitors.
		{method: "GET", pattern: "/environments/{environmentId}/visitors", reach: envScope, scope: usersR, ok: 200, prep: fixed("/environments/"+E+"/visitors", nil)},

		// Custom fields.
		{method: "GET", pattern: "/environments/{environmentId}/custom/fields", reach: envScope, scope: settingsR, ok: 200, prep: fixed("/environments/"+E+"/custom/fields", nil)},
		{method: "POST", pattern: "/environments/{environmentId}/custom/fields", reach: envScope, scope: settingsW, ok: 200, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/environments/" + w.env + "/custom/fields", map[string]any{"name": "f" + newUUID(t)[:8], "enabled": true, "required": false, "fieldType": "text"}
		})},
		{method: "GET", pattern: "/custom/fields/{customFieldId}", reach: envScope, scope: settingsR, ok: 200, other: 404, prep: func(t *testing.T, w *authzWorld) (string, any) {
			return "/custom/fields/" + w.field, nil
		}},
		{method: "PUT", pattern: "/custom/fields/{customFieldId}", reach: envScope, scope: settingsW, ok: 200, other: 404, prep: func(t *testing.T, w *authzWorld) (string, any) {
			return "/custom/fields/" + w.field, map[string]any{"name": "Table field", "enabled": true, "required": false, "fieldType": "text"}
		}},
		{method: "DELETE", pattern: "/custom/fields/{customFieldId}", reach: envScope, scope: settingsW, ok: 204, other: 404, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/custom/fields/" + w.freshField(t), nil
		})},

		// The test account: reading and removing it need one.
		{method: "POST", pattern: "/environments/{environmentId}/test/account", reach: envScope, scope: settingsW, ok: 200, prep: fixed("/environments/"+E+"/test/account", nil)},
		{method: "GET", pattern: "/environments/{environmentId}/test/account", reach: envScope, scope: settingsR, ok: 200, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return w.freshTestAccount(t), nil
		})},
		{method: "DELETE", pattern: "/environments/{environmentId}/test/account", reach: envScope, scope: settingsW, ok: 204, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return w.freshTestAccount(t), nil
		})},
		// Webhooks and event types.
		{method: "GET", pattern: "/eventTypes", reach: anyToken, ok: 200, other: 200, prep: fixed("/eventTypes", nil)},
		{method: "GET", pattern: "/environments/{environmentId}/webhooks", reach: envScope, scope: hookR, ok: 200, prep: fixed("/environments/"+E+"/webhooks", nil)},
		{method: "POST", pattern: "/environments/{environmentId}/webhooks", reach: envScope, scope: hookW, ok: 200, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			return "/environments/" + w.env + "/webhooks", map[string]any{"url": "https://hooks.example.com/t", "isEnabled": false, "events": []string{"user.created"}}
		})},
		{method: "GET", pattern: "/environments/{environmentId}/webhooks/{webhookId}", reach: envScope, scope: hookR, ok: 200, prep: func(t *testing.T, w *authzWorld) (string, any) {
			return "/environments/" + w.env + "/webhooks/" + w.hook, nil
		}},
		{method: "PUT", pattern: "/environments/{environmentId}/webhooks/{webhookId}", reach: envScope, scope: hookW, ok: 200, prep: func(t *testing.T, w *authzWorld) (string, any) {
			return "/environments/" + w.env + "/webhooks/" + w.hook, map[string]any{"url": "https://hooks.example.com/t", "isEnabled": true, "events": []string{"user.created"}}
		}},
		{method: "DELETE", pattern: "/environments/{environmentId}/webhooks/{webhookId}", reach: envScope, scope: hookW, ok: 204, prep: fresh(func(t *testing.T, w *authzWorld) (string, any) {
			id, _ := w.freshHook(t)
			return "/environments/" + w.env + "/webhooks/" + id, nil
		})},
		{method: "GET", pattern: "/environments/{environmentId}/webhooks/{webhookId}/messages", reach: envScope, scope: hookR, ok: 200, prep: func(t *testing.T, w *authzWorld) (string, any) {
			return "/environments/" + w.env + "/webhooks/" + w.hook + "/messages", nil
		}},
		{method: "GET", pattern: "/environments/{environmentId}/webhooks/{webhookId}/messages/{messageId}", reach: envScope, scope: hookR, ok: 200, prep: func(t *testing.T, w *authzWorld) (string, any) {
			return "/environments/" + w.env + "/webhooks/" + w.hook + "/messages/" + w.hookMsg, nil
		}},
		{method: "POST", pattern: "/environments/{environmentId}/webhooks/{webhookId}/messages/{messageId}/redeliver", reach: envScope, scope: hookW, ok: 200, prep: func(t *testing.T, w *authzWorld) (string, any) {
			return "/environments/" + w.env + "/webhooks/" + w.hook + "/messages/" + w.hookMsg + "/redeliver", nil
		}},
		{method: "GET", pattern: "/environments/{environmentId}/analytics/topline", reach: envScope, scope: tenant.ScopeAnalyticsRead, ok: 200, prep: fixed("/environments/"+E+"/analytics/topline?start=2026-01-01&end=2026-01-31", nil)},
		{method: "GET", pattern: "/environments/{environmentId}/analytics/overview", reach: envScope, scope: tenant.ScopeAnalyticsRead, ok: 200, prep: fixed("/environments/"+E+"/analytics/overview?start=2026-01-01&end=2026-01-31&granularity=week", nil)},
		{method: "GET", pattern: "/environments/{environmentId}/analytics/engagement", reach: envScope, scope: tenant.ScopeAnalyticsRead, ok: 200, prep: fixed("/environments/"+E+"/analytics/engagement?start=2026-01-01&end=2026-01-31", nil)},
		{method: "GET", pattern: "/environments/{environmentId}/analytics/walletsBreakdown", reach: envScope, scope: tenant.ScopeAnalyticsRead, ok: 200, prep: fixed("/environments/"+E+"/analytics/walletsBreakdown?start=2026-01-01&end=2026-01-31&chain=EVM", nil)},
		{method: "GET", pattern: "/environments/{environmentId}/analytics/wallets", reach: envScope, scope: tenant.ScopeAnalyticsRead, ok: 200, prep: fixed("/environments/"+E+"/analytics/wallets", nil)},
		{method: "GET", pattern: "/environments/{environmentId}/analytics/visits", reach: envScope, scope: tenant.ScopeAnalyticsRead, ok: 200, prep: fixed("/environments/"+E+"/analytics/visits", nil)},
		{method: "GET", pattern: "/environments/{environmentId}/events", reach: envScope, scope: tenant.ScopeEventsRead, ok: 200, prep: fixed("/environments/"+E+"/events", nil)},
		{method: "GET", pattern: "/environments/{environmentId}/events/{eventId}", reach: envScope, scope: tenant.ScopeEventsRead, ok: 200, prep: func(t *testing.T, w *authzWorld) (string, any) {
			return "/environments/" + w.env + "/events/" + w.hookMsg[:36], nil // the webhook's ping
		}},

		{method: "GET", pattern: "/environments/{environmentId}/exports", reach: envScope, scope: tenant.ScopeUsersRead, ok: 200, prep: fixed("/environments/"+E+"/exports", nil)},
		{method: "POST", pattern: "/environments/{environmentId}/exports", reach: envScope, scope: tenant.ScopeUsersRead, ok: 200, prep: func(t *testing.T, w *authzWorld) (string, any) {
			w.drainExports(t) // pending exports are bounded per environment
			return "/environments/" + w.env + "/exports", map[string]any{"format": "csv", "model": "users"}
		}},
		{method: "GET", pattern: "/environments/{environmentId}/exports/{exportId}", reach: envScope, scope: tenant.ScopeUsersRead, ok: 200, prep: func(t *testing.T, w *authzWorld) (string, any) {
			return "/environments/" + w.env + "/exports/" + w.export, nil
		}},
		{method: "GET", pattern: "/environments/{environmentId}/exports/{exportId}/download", reach: envScope, scope: tenant.ScopeUsersRead, ok: 204, prep: func(t *testing.T, w *authzWorld) (string, any) {
			return "/environments/" + w.env + "/exports/" + w.export + "/download", nil
		}},

		// Last: it hands organization A to another member.
		{method: "PUT", pattern: "/members/{memberId}/delegateOwnership", reach: orgOnly, ok: 204, other: 404, prep: func(t *testing.T, w *authzWorld) (string, any) {
			return "/members/" + w.h.ids.OwnerMemberID + "/delegateOwnership", map[string]any{"adminMemberIdToDelegate": w.freshMember(t)}
		}},
	}
	return append(append(rows, accessAuthzRows()...), envconfigAuthzRows()...)
}

func newWalletBody(t *testing.T) map[string]any {
	return map[string]any{"publicWalletAddress": strings.ToLower(newEVMWallet(t).address), "chain": "EVM",
		"walletName": "rainbow", "walletProvider": "browserExtension"}
}

// authzPrincipal is one kind of token and the answer it must get.
type authzPrincipal struct {
	name  string
	token string
	want  func(r authzRow) int
}

func TestAdminAuthorizationTable(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			// a sanctions list, for the screening switch's routes to answer 200
			runAuthorizationTable(t, newHarnessWith(t, backend, func(c *dynamicauth.Config) { c.Access.Screener = listedNobody{} }))
		})
	}
}

// listedNobody is a sanctions list with no address on it.
type listedNobody struct{}

func (listedNobody) Sanctioned(context.Context, string, string) (bool, error) { return false, nil }

func runAuthorizationTable(t *testing.T, h *harness) {
	w := &authzWorld{h: h, org: h.ids.OrganizationID, project: h.ids.ProjectID, env: h.ids.EnvironmentID}
	// Sign-ins keep working once the table adds origins.
	st, res := h.do(t, "POST", "/environments/"+w.env+"/origins", h.token, map[string]any{"origin": "http://localhost:3000"})
	wantStatus(t, "allow the sign-in origin", st, 201, res)
	w.user, w.wallet = w.freshUser(t)
	w.field = w.freshField(t)
	w.sessionUser, w.session = w.freshSession(t)
	w.hook, w.hookMsg = w.freshHook(t)
	w.export = w.freshExport(t)
	b := h.newOrganization(t, "Org B")
	_, w.otherEnvTok = h.envToken(t, h.token, b.sandboxID)
	strangerMember, strangerOrg, _ := h.newUser(t, "stranger@example.com")
	w.otherOrgT = h.orgWideToken(t, strangerMember, strangerOrg)

	other := func(r authzRow) int {
		if r.other == 0 {
			return 403
		}
		return r.other
	}
	principals := []authzPrincipal{
		{"other organization's environment token", w.otherEnvTok, func(r authzRow) int {
			if r.otherEnv != 0 {
				return r.otherEnv
			}
			if r.reach == orgOnly && r.other != 404 {
				return 403 // an environment token, whatever the organization
			}
			return other(r)
		}},
		{"other organization's owner token", w.otherOrgT, other},
	}
	for _, sc := range tenant.AllScopes {
		_, raw := h.envToken(t, h.token, w.env, string(sc))
		principals = append(principals, authzPrincipal{"env token " + string(sc), raw, func(r authzRow) int {
			switch r.reach {
			case anyToken, ownProject:
				return r.ok
			case orgOnly:
				return 403
			}
			if r.scope == sc {
				return r.ok
			}
			return 403
		}})
	}
	principals = append(principals, authzPrincipal{"owner token", h.token, func(r authzRow) int { return r.ok }})

	replace := strings.NewReplacer("{env}", w.env, "{org}", w.org, "{project}", w.project, "{user}", w.user)
	for _, r := range authzRows() {
		for _, p := range principals {
			// a subtest each, so that what a row's prep made is deleted
			// (its cleanups) before the next: lists and gates are capped
			t.Run(r.method+" "+r.pattern+" as "+p.name, func(t *testing.T) {
				path, body := r.prep(t, w)
				path = replace.Replace(path)
				res := h.send(t, request{method: r.method, path: v0 + path, token: p.token, body: body})
				if want := p.want(r); res.status != want {
					t.Errorf("status %d, want %d; body %s", res.status, want, truncate(res.raw, 300))
				}
			})
		}
	}
}

// adminRoutes lists the admin routes the harness's server registered
// (every /api/v0 route outside /api/v0/sdk), as "METHOD /path" without
// the /api/v0 prefix, the table's form.
func adminRoutes(t *testing.T, h *harness) []string {
	t.Helper()
	srv, ok := h.auth.Handler().(interface{ Routes() []string })
	if !ok {
		t.Fatalf("the facade's handler %T does not list its routes", h.auth.Handler())
	}
	var out []string
	for _, p := range srv.Routes() {
		method, path, _ := strings.Cut(p, " ")
		if rest, ok := strings.CutPrefix(path, v0+"/"); ok && !strings.HasPrefix(rest, "sdk/") {
			out = append(out, method+" /"+rest)
		}
	}
	return out
}

// TestAdminAuthorizationTableCoversRoutes: every admin route the server
// registers has a row in the table, and every row is a registered route
// (the list comes from the server's own registration, so a new route
// cannot be missed). Each route also refuses a request without a token,
// so nothing registered under the admin paths is left public.
func TestAdminAuthorizationTableCoversRoutes(t *testing.T) {
	h := newHarness(t)
	registered := adminRoutes(t, h)
	have := map[string]bool{}
	for _, r := range authzRows() {
		if have[r.method+" "+r.pattern] {
			t.Errorf("two rows for %s %s", r.method, r.pattern)
		}
		have[r.method+" "+r.pattern] = true
	}
	var missing []string
	for _, key := range registered {
		if !have[key] {
			missing = append(missing, key)
		}
		delete(have, key)
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("admin routes without a row in the authorization table:\n%s", strings.Join(missing, "\n"))
	}
	for key := range have {
		t.Errorf("row %s names no registered route", key)
	}
	if len(registered) < 100 {
		t.Errorf("only %d admin routes registered: the route list was not read", len(registered))
	}
	param := regexp.MustCompile(`\{[^}]+\}`)
	for _, key := range registered {
		method, pattern, _ := strings.Cut(key, " ")
		path := param.ReplaceAllString(pattern, randomUUID)
		res := h.send(t, request{method: method, path: v0 + path, body: map[string]any{}})
		if res.status != 401 {
			t.Errorf("%s %s without a token: status %d, want 401; body %s", method, pattern, res.status, truncate(res.raw, 200))
		}
	}
}
