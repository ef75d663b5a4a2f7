package passkey

import (
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/go-webauthn/webauthn/protocol"
)

// withSettings stores ProjectSettings on the fixture's environment.
func (f *fixture) withSettings(t *testing.T, settings string) {
	t.Helper()
	f.envs.env.Settings = []byte(settings)
}

// An environment that requires user verification asks for it in every
// ceremony and refuses an answer whose UV flag is unset: an attacker with
// the authenticator but not its PIN or biometric cannot sign in.
func TestRequiredUserVerificationIsEnforced(t *testing.T) {
	f := newFixture(t)
	a := f.register(t, "clientDataJSON") // registered while UV was preferred
	f.withSettings(t, `{"security":{"passkeys":{"userVerification":"required"}}}`)
	ctx := context.Background()

	opts, err := f.s.BeginSignIn(ctx, envID, origin, "")
	if err != nil {
		t.Fatal(err)
	}
	if opts.UserVerification != protocol.VerificationRequired {
		t.Fatalf("sign-in options ask userVerification %q", opts.UserVerification)
	}
	a.NoUserVerification = true
	body, _ := a.Get(challengeOf(t, opts.Challenge))
	if _, err := f.s.FinishSignIn(ctx, envID, body); code(err) != codeVerifyFailure {
		t.Fatalf("assertion without UV in a required-UV environment: %v", err)
	}
	if _, err := f.stepUp(t, a); code(err) != codeVerifyFailure {
		t.Fatalf("step-up assertion without UV in a required-UV environment: %v", err)
	}
	a.NoUserVerification = false
	if _, err := f.signIn(t, a); err != nil {
		t.Fatalf("assertion with UV: %v", err)
	}

	reg, err := f.s.BeginRegistration(ctx, envID, f.user, origin, "")
	if err != nil {
		t.Fatal(err)
	}
	if reg.AuthenticatorSelection.UserVerification != protocol.VerificationRequired {
		t.Fatalf("creation options ask userVerification %q", reg.AuthenticatorSelection.UserVerification)
	}
	b, _ := newAuthenticator(t, f)
	b.NoUserVerification = true
	att, _ := b.Create(challengeOf(t, reg.Challenge), "clientDataJSON")
	if _, err := f.s.FinishRegistration(ctx, envID, f.user, att, ""); code(err) != codeVerifyFailure {
		t.Fatalf("registration without UV in a required-UV environment: %v", err)
	}
}

// Options issued while UV was preferred do not outlive a switch to
// required: the finish step applies the environment's setting as it is
// now.
func TestRequiredUserVerificationAppliesToOptionsIssuedBefore(t *testing.T) {
	f := newFixture(t)
	a := f.register(t, "clientDataJSON")
	ctx := context.Background()
	opts, err := f.s.BeginSignIn(ctx, envID, origin, "")
	if err != nil || opts.UserVerification != protocol.VerificationPreferred {
		t.Fatalf("default options: %+v %v", opts, err)
	}
	f.withSettings(t, `{"security":{"passkeys":{"userVerification":"required"}}}`)
	a.NoUserVerification = true
	body, _ := a.Get(challengeOf(t, opts.Challenge))
	if _, err := f.s.FinishSignIn(ctx, envID, body); code(err) != codeVerifyFailure {
		t.Fatalf("assertion without UV after the switch to required: %v", err)
	}
}

// Preferred and discouraged accept an authenticator that only tests
// presence, and say so in the options.
func TestUserVerificationNotRequiredAcceptsPresence(t *testing.T) {
	for _, uv := range []protocol.UserVerificationRequirement{protocol.VerificationPreferred, protocol.VerificationDiscouraged} {
		t.Run(string(uv), func(t *testing.T) {
			f := newFixture(t)
			f.withSettings(t, `{"security":{"passkeys":{"userVerification":"`+string(uv)+`"}}}`)
			a := f.register(t, "clientDataJSON")
			opts, err := f.s.BeginSignIn(context.Background(), envID, origin, "")
			if err != nil || opts.UserVerification != uv {
				t.Fatalf("options: %+v %v", opts, err)
			}
			a.NoUserVerification = true
			if _, err := f.signIn(t, a); err != nil {
				t.Fatalf("presence-only assertion: %v", err)
			}
		})
	}
}

// The environment's maxPasskeysPerUser replaces the server's default.
func TestMaxPasskeysPerUserPerEnvironment(t *testing.T) {
	f := newFixture(t) // the server default is 2
	f.withSettings(t, `{"security":{"passkeys":{"maxPasskeysPerUser":1}}}`)
	f.register(t, "clientDataJSON")
	if _, err := f.s.BeginRegistration(context.Background(), envID, f.user, origin, ""); code(err) != CodeMaxPasskeys {
		t.Fatalf("a second passkey over the environment's max of 1: %v", err)
	}
	f.withSettings(t, `{"security":{"passkeys":{"maxPasskeysPerUser":3}}}`)
	f.register(t, "clientDataJSON")
	f.register(t, "clientDataJSON") // a third, over the server default of 2
	if _, err := f.s.BeginRegistration(context.Background(), envID, f.user, origin, ""); code(err) != CodeMaxPasskeys {
		t.Fatalf("a fourth passkey over the environment's max of 3: %v", err)
	}
}

func TestCheckSettings(t *testing.T) {
	good := []map[string]any{
		{},
		{"security": map[string]any{}},
		{"security": map[string]any{"passkeys": map[string]any{}}},
		{"security": map[string]any{"passkeys": map[string]any{"userVerification": "required", "maxPasskeysPerUser": float64(1)}}},
		{"security": map[string]any{"passkeys": map[string]any{"userVerification": "discouraged", "maxPasskeysPerUser": float64(MaxPasskeysPerUserLimit)}}},
		{"security": map[string]any{"passkeys": map[string]any{"maxPasskeysPerUser": 1}}},
		{"security": map[string]any{"passkeys": map[string]any{"maxPasskeysPerUser": int64(MaxPasskeysPerUserLimit)}}},
		{"security": map[string]any{"passkeys": map[string]any{"maxPasskeysPerUser": uint8(7)}}},
		{"security": map[string]any{"passkeys": map[string]any{"maxPasskeysPerUser": json.Number("3")}}},
	}
	for _, s := range good {
		if err := CheckSettings(s); err != nil {
			t.Errorf("%v: %v", s, err)
		}
	}
	bad := []map[string]any{
		{"security": map[string]any{"passkeys": "on"}},
		{"security": map[string]any{"passkeys": map[string]any{"userVerification": "always"}}},
		{"security": map[string]any{"passkeys": map[string]any{"userVerification": true}}},
		{"security": map[string]any{"passkeys": map[string]any{"maxPasskeysPerUser": float64(0)}}},
		{"security": map[string]any{"passkeys": map[string]any{"maxPasskeysPerUser": float64(2.5)}}},
		{"security": map[string]any{"passkeys": map[string]any{"maxPasskeysPerUser": float64(MaxPasskeysPerUserLimit + 1)}}},
		{"security": map[string]any{"passkeys": map[string]any{"maxPasskeysPerUser": "3"}}},
		{"security": map[string]any{"passkeys": map[string]any{"maxPasskeysPerUser": 0}}},
		{"security": map[string]any{"passkeys": map[string]any{"maxPasskeysPerUser": MaxPasskeysPerUserLimit + 1}}},
		{"security": map[string]any{"passkeys": map[string]any{"maxPasskeysPerUser": uint64(math.MaxUint64)}}},
		{"security": map[string]any{"passkeys": map[string]any{"maxPasskeysPerUser": json.Number("2.5")}}},
		{"security": map[string]any{"passkeys": map[string]any{"maxPasskeysPerUser": math.NaN()}}},
		{"security": map[string]any{"passkeys": map[string]any{"maxPasskeysPerUser": math.Inf(1)}}},
		{"security": map[string]any{"passkeys": map[string]any{"maxPasskeysPerUser": true}}},
		{"security": map[string]any{"passkeys": map[string]any{"residentKey": "discouraged"}}},
	}
	for _, s := range bad {
		if err := CheckSettings(s); err == nil {
			t.Errorf("%v accepted", s)
		}
	}
}
