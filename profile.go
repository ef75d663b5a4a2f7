package dynamicauth

import (
	"context"

	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/users"
)

// The signed-in user's own account without HTTP: the /sdk/{env}/users
// routes, an email or phone number added by its code, and the step-up
// check. Each method takes the end user's session token (the
// minifiedJwt), needs a full session (an MFA-pending one is refused with
// signin.ErrMFAPending) and acts as that user only. Users() does the same
// with the admin API's rules, for a principal.

// Profile returns the session's user with the profile fields the
// environment requires and they have not filled in (GET /users).
func (a *Auth) Profile(ctx context.Context, envID, sessionToken string) (*users.Profile, error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return nil, err
	}
	return a.profiles.Profile(ctx, cur.User)
}

// ProfileOptions are what UpdateProfile takes besides the change.
type ProfileOptions struct {
	// Proof is the recent second factor the change takes when the
	// environment's MFA actions require a step-up for user.update: an
	// elevatedAccessToken with user:update, or an mfaToken, from a Pass*
	// call (or LinkWallet/VerifyCode with Scopes, for a user with no
	// second factor) in the same session. A single-use token is spent
	// with the change, in its transaction: a refused change leaves it.
	Proof MFAProof
	// Client is the end user's rate-limit key (their IP) for the code a
	// new email or phone number is sent; calls without one share a limit.
	Client string
}

// ProfileUpdate is what UpdateProfile did: the session's tokens re-issued
// for the updated user, and whether a new address waits for its code
// (NextView, Verification).
type ProfileUpdate = signin.SelfUpdated

// UpdateProfile applies the session's user's change to their own profile
// and metadata, all or nothing, and re-issues the session's tokens (PUT
// /users): in.Fields are standard fields by name (email, alias,
// firstName, lastName, jobTitle, phoneNumber, tShirtSize, team, country,
// username; nil clears one), in.Metadata a shallow patch, and
// in.BackupCodeAck the recovery codes' acknowledgement (mfa.AckPending or
// mfa.AckComplete, else invalid, as PUT /users' own). The
// environment's rules apply as over HTTP: a step-up for user.update
// (opts.Proof, else 403 with nothing changed), required and unique
// fields, and a new sign-in email or phone number verified before it is
// stored (one at a time; its code is sent once the change is committed,
// so a refused change sends none).
func (a *Auth) UpdateProfile(ctx context.Context, envID, sessionToken string, in users.ProfileInput, opts ProfileOptions) (*ProfileUpdate, error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return nil, err
	}
	return a.signin.UpdateSelf(ctx, cur, signin.SelfUpdate{Input: in, StepUp: len(in.Fields) > 0 || len(in.Metadata) > 0,
		Proof: opts.Proof.signin(), Client: opts.Client})
}

// VerifyCode adds the email or phone number a code proved to the
// session's user, or confirms it, making it their profile's, and
// re-issues the session's tokens ({email,sms}Verifications/verify): the
// signed-in counterpart of SignInWithCode, and how an UpdateProfile that
// answered verify-email or verify-sms ends. With req.Scopes, a code to
// one of the user's own addresses earns an ElevatedAccessToken instead,
// linking nothing (the step-up of a user with no second factor). An
// address another user holds is refused (email_already_exists,
// user_has_already_account_with_phone_number); a code that a call of
// another session started needs req.Elevated with user:update where the
// environment requires that step-up.
func (a *Auth) VerifyCode(ctx context.Context, envID, sessionToken string, req signin.CodeRequest) (*signin.Result, error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return nil, err
	}
	req.EnvironmentID = envID
	return a.signin.CodeVerify(ctx, cur, req)
}

// DeleteAccount deletes the session's user for good, with their
// credentials and sessions (DELETE /users): every token of theirs is
// refused at once, by the SDK routes and by Verifier.
func (a *Auth) DeleteAccount(ctx context.Context, envID, sessionToken string) error {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return err
	}
	return a.profiles.DeleteUser(ctx, cur.User)
}

// CheckStepUp tells whether an action under scope (a token scope such as
// user:update or credential:link) needs a step-up for the session's user
// in this environment, and lists the factors they can pass for it: MFA
// devices, verified emails and passkeys, or, for a user with none, their
// wallets (POST stepUp/check).
func (a *Auth) CheckStepUp(ctx context.Context, envID, sessionToken, scope string) (*signin.StepUp, error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return nil, err
	}
	return a.signin.CheckStepUp(ctx, cur, scope)
}

// CheckAvailable tells whether value is free for the session's user to
// take (GET users/check): field is users.CheckEmail, users.CheckUsername
// or the name of a unique custom field; the user's own value counts as
// free. An app asks before UpdateProfile, which refuses a taken one.
func (a *Auth) CheckAvailable(ctx context.Context, envID, sessionToken, field, value string) (bool, error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return false, err
	}
	return a.profiles.CheckAvailable(ctx, cur.User, field, value)
}
