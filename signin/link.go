package signin

import (
	"context"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// LinkWrite is a verified wallet joining the signed-in user's account.
type LinkWrite struct {
	EnvironmentID string
	UserID        string
	Nonces        []string
	Now           time.Time
	Credential    users.Credential
	// Transfer moves the credential from another user (after the user
	// confirmed it); without it such a credential fails the link with
	// users.ErrWalletOwnedElsewhere (reassign_wallet_confirm), or
	// users.ErrTransferLeavesNoSignIn when it is that user's only way to
	// sign in (users.OwnedByAnother tells either).
	Transfer bool
	// AllowEmptyAccount lets a transfer take another user's last way to
	// sign in.
	AllowEmptyAccount bool
	// Event is the event a new link records ("" is wallet.linked).
	Event string
	// Profile, if set, is copied to the user's profile with the link (a
	// verified email becomes the user's email).
	Profile *NewUserProfile
	// OAuthTokens, if set, replace the provider tokens kept for the
	// (oauth) credential, in the same transaction.
	OAuthTokens *social.SealedTokens
	// Proof, if set, is the step-up proof the link takes, spent first in
	// its transaction: none serving refuses the link (mfa.ErrProofRefused)
	// before anything else, and a link refused otherwise leaves a
	// single-use token unspent.
	Proof *mfa.TokenUse
	// Code, if set, is the verification whose code proved the credential
	// (otp.Service.Prove), consumed in the link's transaction after the
	// Proof: one consumed already refuses the link with otp.UsedError,
	// and a link refused leaves the code good.
	Code *otp.Verification
	// ClaimClearedFrom is set by the store: the user whose unproved claim
	// of Profile's email it cleared (NewUserProfile), "" for none.
	ClaimClearedFrom string
	// TransferredFrom is set by the store: the user a Transfer took the
	// credential from, "" when it was nobody's or already the user's.
	TransferredFrom string
}

// LinkStore is the persistence of linking, unlinking and selecting.
type LinkStore interface {
	// LinkCredential spends the write's Proof, consumes the nonces and
	// attaches the credential to the user, all or nothing, and returns
	// the updated user.
	LinkCredential(ctx context.Context, w *LinkWrite) (*users.User, error)
	// UnlinkCredential removes one of the user's credentials, refusing the
	// last one they can sign in with.
	UnlinkCredential(ctx context.Context, userID, credentialID string, now time.Time) (*users.User, error)
	// SelectCredential marks one of the user's wallets as the selected one.
	SelectCredential(ctx context.Context, userID, credentialID string, now time.Time) (*users.User, error)
}

// LinkOptions change how LinkWallet treats a wallet another user owns.
// The zero value is a plain link (POST /verify/link).
type LinkOptions struct {
	// Transfer moves the wallet from its current owner (POST
	// /verify/transfer) instead of offering an account merge.
	Transfer bool
	// AllowEmptyAccount lets a transfer leave the previous owner with no
	// credential to sign in with.
	AllowEmptyAccount bool
}

// LinkWallet adds a wallet the signed-in user proved control of (POST
// /verify/link, /wallets/verify; /verify/transfer with opt.Transfer). The
// session stays; its tokens are re-issued with the new credential.
func (s *Service) LinkWallet(ctx context.Context, cur *Current, req WalletRequest, opt LinkOptions) (*Result, error) {
	if req.EnvironmentID != cur.Session.EnvironmentID {
		return nil, errs.Unauthorized("invalid or expired session token")
	}
	if err := s.mayStepUp(ctx, cur, req.Scopes, "a wallet"); err != nil {
		return nil, err
	}
	pr, err := s.proveWallet(ctx, req)
	if err != nil {
		return nil, err
	}
	if len(req.Scopes) > 0 {
		return s.walletStepUp(ctx, cur, pr, req)
	}
	if !opt.Transfer { // a wallet of an account with other credentials: merge (merge.go)
		if err := s.offerMerge(ctx, cur, pr); err != nil {
			return nil, err
		}
	}
	grants, err := s.decideCredential(ctx, pr.env.ID, cur.User, pr.credential)
	if err != nil {
		return nil, err
	}
	u, err := s.links.LinkCredential(ctx, &LinkWrite{EnvironmentID: pr.env.ID, UserID: cur.User.ID, Nonces: pr.nonces,
		Now: pr.now, Credential: pr.credential, Transfer: opt.Transfer, AllowEmptyAccount: opt.AllowEmptyAccount})
	if err != nil {
		return nil, err
	}
	a := session.AuthOf(cur.Claims)
	a.Grants = grants
	return s.issueFor(ctx, cur, u, req.IssuerHost, req.Origin, a)
}

// mayStepUp checks requestedScopes sent with a proof of a credential the
// user holds (a wallet signature, an email or SMS code) before the proof
// is spent: they must be token scopes, and such a proof steps up only a
// user with no second factor, who has nothing stronger (one who has must
// pass it: users/mfa/auth/*, with its requestedScopes). what names the
// proof in the refusal.
func (s *Service) mayStepUp(ctx context.Context, cur *Current, scopes []string, what string) error {
	if len(scopes) == 0 {
		return nil
	}
	if s.mfa == nil {
		return errs.Unprocessable(mfa.CodeInvalidScopes, "requestedScopes: elevated access tokens are not served (MFA is off on this server)", nil)
	}
	if err := mfa.CheckScopes(scopes); err != nil {
		return err
	}
	has, err := s.callerHasSecondFactor(ctx, cur)
	if err != nil {
		return err
	}
	if has {
		return errs.Unprocessable(mfa.CodeInvalidScopes,
			"requestedScopes: this user steps up with their MFA method (users/mfa/auth/*), not "+what, nil)
	}
	return nil
}

// walletStepUp answers a wallet proof that asked for requestedScopes
// (Dynamic's JS SDK's verifyWalletAccount with requestedScopes, posted to
// wallets/verify): stepUp, its nonces used up, nothing linked.
func (s *Service) walletStepUp(ctx context.Context, cur *Current, pr *proof, req WalletRequest) (*Result, error) {
	return s.stepUp(ctx, cur, &pr.credential, req.Scopes, req.IssuerHost, req.Origin, func() error {
		return s.store.ConsumeNonces(ctx, pr.env.ID, pr.nonces, pr.now)
	})
}

// stepUp answers a fresh proof of cred, which must be a credential the
// caller already holds, with their session's tokens re-issued and an
// elevatedAccessToken carrying scopes (mayStepUp checked them). spend, if
// set, runs once cred is found the caller's and uses up what the proof
// rests on (a refused step-up leaves a wallet's signed message good for a
// link).
func (s *Service) stepUp(ctx context.Context, cur *Current, cred *users.Credential, scopes []string, issuerHost, origin string,
	spend func() error) (*Result, error) {
	if cur.User.Same(cred) == nil {
		return nil, errs.Unprocessable(mfa.CodeInvalidScopes,
			"requestedScopes: only a credential this user has already can step up; link it first", nil)
	}
	if spend != nil {
		if err := spend(); err != nil {
			return nil, err
		}
	}
	res, err := s.reissue(ctx, cur, cur.User, issuerHost, origin)
	if err != nil {
		return nil, err
	}
	if res.ElevatedAccessToken, err = s.elevatedFor(ctx, cur, scopes); err != nil {
		return nil, err
	}
	return res, nil
}

// UnlinkWallet removes a credential from the signed-in user (POST
// /verify/unlink). The last credential they can sign in with stays, and
// a passkey that is a second factor is deleted only by DeletePasskey.
func (s *Service) UnlinkWallet(ctx context.Context, cur *Current, credentialID, issuerHost, origin string) (*Result, error) {
	c := cur.User.Credential(credentialID)
	if c == nil {
		return nil, errs.Unprocessable("forbidden_unlink_request", "verifiedCredentialId is not one of this user's credentials", nil)
	}
	if err := s.refusePasskeyFactorUnlink(ctx, cur, c); err != nil {
		return nil, err
	}
	u, err := s.links.UnlinkCredential(ctx, cur.User.ID, credentialID, s.now().UTC().Truncate(time.Millisecond))
	if err != nil {
		return nil, err
	}
	return s.reissue(ctx, cur, u, issuerHost, origin)
}

// ErrPasskeyFactorUnlink refuses verify/unlink of a passkey that is a
// second factor: its delete takes proof of a factor (DeletePasskey).
var ErrPasskeyFactorUnlink = errs.Forbidden("this credential is a passkey and passkeys are a second factor here: " +
	"delete it with DELETE users/passkeys/{id} and proof of a factor passed in this session")

// refusePasskeyFactorUnlink refuses to unlink the verified credential of
// a passkey where passkeys are a second factor: the unlink deletes the
// passkey with it, and DeletePasskey asks proof of a factor for that (a
// session alone must not strip a user's second factor).
func (s *Service) refusePasskeyFactorUnlink(ctx context.Context, cur *Current, c *users.Credential) error {
	if c.Format != users.FormatPasskey || s.mfa == nil {
		return nil
	}
	p, err := s.MFAPolicy(ctx, cur.Session.EnvironmentID)
	if err != nil {
		return err
	}
	if p.PasskeysAreFactors() {
		return ErrPasskeyFactorUnlink
	}
	return nil
}

// SelectWallet marks a wallet as the user's primary one (PUT
// /users/wallets/selection).
func (s *Service) SelectWallet(ctx context.Context, cur *Current, credentialID, issuerHost, origin string) (*Result, error) {
	c := cur.User.Credential(credentialID)
	if c == nil || c.Format != users.FormatBlockchain {
		return nil, errs.Unprocessable("invalid_wallet_id", "walletId is not one of this user's wallets", nil)
	}
	u, err := s.links.SelectCredential(ctx, cur.User.ID, credentialID, s.now().UTC().Truncate(time.Millisecond))
	if err != nil {
		return nil, err
	}
	return s.reissue(ctx, cur, u, issuerHost, origin)
}

// reissue signs fresh tokens for the caller's unchanged session after its
// user changed; an MFA-pending session stays pending.
func (s *Service) reissue(ctx context.Context, cur *Current, u *users.User, issuerHost, origin string) (*Result, error) {
	return s.issueFor(ctx, cur, u, issuerHost, origin, session.AuthOf(cur.Claims))
}

// issueFor signs tokens for the caller's session authenticated as a says.
// The caller's Origin becomes aud only if it is an allowed origin of the
// environment; otherwise the session keeps its audience.
func (s *Service) issueFor(ctx context.Context, cur *Current, u *users.User, issuerHost, origin string, a session.Auth) (*Result, error) {
	env, err := s.envs.GetEnvironment(ctx, cur.Session.EnvironmentID)
	if err != nil {
		return nil, err
	}
	aud := cur.Claims.Aud
	if origin != "" && origin != aud {
		ok, err := s.originListedIn(ctx, env, origin)
		if err != nil {
			return nil, err
		}
		if ok {
			aud = origin
		}
	}
	if !a.Grants.Decided { // access is decided anew at every re-issue
		g, err := s.decideUser(ctx, cur.Session.EnvironmentID, u)
		if err != nil {
			return nil, err
		}
		a.Grants = g
	}
	if a.Claims == nil && cur.Token != "" { // the sign-in's custom claims stay with the session
		c, err := session.CustomClaims(cur.Token)
		if err != nil {
			return nil, err
		}
		a.Claims = c
	}
	prof, err := s.profile(ctx, u)
	if err != nil {
		return nil, err
	}
	tokens, err := s.sessions.IssueAuth(ctx, prof, cur.Session, session.Issuer(s.issuerHost(issuerHost), cur.Session.EnvironmentID), aud, false, a)
	if err != nil {
		return nil, err
	}
	return &Result{User: u, Profile: prof, Session: cur.Session, Tokens: tokens, Auth: a, Cookie: s.settingsOf(env).cookie}, nil
}

// CredentialIDFromUnlink picks the credential an unlink request names:
// verifiedCredentialId, its old misspelling, or walletId.
func CredentialIDFromUnlink(verifiedCredentialID, misspelled, walletID string) string {
	for _, v := range []string{verifiedCredentialID, misspelled, walletID} {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// originListed reports whether origin is an allowed origin of envID.
func (s *Service) originListed(ctx context.Context, envID, origin string) (bool, error) {
	env, err := s.envs.GetEnvironment(ctx, envID)
	if err != nil {
		return false, err
	}
	return s.originListedIn(ctx, env, origin)
}

// originListedIn is originListed of an environment already read.
func (s *Service) originListedIn(ctx context.Context, env *tenant.Environment, origin string) (bool, error) {
	origins, err := s.envs.ListOrigins(ctx, env.ID)
	if err != nil {
		return false, err
	}
	return tenant.OriginListed(origins, env, origin), nil
}
