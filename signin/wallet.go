package signin

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/ids"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/dynamicauth/dynamicauth/wallets"
)

// WalletRequest is a wallet sign-in as the SDK sends it (VerifyRequest),
// plus what the HTTP layer knows about the caller.
type WalletRequest struct {
	EnvironmentID    string
	Chain            string // ChainEnum: EVM, ETH, SOL
	Address          string
	Message          string
	Signature        string
	WalletName       string
	WalletProvider   string
	Network          string
	SessionPublicKey string
	Device           *DeviceProof
	Origin           string // the Origin header, if any
	IssuerHost       string
	IP, UserAgent    string
	// Scopes are requestedScopes: re-proving a wallet the signed-in user
	// already has earns an elevatedAccessToken with them (LinkWallet).
	Scopes []string
}

// Result is a completed sign-in.
type Result struct {
	User    *users.User
	Profile *users.Profile // User with the required fields still missing
	Session *session.Session
	Tokens  *session.Tokens
	NewUser bool
	Auth    session.Auth // how the session is authenticated (MFA-pending or full)
	// MFAToken is an mfaToken, when one was asked for (createMfaToken).
	MFAToken string
	// ElevatedAccessToken carries requestedScopes, when asked for.
	ElevatedAccessToken string
	// Cookie: the environment keeps sessions in cookies (Dynamic's cookie
	// mode, security.auth.storage): over HTTP the tokens travel in an
	// HttpOnly cookie, not in the answer's body.
	Cookie bool
	// DeviceCookie, when set, is the device cookie's secret (device
	// registration in cookie mode): over HTTP the answer sets the cookie.
	DeviceCookie string
}

const codeVerifyFailure = "other_verify_failure"

func verifyFailure(format string, args ...any) error {
	return errs.Unprocessable(codeVerifyFailure, fmt.Sprintf(format, args...), nil)
}

// Limits on what a client may send.
const (
	maxMessageBytes   = 8 << 10
	maxSignatureBytes = 16 << 10
	maxNameLen        = 255
)

// proof is what a verified wallet message established, before anything
// is written.
type proof struct {
	env        *tenant.Environment
	msg        *wallets.Message
	credential users.Credential // a fresh candidate; the store may keep an existing one
	sessionKey string
	nonces     []string // to consume in the write
	now        time.Time
}

// proveWallet runs every check of a signed wallet message: chain, sizes,
// message format, address, environment, domain, chain id, freshness,
// session key, signature and device proof. It writes nothing.
func (s *Service) proveWallet(ctx context.Context, req WalletRequest) (*proof, error) {
	ns, ok := users.ChainNamespace(req.Chain)
	if !ok {
		return nil, verifyFailure("chain: wallet sign-in is not supported on %s", req.Chain)
	}
	if err := checkSizes(req); err != nil {
		return nil, err
	}
	env, err := s.envs.GetEnvironment(ctx, req.EnvironmentID)
	if err != nil {
		return nil, err
	}
	msg, err := parseMessage(ns, req.Message)
	if err != nil {
		return nil, errs.Unprocessable(codeVerifyFailure, err.Error(), nil)
	}
	stored, display := users.NormalizeAddress(ns, req.Address)
	msgStored, _ := users.NormalizeAddress(ns, msg.Address)
	if stored != msgStored || stored == "" {
		return nil, errs.Unprocessable("invalid_wallet_address", "publicWalletAddress does not match the address in the signed message", nil)
	}
	if err := s.checkMessage(ctx, env, ns, req, msg); err != nil {
		return nil, err
	}
	sessionKey, err := checkSessionPublicKey(req.SessionPublicKey)
	if err != nil {
		return nil, err
	}
	if err := s.verifySignature(ctx, ns, msg, req); err != nil {
		return nil, err
	}
	nonces, err := s.claimNonces(env.ID, req.Device, msg.Nonce)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	cred := users.Credential{ID: ids.New(), EnvironmentID: env.ID, Format: users.FormatBlockchain, Chain: ns,
		Address: stored, PublicIdentifier: display, WalletName: req.WalletName, WalletProvider: req.WalletProvider,
		SignInEnabled: true, VerifiedAt: now, CreatedAt: now}
	return &proof{env: env, msg: msg, credential: cred, sessionKey: sessionKey, nonces: nonces, now: now}, nil
}

// WalletSignIn verifies a signed sign-in message and signs the user in,
// creating them on first sign-in.
func (s *Service) WalletSignIn(ctx context.Context, req WalletRequest) (*Result, error) {
	pr, err := s.proveWallet(ctx, req)
	if err != nil {
		return nil, err
	}
	return s.complete(ctx, &firstSignIn{env: pr.env, credential: pr.credential, nonces: pr.nonces, now: pr.now,
		sessionKey: pr.sessionKey, device: req.Device, factor: FactorWallet, events: []Event{{Name: events.UserCreated, OnlyIfNew: true},
			{Name: events.WalletLinked, OnlyIfNew: true}, {Name: events.SessionCreated}},
		audience: s.audience(req.Origin, pr.msg.URI, req.IssuerHost), issuerHost: req.IssuerHost, origin: req.Origin,
		ip: req.IP, userAgent: req.UserAgent})
}

func checkSizes(req WalletRequest) error {
	switch {
	case len(req.Message) > maxMessageBytes:
		return errs.Invalid("messageToSign: must be at most %d bytes", maxMessageBytes)
	case len(req.Signature) > maxSignatureBytes:
		return errs.Invalid("signedMessage: must be at most %d bytes", maxSignatureBytes)
	case len(req.Address) > maxNameLen:
		return errs.Invalid("publicWalletAddress: must be at most %d characters", maxNameLen)
	case len(req.WalletName) > maxNameLen:
		return errs.Invalid("walletName: must be at most %d characters", maxNameLen)
	case len(req.Network) > 64:
		return errs.Invalid("network: must be at most 64 characters")
	}
	return nil
}

func parseMessage(ns, text string) (*wallets.Message, error) {
	if ns == users.ChainSolana {
		return wallets.ParseSIWS(text)
	}
	return wallets.ParseSIWE(text)
}

// checkMessage applies the rules a signed message must meet besides its
// signature: this environment, an allowed domain, the right chain, fresh.
func (s *Service) checkMessage(ctx context.Context, env *tenant.Environment, ns string, req WalletRequest, msg *wallets.Message) error {
	if msg.RequestID != "" && msg.RequestID != env.ID {
		return verifyFailure("message: Request ID is not this environment")
	}
	if err := s.checkDomain(ctx, env, msg, req.Origin); err != nil {
		return err
	}
	if ns == users.ChainEIP155 && req.Network != "" && req.Network != msg.ChainID {
		return verifyFailure("message: Chain ID %s does not match network %s", msg.ChainID, req.Network)
	}
	now := s.now()
	if msg.IssuedAt.After(now.Add(s.cfg.MaxClockSkew)) {
		return verifyFailure("message: Issued At is in the future")
	}
	if now.After(msg.IssuedAt.Add(s.cfg.MaxMessageAge)) {
		return verifyFailure("message: Issued At is too old; sign a new message")
	}
	if msg.ExpirationTime != nil && !now.Before(*msg.ExpirationTime) {
		return verifyFailure("message: expired at its Expiration Time")
	}
	if msg.NotBefore != nil && now.Before(*msg.NotBefore) {
		return verifyFailure("message: not valid before its Not Before time")
	}
	return nil
}

// checkDomain requires the message's domain (and its URI's host, and its
// scheme when it names one) to be an allowed origin of the environment; a
// sandbox without origins accepts localhost, as CORS does. A caller's
// Origin (a browser page) must be an allowed origin itself, since it
// becomes the token's aud, and on the signed domain (and scheme), so a
// page cannot use a message made for another site.
func (s *Service) checkDomain(ctx context.Context, env *tenant.Environment, msg *wallets.Message, origin string) error {
	domain := strings.ToLower(msg.Domain)
	if u, err := url.Parse(msg.URI); err == nil && (u.Scheme == "http" || u.Scheme == "https") && !strings.EqualFold(u.Host, domain) {
		return verifyFailure("message: URI %q is not on the domain %q", msg.URI, msg.Domain)
	}
	origins, err := s.envs.ListOrigins(ctx, env.ID)
	if err != nil {
		return err
	}
	// A message that names its scheme was made for that origin (EIP-4361),
	// and the wallet checked it against a page of that scheme: one made
	// for http://host (a network attacker's copy of the site) is no
	// message for https://host.
	if msg.Scheme != "" && !tenant.OriginListed(origins, env, msg.Scheme+"://"+msg.Domain) {
		return verifyFailure("message: %s://%s is not an allowed origin of this environment", msg.Scheme, msg.Domain)
	}
	if origin != "" {
		if !tenant.OriginListed(origins, env, origin) {
			return verifyFailure("Origin %q is not an allowed origin of this environment", clip(origin))
		}
		norm, _ := tenant.NormalizeOrigin(origin) // listed, so well-formed
		u, _ := url.Parse(norm)
		if !strings.EqualFold(u.Host, domain) {
			return verifyFailure("message: domain %q is not the Origin's host %q", msg.Domain, u.Host)
		}
		if msg.Scheme != "" && !strings.EqualFold(u.Scheme, msg.Scheme) {
			return verifyFailure("message: scheme %q is not the Origin's %q", msg.Scheme, u.Scheme)
		}
	}
	for _, o := range origins {
		if u, err := url.Parse(o.Origin); err == nil && strings.EqualFold(u.Host, domain) {
			return nil
		}
	}
	if len(origins) == 0 && env.Name == tenant.EnvSandbox {
		host := domain
		if h, _, err := net.SplitHostPort(domain); err == nil {
			host = h
		}
		if tenant.IsLocalHost(host) {
			return nil
		}
	}
	return verifyFailure("message: domain %q is not an allowed origin of this environment", msg.Domain)
}

func (s *Service) verifySignature(ctx context.Context, ns string, msg *wallets.Message, req WalletRequest) error {
	var err error
	switch ns {
	case users.ChainSolana:
		err = wallets.VerifySolana(req.Address, req.Message, req.Signature)
	default:
		err = wallets.VerifyEVM(ctx, req.Address, req.Message, req.Signature, s.cfg.RPC[msg.ChainID])
	}
	var e *errs.E
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &e) || e.Kind == errs.KindInternal || e.Kind == errs.KindUnprocessable:
		return err // an RPC failure, or already a contract error
	default:
		return verifyFailure("signedMessage: %s", e.Message)
	}
}

func clip(s string) string {
	if len(s) > 128 {
		return s[:128] + "…"
	}
	return s
}
