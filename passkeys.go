package dynamicauth

import (
	"context"
	"encoding/json"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/passkey"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// SetPasskeySettings sets an environment's passkey settings, its
// security.passkeys (see passkey.Settings): the user verification every
// ceremony asks for (required is also enforced on the answers) and how
// many passkeys a user may have. A zero member is left out of the
// settings, so Config.Passkeys decides it. p needs write access to the
// environment's settings. Passkeys().Settings reads them back as applied.
func (a *Auth) SetPasskeySettings(ctx context.Context, p *Principal, envID string, s passkey.Settings) error {
	env, err := a.tenants.GetEnvironment(ctx, p, envID, tenant.ScopeSettingsWrite)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(env.Settings, &doc); err != nil {
		return errs.Internal("read settings", err)
	}
	if err := passkey.SetSettings(doc, s); err != nil {
		return err
	}
	_, err = a.tenants.UpdateSettings(ctx, p, env.ID, doc)
	return err
}

// SignInWithPasskey signs in the user whose passkey made an assertion
// (POST users/passkeys/signin without HTTP): req.Body is the
// authenticator's answer, as the SDK posts it, to the challenge of
// Passkeys().BeginSignIn; each challenge serves once. The session is
// MFA-pending when the environment asks for a second factor the passkey
// does not count as.
func (a *Auth) SignInWithPasskey(ctx context.Context, req signin.PasskeyRequest) (*signin.Result, error) {
	return a.signin.PasskeySignIn(ctx, req)
}
