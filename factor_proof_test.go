package dynamicauth_test

import (
	"sync"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/mfa/mfatest"
	"github.com/dynamicauth/dynamicauth/passkey/passkeytest"
	"github.com/dynamicauth/dynamicauth/signin"
)

// TestRefusedTOTPRegistrationKeepsTheProof: adding a TOTP device to a
// user who has one takes proof of a factor (mayAddFactor), spent with the
// new device's insert: a registration refused (the most TOTP devices
// allowed) leaves a single-use mfaToken unspent, so the same token then
// registers a device once; of two registrations racing with one
// single-use token, one passes.
func TestRefusedTOTPRegistrationKeepsTheProof(t *testing.T) {
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		setMFA(t, app, map[string]any{"enabled": true})
		w := dynamicauthtest.NewWallet(t)
		secret := enrollTOTP(t, app, app.SignIn(t, w).MinifiedJWT)
		res, err := app.PassTOTP(ctx, env, app.SignIn(t, w).MinifiedJWT, signin.MFARequest{Code: mfatest.Code(t, secret, 0),
			MFAToken: true, SingleUse: true, Scopes: []string{"credential:link", "credential:unlink"}})
		if err != nil || res.MFAToken == "" || res.ElevatedAccessToken == "" {
			t.Fatalf("PassTOTP: %+v, %v", res, err)
		}
		up, once := res.Tokens.MinifiedJWT, dynamicauth.MFAProof{MFAToken: res.MFAToken}
		timeBound := dynamicauth.MFAProof{ElevatedAccessToken: res.ElevatedAccessToken}
		var last string
		for range 4 { // up to the limit of 5 verified TOTP devices
			en, err := app.RegisterTOTP(ctx, env, up, timeBound)
			if err != nil {
				t.Fatalf("RegisterTOTP with a time-bound proof: %v", err)
			}
			d, err := app.ConfirmTOTP(ctx, env, up, mfatest.Code(t, en.Secret, -1))
			if err != nil {
				t.Fatal(err)
			}
			last = d.ID
		}

		if _, err := app.RegisterTOTP(ctx, env, up, once); !errs.Is(err, errs.KindUnprocessable) {
			t.Fatalf("a sixth TOTP device: %v, want the limit's refusal", err)
		}
		if err := app.DeleteMFADevice(ctx, env, up, last, timeBound); err != nil {
			t.Fatal(err)
		}
		if _, err := app.RegisterTOTP(ctx, env, up, once); err != nil {
			t.Fatalf("the same single-use token after the refused registration: %v", err)
		}
		if _, err := app.RegisterTOTP(ctx, env, up, once); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("the single-use token again: %v", err)
		}

		res, err = app.PassTOTP(ctx, env, up, signin.MFARequest{Code: mfatest.Code(t, secret, 1), MFAToken: true, SingleUse: true})
		if err != nil {
			t.Fatal(err)
		}
		race := dynamicauth.MFAProof{MFAToken: res.MFAToken}
		passed := racing(t, 2, func() error {
			_, err := app.RegisterTOTP(ctx, env, up, race)
			return err
		})
		if passed != 1 {
			t.Fatalf("%d registrations passed with one single-use token", passed)
		}
	})
}

// TestRefusedPasskeyRegistrationKeepsTheProof: where passkeys are a
// second factor, another passkey takes proof of a factor (mayAddFactor),
// spent with the passkey's insert: a registration refused (an attestation
// for another origin, a credential registered already, the
// environment's maxPasskeysPerUser) leaves a single-use mfaToken
// unspent, so the same token then registers a passkey once; of two
// registrations racing with one single-use token, one passes.
func TestRefusedPasskeyRegistrationKeepsTheProof(t *testing.T) {
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		w := dynamicauthtest.NewWallet(t)
		u, first := passkeyUser(t, app, w)
		token := app.SignIn(t, w).MinifiedJWT
		newAuthenticator := func() *passkeytest.Authenticator {
			t.Helper()
			a, err := passkeytest.New("localhost", app.Origin)
			if err != nil {
				t.Fatal(err)
			}
			a.UserHandle = []byte(u.ID)
			return a
		}
		answer := func(a *passkeytest.Authenticator) []byte { return passkeyAttestation(t, app, token, a) }
		register := func(body []byte, proof signin.Proof) error {
			_, err := app.RegisterPasskey(ctx, env, token, signin.PasskeyRequest{Body: body, Origin: app.Origin, Proof: proof})
			return err
		}
		if err := register(answer(first), signin.Proof{}); err != nil {
			t.Fatalf("the first passkey: %v", err)
		}
		setMFA(t, app, map[string]any{"enabled": true})
		singleUse := func() signin.Proof { return signin.Proof{MFAToken: passkeyMFAToken(t, app, token, first)} }
		once := singleUse()

		evil := newAuthenticator()
		evil.Origin = "http://evil.example"
		if err := register(answer(evil), once); err == nil || errs.Is(err, errs.KindForbidden) {
			t.Fatalf("an attestation made for another origin: %v, want its refusal", err)
		}
		if err := register(answer(first), once); err == nil || errs.Is(err, errs.KindForbidden) {
			t.Fatalf("a registered credential again: %v, want its refusal", err)
		}
		over := answer(newAuthenticator()) // options asked for under the old limit
		setSecurity(t, app, "passkeys", map[string]any{"maxPasskeysPerUser": 1.0})
		if err := register(over, once); !errs.Is(err, errs.KindUnprocessable) {
			t.Fatalf("a passkey over maxPasskeysPerUser: %v, want its refusal", err)
		}
		setSecurity(t, app, "passkeys", map[string]any{"maxPasskeysPerUser": 10.0})
		if err := register(answer(newAuthenticator()), once); err != nil {
			t.Fatalf("the same single-use token after the refused registrations: %v", err)
		}
		if err := register(answer(newAuthenticator()), once); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("the single-use token again: %v", err)
		}

		race := singleUse()
		bodies := make(chan []byte, 2)
		for range cap(bodies) {
			bodies <- answer(newAuthenticator())
		}
		passed := racing(t, cap(bodies), func() error { return register(<-bodies, race) })
		if passed != 1 {
			t.Fatalf("%d registrations passed with one single-use token", passed)
		}
	})
}

// racing runs n calls of f at once and counts those that passed; a call
// may fail with forbidden only (the proof spent by another).
func racing(t *testing.T, n int, f func() error) int {
	t.Helper()
	var wg sync.WaitGroup
	errc := make(chan error, n)
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			errc <- f()
		})
	}
	close(start)
	wg.Wait()
	close(errc)
	passed := 0
	for err := range errc {
		switch {
		case err == nil:
			passed++
		case !errs.Is(err, errs.KindForbidden):
			t.Errorf("a racing call: %v, want success or forbidden", err)
		}
	}
	return passed
}
