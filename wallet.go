package dynamicauth

import (
	"context"

	"github.com/dynamicauth/dynamicauth/signin"
)

// Wallet sign-in and the session's own routes without HTTP: an
// application that receives a wallet's signed message on an endpoint of
// its own (a native app's backend, a server-rendered page) gets the
// session, tokens, hooks, access, sanctions and MFA rules of POST
// /sdk/{env}/verify. The nonce in the message comes from IssueNonces (or
// GET /sdk/{env}/nonces); each is taken once. req.Origin, when set, is
// checked and names the tokens' audience as the Origin header does.

// SignInWithWallet verifies a signed sign-in message (EIP-4361 on EVM,
// its Solana form, EIP-1271/6492 smart wallets) and signs its wallet's
// user in, creating them at the first sign-in: POST /verify without HTTP.
func (a *Auth) SignInWithWallet(ctx context.Context, req signin.WalletRequest) (*signin.Result, error) {
	return a.signin.WalletSignIn(ctx, req)
}

// LinkWallet adds the wallet of a signed message to the session's user
// (POST /verify/link), or, with req.Scopes, re-proves a wallet the user
// already has and earns an ElevatedAccessToken with those scopes,
// linking nothing (the step-up of a user with no second factor). A
// wallet another user holds is refused with the merge the SDK offers.
func (a *Auth) LinkWallet(ctx context.Context, envID, sessionToken string, req signin.WalletRequest) (*signin.Result, error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return nil, err
	}
	req.EnvironmentID = envID
	return a.signin.LinkWallet(ctx, cur, req, signin.LinkOptions{})
}

// TransferOptions change how TransferWallet treats the wallet's
// current owner.
type TransferOptions struct {
	// AllowEmptyAccount lets the transfer take the previous owner's last
	// way to sign in (the route's skipEmptyAccountCheck). Without it, such
	// a transfer is refused with users.ErrTransferLeavesNoSignIn and
	// nothing moves.
	AllowEmptyAccount bool
}

// TransferWallet moves the wallet of a signed message from the user who
// holds it to the session's user (POST /verify/transfer): what an
// application calls once its user confirmed the move LinkWallet refused
// with users.ErrWalletOwnedElsewhere (reassign_wallet_confirm). Unlike a
// link it offers no merge; access, sanctions and the nonce are checked as
// for a link, and the tokens are re-issued with the wallet.
func (a *Auth) TransferWallet(ctx context.Context, envID, sessionToken string, req signin.WalletRequest, opts TransferOptions) (*signin.Result, error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return nil, err
	}
	req.EnvironmentID = envID
	return a.signin.LinkWallet(ctx, cur, req, signin.LinkOptions{Transfer: true, AllowEmptyAccount: opts.AllowEmptyAccount})
}

// UnlinkCredential removes one of the session's user's verified
// credentials (a wallet, an email, a social account; its id is the
// credential's ID) and re-issues the session's tokens without it (POST
// /verify/unlink). A credential of another user is refused with
// users.ErrNotOwnCredential's code, the last one the user can sign in
// with stays (users.ErrLastSignInCredential), and a passkey's, where
// passkeys are a second factor, is refused with
// signin.ErrPasskeyFactorUnlink (DeletePasskey takes it, with proof).
func (a *Auth) UnlinkCredential(ctx context.Context, envID, sessionToken, credentialID string) (*signin.Result, error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return nil, err
	}
	return a.signin.UnlinkWallet(ctx, cur, credentialID, "", "")
}

// SelectWallet makes one of the session's user's wallets (by its
// credential's ID) the selected one, which users.User.PrimaryWallet
// names from then on, and re-issues the session's tokens (PUT
// /users/wallets/selection).
// Anything but one of the user's own wallets is refused with
// invalid_wallet_id.
func (a *Auth) SelectWallet(ctx context.Context, envID, sessionToken, walletID string) (*signin.Result, error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return nil, err
	}
	return a.signin.SelectWallet(ctx, cur, walletID, "", "")
}

// RefreshSession re-issues the session's tokens and extends it (POST
// /refresh): access is decided again first, so a wallet that sold the
// gated NFT loses the gate's scope and a blocked one gets nothing.
func (a *Auth) RefreshSession(ctx context.Context, envID, sessionToken string) (*signin.Result, error) {
	cur, err := a.current(ctx, envID, sessionToken, anySession)
	if err != nil {
		return nil, err
	}
	return a.signin.Refresh(ctx, cur, nil, "", "")
}

// SignOut revokes the session (POST /revoke): its tokens are refused at
// once by the SDK routes and by Verifier.
func (a *Auth) SignOut(ctx context.Context, envID, sessionToken string) error {
	cur, err := a.current(ctx, envID, sessionToken, anySession)
	if err != nil {
		return err
	}
	return a.signin.Revoke(ctx, cur)
}
