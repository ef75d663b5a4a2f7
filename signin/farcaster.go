package signin

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/farcaster"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// FarcasterRequest is a Sign In With Farcaster (farcaster/signin and
// /verify, FarcasterSignInRequest): the SIWF message the account's
// custody address signed, with the nonce and domain it must carry.
type FarcasterRequest struct {
	EnvironmentID    string
	Address          string // the custody address
	Domain           string
	Nonce            string
	Message          string
	Signature        string
	SessionPublicKey string
	Device           *DeviceProof
	Origin           string
	IssuerHost       string
	IP, UserAgent    string
}

// farcasterProof is what a verified SIWF message established.
type farcasterProof struct {
	env        *tenant.Environment
	credential users.Credential
	sessionKey string
	nonces     []string
	uri        string
}

// proveFarcaster runs every check of a SIWF message: the environment has
// Farcaster enabled, the message is SIWF and agrees with the request,
// it passes a wallet message's rules (allowed domain, fresh, this
// environment, a nonce this server issued and nobody used), the custody
// address signed it, and the ID registry says that address holds the fid.
// It writes nothing.
func (s *Service) proveFarcaster(ctx context.Context, req FarcasterRequest) (*farcasterProof, error) {
	if s.farcaster == nil {
		return nil, errs.Unprocessable("provider_not_available",
			"Farcaster sign-in needs an Optimism node: start the server with --evm-rpc 10=URL", nil)
	}
	switch {
	case len(req.Message) > maxMessageBytes:
		return nil, errs.Invalid("message: must be at most %d bytes", maxMessageBytes)
	case len(req.Signature) > maxSignatureBytes:
		return nil, errs.Invalid("signature: must be at most %d bytes", maxSignatureBytes)
	case len(req.Address) > maxNameLen || len(req.Domain) > maxNameLen || len(req.Nonce) > maxNameLen:
		return nil, errs.Invalid("address, domain and nonce: at most %d characters each", maxNameLen)
	case req.Address == "" || req.Domain == "" || req.Nonce == "" || req.Message == "" || req.Signature == "":
		return nil, errs.Invalid("address, domain, nonce, message and signature are required")
	}
	env, err := s.envs.GetEnvironment(ctx, req.EnvironmentID)
	if err != nil {
		return nil, err
	}
	if s.social == nil {
		return nil, social.ErrNotEnabled
	}
	if err := s.social.Enabled(ctx, env.ID, social.Farcaster); err != nil {
		return nil, err
	}
	msg, err := farcaster.ParseMessage(req.Message)
	if err != nil {
		return nil, errs.Unprocessable(codeVerifyFailure, err.Error(), nil)
	}
	switch {
	case !strings.EqualFold(req.Address, msg.Address):
		return nil, errs.Unprocessable("invalid_wallet_address", "address does not match the address in the signed message", nil)
	case req.Nonce != msg.Nonce:
		return nil, verifyFailure("nonce does not match the signed message's")
	case !strings.EqualFold(req.Domain, msg.Domain):
		return nil, verifyFailure("domain does not match the signed message's")
	}
	// The rules of any signed sign-in message: this environment, an
	// allowed domain (and Origin), Issued At / Expiration / Not Before.
	wreq := WalletRequest{Address: req.Address, Message: req.Message, Signature: req.Signature, Origin: req.Origin}
	if err := s.checkMessage(ctx, env, users.ChainEIP155, wreq, msg.Message); err != nil {
		return nil, err
	}
	sessionKey, err := checkSessionPublicKey(req.SessionPublicKey)
	if err != nil {
		return nil, err
	}
	// EOA or, through the Optimism node, an EIP-1271 custody contract.
	if err := s.verifySignature(ctx, users.ChainEIP155, msg.Message, wreq); err != nil {
		return nil, err
	}
	nonces, err := s.claimNonces(env.ID, req.Device, msg.Nonce)
	if err != nil {
		return nil, err
	}
	acct, err := s.farcaster.Account(ctx, msg)
	switch {
	case errors.Is(err, farcaster.ErrNotCustody):
		return nil, verifyFailure("%s is not the custody address of fid %d", msg.Address, msg.FID)
	case errors.Is(err, farcaster.ErrRegistry):
		// the node's error may name its URL: the verifier logged it
		return nil, &errs.E{Kind: errs.KindUnprocessable, Code: "farcaster_registry_unavailable",
			Message: "Farcaster's ID registry could not be read from the Optimism node; try again", Err: err}
	case err != nil:
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	fid := strconv.FormatUint(acct.FID, 10)
	// An oauth credential: the provider in Chain, the fid in Address, the
	// username (when known) as its public identifier and display name.
	cred := users.Credential{ID: ids.New(), EnvironmentID: env.ID, Format: users.FormatOAuth, Chain: social.Farcaster,
		Address: fid, PublicIdentifier: firstOf(acct.Username, fid), WalletName: acct.Username,
		WalletProvider: social.Farcaster, SignInEnabled: true, VerifiedAt: now, CreatedAt: now}
	return &farcasterProof{env: env, credential: cred, sessionKey: sessionKey, nonces: nonces, uri: msg.URI}, nil
}

// FarcasterSignIn signs in (or up) the owner of the Farcaster account a
// SIWF message proves.
func (s *Service) FarcasterSignIn(ctx context.Context, req FarcasterRequest) (*Result, error) {
	pr, err := s.proveFarcaster(ctx, req)
	if err != nil {
		return nil, err
	}
	return s.complete(ctx, &firstSignIn{env: pr.env, credential: pr.credential, nonces: pr.nonces, now: pr.credential.VerifiedAt,
		sessionKey: pr.sessionKey, device: req.Device, factor: FactorOAuth, events: []Event{{Name: events.UserCreated, OnlyIfNew: true},
			{Name: events.SessionCreated}},
		audience: s.audience(req.Origin, pr.uri, req.IssuerHost), issuerHost: req.IssuerHost, origin: req.Origin,
		ip: req.IP, userAgent: req.UserAgent})
}

// FarcasterLink adds the Farcaster account a SIWF message proves to the
// signed-in user (farcaster/verify). An account another user signs in
// with is refused with social_account_already_exists.
func (s *Service) FarcasterLink(ctx context.Context, cur *Current, req FarcasterRequest) (*Result, error) {
	if req.EnvironmentID != cur.Session.EnvironmentID {
		return nil, errs.Unauthorized("invalid or expired session token")
	}
	pr, err := s.proveFarcaster(ctx, req)
	if err != nil {
		return nil, err
	}
	return s.linkSocial(ctx, cur, &LinkWrite{EnvironmentID: req.EnvironmentID, UserID: cur.User.ID,
		Now: pr.credential.VerifiedAt, Credential: pr.credential, Nonces: pr.nonces, Event: events.SocialLinked},
		req.IssuerHost, req.Origin, "Farcaster")
}
