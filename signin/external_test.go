package signin_test

import (
	"context"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/externaljwt"
	"github.com/dynamicauth/dynamicauth/externaljwt/externaljwttest"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
)

// externalFixture is a fixture whose environment accepts the JWTs of
// idp (externalAuth, with MFA served for assertions); the external
// verifier tolerates the default 30 s of clock skew.
func externalFixture(t *testing.T) (*fixture, *externaljwttest.IdP) {
	t.Helper()
	idp := externaljwttest.New(t)
	var f *fixture
	f = newFixtureWith(t, func(d *signin.Deps, st *sqlite.Store) {
		keys, err := secrets.New(make([]byte, 32))
		if err != nil {
			t.Fatal(err)
		}
		now := func() time.Time { return f.clock.now() }
		d.External = externaljwt.New(externaljwt.Deps{Now: now, AllowPrivate: true}) // the IdP is on loopback
		d.MFA = mfa.New(mfa.Deps{Store: st, Secrets: keys, Now: now})
	})
	f.setSecurity(t, "externalAuth", map[string]any{"enabled": true, "iss": externaljwttest.Issuer, "aud": externaljwttest.Audience,
		"jwksUrl": idp.URL})
	return f, idp
}

// TestExternalAssertionNotReplayedWithinLeeway: an assertion's jti is
// accepted once for as long as the verifier accepts the token, which is
// past its exp by the clock-skew leeway. Forgetting the jti at exp (the
// nonce purge deletes it then) let the same assertion mint a second
// elevatedAccessToken during the leeway.
func TestExternalAssertionNotReplayedWithinLeeway(t *testing.T) {
	for name, after := range map[string]time.Duration{
		"at once":                      0,
		"just past exp, within leeway": 61 * time.Second,
		"in the leeway's last second":  89 * time.Second,
		"at the end of the leeway":     90 * time.Second,
	} {
		t.Run(name, func(t *testing.T) {
			f, idp := externalFixture(t)
			ctx := context.Background()
			env := f.ids.EnvironmentID
			now := f.clock.now()
			res, err := f.svc.ExternalSignIn(ctx, signin.ExternalRequest{EnvironmentID: env, Origin: "http://localhost:3000",
				JWT: idp.Token(t, map[string]any{"exp": now.Add(time.Hour).Unix()})})
			if err != nil {
				t.Fatal(err)
			}
			assertion := idp.Token(t, map[string]any{"scope": "credential:link", "jti": "assertion-1",
				"exp": now.Add(time.Minute).Unix()})
			cur, err := f.svc.Authenticate(ctx, env, res.Tokens.MinifiedJWT)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.ExternalVerify(ctx, cur, assertion); err != nil {
				t.Fatalf("first use of the assertion: %v", err)
			}
			f.clock.advance(after)
			if _, err := f.svc.PurgeExpiredNonces(ctx); err != nil {
				t.Fatal(err)
			}
			if cur, err = f.svc.Authenticate(ctx, env, res.Tokens.MinifiedJWT); err != nil {
				t.Fatal(err)
			}
			if elevated, err := f.svc.ExternalVerify(ctx, cur, assertion); err == nil {
				t.Fatalf("the assertion was accepted again %s after its first use: a second elevated token %.20s…", after, elevated)
			}
		})
	}
}

// TestExternalSessionEndsWithItsToken: a session signed in with an
// external JWT ends, refreshes included, when the token expires. A token
// presented in the leeway after its exp skipped that cap: whoever held
// any token of the application could wait for it to expire and get a
// session of the full lifetime, refreshable for 30 days.
func TestExternalSessionEndsWithItsToken(t *testing.T) {
	for name, exp := range map[string]time.Duration{
		"valid for five more minutes":    5 * time.Minute,
		"expired ten seconds ago":        -10 * time.Second,
		"expiring this very instant":     0,
		"expired at the leeway's margin": -29 * time.Second,
	} {
		t.Run(name, func(t *testing.T) {
			f, idp := externalFixture(t)
			ctx := context.Background()
			until := f.clock.now().Add(exp)
			res, err := f.svc.ExternalSignIn(ctx, signin.ExternalRequest{EnvironmentID: f.ids.EnvironmentID,
				Origin: "http://localhost:3000", JWT: idp.Token(t, map[string]any{"exp": until.Unix()})})
			if err != nil {
				if exp > 0 {
					t.Fatal(err)
				}
				return // refused: no session at all outlives the token
			}
			if res.Session.ExpiresAt.After(until) || res.Session.RefreshExpiresAt.After(until) {
				t.Fatalf("token expiring at %s gave a session until %s, refreshable until %s", until,
					res.Session.ExpiresAt, res.Session.RefreshExpiresAt)
			}
		})
	}
}
