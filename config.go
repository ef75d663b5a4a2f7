package dynamicauth

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/balances"
	"github.com/dynamicauth/dynamicauth/delivery"
	"github.com/dynamicauth/dynamicauth/externaljwt"
	"github.com/dynamicauth/dynamicauth/farcaster"
	"github.com/dynamicauth/dynamicauth/metrics"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/networks"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/passkey"
	"github.com/dynamicauth/dynamicauth/ratelimit"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/tracing"
	"github.com/dynamicauth/dynamicauth/wallets"
	"github.com/dynamicauth/dynamicauth/webhooks"
	"github.com/ethereum/go-ethereum/common"
)

// Config configures an Auth. Only Store and MasterSecret are required.
type Config struct {
	// Store is the backend: sqlite.Open or postgres.Open (the application
	// imports the driver it uses), or your own store.Store.
	Store store.Store
	// MasterSecret (32 bytes) keys token hashes and encrypts secrets at
	// rest. Losing it invalidates every API token and signing key; keep it
	// with secrets.LoadOrCreateFile or in your secret manager.
	MasterSecret []byte
	// PreviousMasterSecrets are master secrets this one replaces: values
	// sealed under them still open and API tokens and MFA recovery codes
	// hashed under them still match (an API token is rehashed under
	// MasterSecret when it is used). Auth.ResealSecrets moves the sealed
	// values to MasterSecret (README: Rotating the master secret).
	PreviousMasterSecrets [][]byte
	// SigningAlgorithm for new JWT keys: RS256 (default), ES256 or EdDSA.
	SigningAlgorithm string
	// SigningKeyMaxAge, when set (at least signing.MinKeyAge), makes the
	// started Auth rotate each environment's signing key once it is this
	// old; the retired key stays published for signing.Retention. Apps
	// that pinned a public key instead of reading the JWKS must not use it.
	SigningKeyMaxAge time.Duration
	// EventRetention, when set (at least events.MinRetention), makes the
	// started Auth forget events older than this (the Events API's, with
	// their webhook messages and delivery logs, and the SDK's analytics
	// events), except those a webhook message still waits to deliver.
	// Zero keeps every event.
	EventRetention time.Duration
	// SessionRetention, when set (at least session.MinRetention), makes the
	// started Auth forget sessions that ended (their refresh limit passed)
	// longer ago than this. Analytics keeps counting them in whole days
	// (rollups); only a report's partial first or last day older than that
	// no longer does. Zero keeps every session.
	SessionRetention time.Duration
	// Logger receives request and error logs; nil discards them.
	Logger *slog.Logger
	// MaxBodyBytes caps request bodies (default 1 MiB).
	MaxBodyBytes int64
	// Now is the clock of every service (tests); nil means time.Now.
	Now func() time.Time
	// PublicHost names the server in JWT iss claims ("auth.example.com"):
	// iss is "<PublicHost>/<environmentId>". Empty means DefaultPublicHost.
	// The request's Host header is never used unless listed in IssuerHosts.
	PublicHost string
	// IssuerHosts are further hostnames (custom domains) this server
	// answers on: a request whose Host is one of them gets tokens issued
	// by that host. Any other Host gets PublicHost.
	IssuerHosts []string
	// SignIn tunes nonce lifetime, clock skew and per-chain RPC nodes.
	SignIn signin.Config
	// Sessions tunes the refresh limit.
	Sessions session.Config
	// TrustedProxies are the proxies (load balancers) whose
	// X-Forwarded-For names the client; by default the peer is the client.
	TrustedProxies []netip.Prefix
	// RateLimits is the per-IP policy of the SDK routes; nil means
	// ratelimit.DefaultPolicy(); Disabled turns limiting off.
	RateLimits *ratelimit.Policy
	// EnvironmentCacheTTL is how long an environment's settings, origins
	// and custom fields are reused (0: DefaultEnvironmentCacheTTL; negative:
	// read every time). Changes through this Auth apply at once; another
	// replica's within the TTL.
	EnvironmentCacheTTL time.Duration
	// Metrics, if set, counts requests by route, sign-ins and rate-limit
	// refusals; serve its Handler on a listener of its own. Give the same
	// one to the store's Options for transaction times.
	Metrics *metrics.Metrics
	// Tracing, if set, spans every request with OpenTelemetry
	// (tracing.New with the application's TracerProvider, or
	// tracing.NewOTLP). Give the same one to the store's Options for
	// spans of its transactions and reads. Nil traces nothing and costs
	// nothing.
	Tracing *tracing.Tracing
	// Hooks are the application's callbacks into sign-in and changes.
	Hooks Hooks
	// MFA tunes the wrong-code lock and device limits; when a sign-in is
	// MFA-pending is each environment's security.mfa setting.
	MFA mfa.Config
	// Passkeys tunes passkeys: the challenge lifetime, and the per-user
	// limit and user verification of environments whose
	// security.passkeys settings leave them out.
	Passkeys passkey.Config
	// ExternalJWT tunes external-JWT sign-in (JWKS cache lifetime, the
	// floor between refreshes, clock leeway, how far ahead a token's exp
	// may be, the HTTP client fetching JWKS); whether an environment accepts it is its
	// security.externalAuth setting.
	ExternalJWT externaljwt.Deps
	// SocialHTTPClient talks to social providers (discovery, JWKS, code
	// exchange, user endpoints); nil means a client with a 15 s timeout
	// that reaches public addresses only, unless SocialAllowPrivate.
	SocialHTTPClient *http.Client
	// SocialAllowPrivate lets social providers (an OpenID provider's
	// domain, and what its discovery names) be on loopback or private
	// networks.
	SocialAllowPrivate bool
	// Backups schedules copies of an SQLite store while started (off
	// when Backups.Dir is empty).
	Backups BackupsConfig
	// Webhooks tunes delivery: retry schedules, the failure threshold,
	// and whether endpoints may be on private networks.
	Webhooks webhooks.Config
	// Access configures access control (allowlists, token gates,
	// sanctions screening).
	Access AccessConfig
	// Mailer sends email codes (sign-in, verification) of environments
	// without an email provider of their own; nil means such environments
	// have no email codes (no_enabled_email_provider).
	// delivery.OpenOutbox is the dev one.
	Mailer delivery.Mailer
	// EmailProviders reaches environments' own SendGrid or Resend
	// providers, which take precedence over Mailer.
	EmailProviders EmailProvidersConfig
	// SMS sends SMS codes; nil means no SMS codes (no_enabled_sms_provider).
	SMS delivery.SMSSender
	// Templates render the code messages; nil means the built-in ones.
	Templates *delivery.Templates
	// OTP tunes email and SMS codes: lifetime (--otp-ttl), wrong-code
	// attempts, send limits per address and per client. RateLimits'
	// Disabled turns the send limits off too.
	OTP otp.Config
	// Networks describes environments' EVM and Solana networks to the
	// SDK; its RPCURLs are the --evm-rpc nodes' URLs.
	Networks networks.Config
	// Balances tunes the SDK's balance reads (GET /sdk/{env}/chains/EVM/
	// balances) from the nodes token gates use: how long an answer is
	// reused (default 10s) and the bound of one read (default 5s).
	Balances BalancesConfig
	// Farcaster configures Sign In With Farcaster (farcaster/signin and
	// /verify, for environments that enable the farcaster provider). Its
	// Optimism node is SignIn.RPC["10"] (--evm-rpc 10=URL); without one
	// Farcaster sign-in is refused.
	Farcaster FarcasterConfig
	// Captcha reaches the captcha providers of environments that enable
	// one (security.captcha or security.hCaptcha): its VerifyURLs replace
	// their siteverify endpoints (--captcha-verify-url provider=URL).
	Captcha CaptchaConfig
}

// FarcasterConfig configures Sign In With Farcaster.
type FarcasterConfig struct {
	// Registry is the ID registry's address on the node; zero means
	// Farcaster's (farcaster.IDRegistryAddress).
	Registry common.Address
	// Names finds usernames for the credentials; nil leaves them without
	// one. farcaster.NewNameServer reads Farcaster's name server.
	Names farcaster.Names
}

// BalancesConfig tunes the SDK's balance reads.
type BalancesConfig struct {
	TTL, Timeout time.Duration
	// Prices, when set, prices tokens for the SDK's includePrices (price
	// and marketValue in USD); balances.NewCoinGecko is CoinGecko's API.
	// Nil: balances come without prices.
	Prices balances.Prices
}

// AccessConfig configures access control.
type AccessConfig struct {
	// Nodes are the EVM nodes token gates read balances from, by chain id.
	// Nil: the SignIn.RPC nodes that can read balances (ethclient's) serve.
	// A gate on a network without a node refuses sign-ins (never admits).
	Nodes map[int64]access.Node
	// BalanceTTL is how long a balance read is reused (default 15s);
	// BalanceTimeout bounds one decision's reads (default 5s).
	BalanceTTL, BalanceTimeout time.Duration
	// Screener checks wallets against a sanctions list where an
	// environment turned screening on (access.NewListScreener reads the
	// OFAC list from a file); nil screens nobody.
	Screener access.Screener
	// NoSettingsRPC stops gates (and the SDK's balances) from reading from the RPC URL an
	// environment's chain settings name (chains[].networks[].rpcUrl) for
	// networks without a node in Nodes (--evm-rpc), which they do by
	// default, through a client that reaches public addresses only.
	NoSettingsRPC bool
	// SettingsRPCAllowPrivate lets those URLs be on loopback and private
	// networks (a local chain, a node inside a private deployment).
	SettingsRPCAllowPrivate bool
}

// nodes is the balance readers: the configured ones, or those of the
// sign-in RPC map that can read balances.
func (c AccessConfig) nodes(rpc map[string]wallets.ChainCaller) map[int64]access.Node {
	if c.Nodes != nil {
		return c.Nodes
	}
	out := map[int64]access.Node{}
	for chain, caller := range rpc {
		n, ok := caller.(access.Node)
		id, err := strconv.ParseInt(chain, 10, 64)
		if ok && err == nil {
			out[id] = n
		}
	}
	return out
}

// Hooks are plain Go functions the application registers; nil ones are
// skipped at no cost.
type Hooks struct {
	// BeforeSignIn runs once a sign-in's proof is checked, before anything
	// is written. Return signin.Refuse (403) or signin.RefuseWithCode (422)
	// to turn the user away; any other error fails the sign-in as an
	// internal error.
	BeforeSignIn func(ctx context.Context, a *signin.Attempt) error
	// OnSignIn runs inside the sign-in's transaction, after the user is
	// found or created and before the tokens are signed: metadata it sets
	// on the signin.SignIn is stored with the sign-in and appears in the
	// full token; custom claims it sets (SignIn.Claims) are top-level
	// claims of both tokens, kept by every re-issue of the session (read
	// them with verifier.Claims.Custom). A claim named like one
	// dynamicauth sets (sub, exp, sid, ...) fails the sign-in
	// (signin.ErrReservedClaim). It refuses like BeforeSignIn, undoing
	// the whole sign-in. It holds the store's transaction: keep it quick.
	OnSignIn func(ctx context.Context, s *signin.SignIn) error
	// AfterChange hears about every committed change to users, sessions
	// (each sign-in included), credentials, second factors and
	// environments' deletion, whichever path made it
	// (HTTP or Go), another user's included: a sign-in or verify proving
	// an email reports first the user it cleared the address from (their
	// unproved claim), UserUpdated; each credential that comes to a user
	// is CredentialLinked (a sign-in's joining an existing user and a
	// provider-vouched email included), and a transferred wallet is
	// CredentialUnlinked from its former user before. Deleting a project
	// reports each of its environments EnvironmentDeleted, once: every
	// user of it is gone, and is not reported one by one. A change to a
	// user's second factors (TOTP devices, recovery codes, a reset) is
	// MFAChanged. It runs after the commit, in the caller's goroutine:
	// keep it quick, or hand the work off. Its error is logged and never
	// undoes the change.
	AfterChange func(ctx context.Context, c Change) error
}
