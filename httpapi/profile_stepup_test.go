package httpapi_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/delivery"
	"github.com/dynamicauth/dynamicauth/delivery/deliverytest"
	"github.com/dynamicauth/dynamicauth/mfa/mfatest"
	"github.com/dynamicauth/dynamicauth/ratelimit"
	"github.com/ethereum/go-ethereum/crypto"
)

// TestRefusedProfileUpdateKeepsTheProof: with user.update's step-up
// required and its tokens single-use, a PUT /users the write refuses (a
// username another user holds) spends neither the elevatedAccessToken
// nor the mfaToken it came with, and starts no verification of the new
// email it named (no code sent, none stored): the same token then passes
// a valid change, once. Two changes racing with one token: one passes.
func TestRefusedProfileUpdateKeepsTheProof(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testRefusedUpdateKeepsProof(t, backend) })
	}
}

func testRefusedUpdateKeepsProof(t *testing.T, backend string) {
	h, box := newCodeHarness(t, backend)
	env := h.ids.EnvironmentID
	sdk := "/sdk/" + env
	h.enableCodes(t, env, nil, "emailOnly")
	h.mfSetMFA(t, map[string]any{"enabled": true})
	other, _ := crypto.GenerateKey()
	st, res := h.do(t, "PUT", sdk+"/users", str(t, h.mfSignIn(t, other), "minifiedJwt"), map[string]any{"username": "taken_name"})
	wantStatus(t, "another user takes a username", st, 200, res)
	h.requireUpdateStepUp(t)
	key, _ := crypto.GenerateKey()
	full := str(t, h.mfSignIn(t, key), "minifiedJwt")
	secret, _ := h.mfEnroll(t, full)
	st, res = h.do(t, "POST", sdk+"/users/mfa/auth/totp", full, map[string]any{"code": mfatest.Code(t, secret, 0),
		"requestedScopes": []string{"user:update"}, "createMfaToken": map[string]any{"singleUse": true}})
	wantStatus(t, "auth/totp for user:update and an mfaToken", st, 200, res)
	elevated, mfaToken, tok := str(t, res, "elevatedAccessToken"), str(t, res, "mfaToken"), str(t, res, "minifiedJwt")
	put := func(header string, proof string, body map[string]any) *response {
		return h.send(t, request{method: "PUT", path: v0 + sdk + "/users", token: tok, body: body,
			header: map[string]string{header: proof}})
	}
	const elevatedHeader, mfaHeader = "X-Dyn-Elevated-Access-Token", "X-Mfa-Auth-Token"
	taken := map[string]any{"metadata": map[string]any{"plan": "gold"}, "username": "taken_name"}
	valid := map[string]any{"metadata": map[string]any{"plan": "gold"}}

	for _, p := range []struct{ what, header, proof string }{
		{"elevatedAccessToken", elevatedHeader, elevated},
		{"mfaToken", mfaHeader, mfaToken},
	} {
		r := put(p.header, p.proof, taken)
		wantError(t, "PUT /users with a taken username and an "+p.what, r.status, r.json, 422)
		wantEq(t, r.json, "code", "username_already_exists")
		if p.header == elevatedHeader {
			sent := len(box.Emails())
			r = put(p.header, p.proof, map[string]any{"email": "new@example.com", "username": "taken_name"})
			wantError(t, "PUT /users with a new email and a taken username", r.status, r.json, 422)
			wantEq(t, r.json, "code", "username_already_exists")
			if n := len(box.Emails()); n != sent {
				t.Fatalf("a refused change sent %d codes", n-sent)
			}
			// Every verification stored so far, expired or not, is purged
			// and counted: none was.
			if n, err := h.store.DeleteExpiredVerifications(t.Context(), time.Now().Add(24*time.Hour)); err != nil || n != 0 {
				t.Fatalf("a refused change stored %d verifications (%v)", n, err)
			}
		}
		r = put(p.header, p.proof, valid)
		wantStatus(t, "the same "+p.what+" with a valid change", r.status, 200, r.json)
		wantEq(t, r.json, "user.metadata.plan", "gold")
		r = put(p.header, p.proof, valid)
		wantError(t, "the "+p.what+" again (single-use)", r.status, r.json, 403)
	}

	st, res = h.do(t, "POST", sdk+"/users/mfa/auth/totp", full, map[string]any{"code": mfatest.Code(t, secret, 1),
		"requestedScopes": []string{"user:update"}})
	wantStatus(t, "auth/totp for user:update", st, 200, res)
	elevated, tok = str(t, res, "elevatedAccessToken"), str(t, res, "minifiedJwt")
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i := range statuses {
		wg.Go(func() {
			statuses[i] = put(elevatedHeader, elevated, map[string]any{"metadata": map[string]any{"racer": i}}).status
		})
	}
	wg.Wait()
	if !(statuses[0] == 200 && statuses[1] == 403 || statuses[0] == 403 && statuses[1] == 200) {
		t.Fatalf("two changes with one single-use token answered %v, want one 200 and one 403", statuses)
	}
}

// flakyMailer is a Box that refuses every email while down.
type flakyMailer struct {
	*deliverytest.Box
	down atomic.Bool
}

func (m *flakyMailer) SendEmail(ctx context.Context, e delivery.Email) error {
	if m.down.Load() {
		return errors.New("smtp: connection refused")
	}
	return m.Box.SendEmail(ctx, e)
}

// TestProfileChangeStandsWhenItsCodeIsNotSent: the code of a new email a
// PUT /users names is sent after the change is committed, so a mailer
// down then refuses nothing: the change stands and answers verify-email
// with its verification, whose code a retry sends once the mailer is up.
func TestProfileChangeStandsWhenItsCodeIsNotSent(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			m := &flakyMailer{Box: &deliverytest.Box{}}
			h := newHarnessWith(t, backend, func(c *dynamicauth.Config) {
				c.Mailer = m
				c.RateLimits = &ratelimit.Policy{Disabled: true}
			})
			sdk := "/sdk/" + h.ids.EnvironmentID
			h.enableCodes(t, h.ids.EnvironmentID, nil, "emailOnly")
			key, _ := crypto.GenerateKey()
			tok := str(t, h.mfSignIn(t, key), "minifiedJwt")
			m.down.Store(true)
			st, res := h.do(t, "PUT", sdk+"/users", tok, map[string]any{"email": "new@example.com", "firstName": "Ada"})
			wantStatus(t, "PUT /users with a new email, the mailer down", st, 200, res)
			wantEq(t, res, "nextView", "verify-email")
			wantEq(t, res, "user.firstName", "Ada")
			vid := str(t, res, "emailVerification.verificationUUID")
			m.down.Store(false)
			st, res = h.do(t, "POST", sdk+"/emailVerifications/retry", "", map[string]any{"email": "new@example.com", "verificationUUID": vid})
			wantStatus(t, "retry, the mailer up", st, 200, res)
			st, res = h.do(t, "POST", sdk+"/emailVerifications/verify", tok, map[string]any{"verificationUUID": vid,
				"verificationToken": m.Code(t, "new@example.com")})
			wantStatus(t, "verify the new email", st, 200, res)
			wantEq(t, res, "user.email", "new@example.com")
		})
	}
}
