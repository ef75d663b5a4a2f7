// Package httpapi exposes the domain services as Dynamic's REST API under
// /api/v0: routing, the contract's JSON shapes, decoding and validation,
// authentication of admin tokens, CORS and error mapping. It holds no rules
// of its own; it translates.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/analytics"
	"github.com/dynamicauth/dynamicauth/balances"
	"github.com/dynamicauth/dynamicauth/captcha"
	"github.com/dynamicauth/dynamicauth/envconfig"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/exports"
	"github.com/dynamicauth/dynamicauth/networks"

	"github.com/dynamicauth/dynamicauth/contract"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/ratelimit"
	"github.com/dynamicauth/dynamicauth/sdksettings"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/signing"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/dynamicauth/dynamicauth/webhooks"
)

// Deps are the services the API translates to.
type Deps struct {
	Tenants *tenant.Service
	Keys    *signing.Service
	SignIn  *signin.Service
	Users   *users.Admin // admin Users, Wallets, Sessions, Visits
	// Access serves the admin Allowlists and Gates groups.
	Access *access.Admin
	// EnvConfig serves the admin SDKViews, CustomHostnames and
	// DeeplinkUrls groups; its active custom hostnames name the issuer
	// and count as allowed origins.
	EnvConfig *envconfig.Service
	// Providers serves the admin Settings providers group.
	Providers *social.Providers
	// Social runs social logins with those providers (BaseAuthURL in
	// the SDK settings).
	Social *social.Logins
	// OAuthAccounts serves social accounts' provider access tokens.
	OAuthAccounts *social.Accounts
	// Captcha checks the captchaToken of the requests that start a
	// sign-in or send a code; nil checks none.
	Captcha *captcha.Checker
	// Profiles serves CustomFields and the signed-in user's own profile.
	Profiles *users.Profiles
	// Webhooks serves the admin Webhooks group.
	Webhooks *webhooks.Service
	// Events serves the admin Events group and the SDK's analytics events.
	Events *events.Service
	// Analytics serves the admin Analytics group.
	Analytics *analytics.Service
	// Networks describes environments' EVM and Solana networks to the SDK;
	// nil serves them from the settings and the catalog alone.
	Networks *networks.Service
	// Balances reads wallets' balances from the server's EVM nodes; nil
	// answers every balance request with network_rpc_not_configured.
	Balances *balances.Service
	// SDKSettings keeps the SDKs' configuration reports.
	SDKSettings *sdksettings.Service
	// Exports serves the admin Exports group.
	Exports *exports.Service
	// RateLimits is the policy for SDK routes; nil means
	// ratelimit.DefaultPolicy().
	RateLimits *ratelimit.Policy
	// Limiter keeps the buckets; nil means in process memory.
	Limiter ratelimit.Taker
	// TrustedProxies are the networks whose X-Forwarded-For is believed
	// when they are the peer (a load balancer in front of replicas).
	TrustedProxies []netip.Prefix
	// PublicHost names this server in the JWT iss claim (host[:port]).
	// The request's Host is used only when it is one of IssuerHosts.
	PublicHost string
	// IssuerHosts are the custom hostnames a request's Host may name the
	// issuer with.
	IssuerHosts []string
	Contract    *contract.Contract
	Logger      *slog.Logger
	// Ready reports whether the store answers (GET /readyz).
	Ready func(ctx context.Context) error
	// MaxBodyBytes caps request bodies; 0 means 1 MiB.
	MaxBodyBytes int64
	// Version is reported by GET /healthz.
	Version string
	// Observer, if set, is told of every request and sign-in (metrics).
	Observer Observer
	// Tracer, if set, spans every request (tracing).
	Tracer Tracer
}

// Server is the HTTP adapter.
type Server struct {
	tenants        *tenant.Service
	keys           *signing.Service
	signin         *signin.Service
	users          *users.Admin
	access         *access.Admin
	envconfig      *envconfig.Service
	profiles       *users.Profiles
	webhooks       *webhooks.Service
	events         *events.Service
	analytics      *analytics.Service
	networks       *networks.Service
	sdkSettingsLog *sdksettings.Service
	balances       *balances.Service
	exports        *exports.Service
	publicHost     string
	issuerHosts    map[string]bool
	limits         ratelimit.Policy
	limiter        ratelimit.Taker
	trustedProxies []netip.Prefix
	contract       *contract.Contract
	log            *slog.Logger
	ready          func(ctx context.Context) error
	maxBody        int64
	version        string
	mux            *http.ServeMux
	patterns       []string // every route registered, for Routes
	handler        http.Handler
	providers      *social.Providers
	social         *social.Logins
	oauthAccounts  *social.Accounts
	captcha        *captcha.Checker
	obs            Observer
	tracer         Tracer
}

// New builds the handler.
func New(d Deps) *Server {
	s := &Server{tenants: d.Tenants, keys: d.Keys, signin: d.SignIn, users: d.Users, access: d.Access, providers: d.Providers, social: d.Social, publicHost: d.PublicHost, contract: d.Contract, log: d.Logger, ready: d.Ready,
		maxBody: d.MaxBodyBytes, version: d.Version, mux: http.NewServeMux()}
	s.profiles = d.Profiles
	s.oauthAccounts = d.OAuthAccounts
	s.captcha = d.Captcha
	s.envconfig = d.EnvConfig
	s.obs = d.Observer
	s.tracer = d.Tracer
	if s.publicHost == "" {
		s.publicHost = "localhost"
	}
	s.issuerHosts = map[string]bool{}
	for _, h := range d.IssuerHosts {
		s.issuerHosts[strings.ToLower(h)] = true
	}
	s.webhooks = d.Webhooks
	s.events = d.Events
	s.analytics = d.Analytics
	s.networks = d.Networks
	s.sdkSettingsLog = d.SDKSettings
	s.balances = d.Balances
	if s.networks == nil {
		s.networks = networks.New(networks.Config{}, d.Tenants)
	}
	s.exports = d.Exports
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxBody <= 0 {
		s.maxBody = 1 << 20
	}
	s.limits = ratelimit.DefaultPolicy()
	if d.RateLimits != nil {
		s.limits = *d.RateLimits
	}
	s.trustedProxies = d.TrustedProxies
	s.limiter = d.Limiter
	if s.limiter == nil {
		s.limiter = ratelimit.New(nil)
	}
	s.routes()
	s.handler = withFraming(s.withRequestContext(s.withCORS(s.withRateLimit(http.HandlerFunc(s.dispatch)))))
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// dispatch routes through the mux, answering unknown routes and methods
// with the contract's JSON error bodies instead of the mux's plain text.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	if strings.IndexByte(r.URL.Path, 0) >= 0 || strings.Contains(r.URL.RawQuery, "%00") {
		s.writeError(w, r, errNUL)
		return
	}
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r) // sets the path values Handler does not
		return
	}
	probe := &headerProbe{header: http.Header{}}
	h.ServeHTTP(probe, r)
	if probe.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", probe.header.Get("Allow"))
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: "method " + r.Method + " is not allowed on this route"})
		return
	}
	s.writeError(w, r, errs.NotFound("route_not_found", "no such route: "+r.Method+" "+r.URL.Path))
}

// headerProbe captures what the mux's own 404/405 handler would write.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header         { return p.header }
func (p *headerProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *headerProbe) WriteHeader(code int)        { p.status = code }

const v0 = "/api/v0"

// routes is the one route table: every route the API serves is listed
// here, grouped by resource, so a path leads to its handler by search.
func (s *Server) routes() {
	m := routeTable{s}
	// Process health (not part of Dynamic's contract).
	m.HandleFunc("GET /healthz", s.public(s.healthz))
	m.HandleFunc("GET /readyz", s.public(s.readyz))

	// SDK (end users).
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/settings", s.public(s.sdkSettings))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/healthcheck", s.public(s.sdkHealthcheck))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/networks", s.public(s.getNetworks))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/prefetch", s.public(s.prefetch))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/sdkSettings", s.public(s.logSDKSettings))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/chains/{chainName}/balances", s.public(s.getAccountBalances))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/balances", s.public(s.postMultichainBalances))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/nonce", s.public(s.getNonce))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/nonces", s.public(s.getNonces))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/verify", s.public(s.walletSignIn))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/wallets/signin", s.public(s.walletSignIn))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/connect", s.public(s.connect))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/events", s.public(s.publishEvents))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/providers/{providerType}/loginUrl", s.public(s.oauthLoginURL))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/providers/{providerType}/login", s.public(s.oauthLogin))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/providers/{providerType}/authorizeHtml", s.public(s.oauthAuthorizeHtml))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/providers/{providerType}/initAuth", s.public(s.oauthInitAuth))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/providers/{providerType}/redirect", s.public(s.oauthRedirect("")))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/providers/apple/redirect", s.public(s.oauthRedirect(social.Apple)))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/providers/cbOauthRedirectUrl", s.public(s.oauthRedirect("*")))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/providers/{providerType}/oauthResult", s.public(s.oauthResult))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/providers/{providerType}/signIn", s.public(s.oauthSignIn))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/providers/{providerType}/verify", s.sdkUser(s.oauthVerify))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/oauthAccounts/{oauthAccountId}/accessToken", s.sdkUser(s.userOAuthAccessToken))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/externalAuth/signin", s.public(s.externalAuthSignin))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/farcaster/signin", s.public(s.farcasterSignIn))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/telegram/auth", s.public(s.telegramAuthPage))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/telegram/auth", s.public(s.telegramAuthPost))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/telegram/signin", s.public(s.telegramSignIn))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/telegram/verify", s.sdkUser(s.telegramVerify))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/checkTelegramAuth", s.public(s.telegramCheck))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/farcaster/verify", s.sdkUser(s.farcasterVerify))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/emailVerifications/create", s.public(s.createEmailVerification))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/emailVerifications/retry", s.public(s.retryEmailVerification))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/emailVerifications/signin", s.public(s.codeSignIn(otp.ChannelEmail, "EmailVerificationVerifyRequest")))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/emailVerifications/verify", s.sdkUser(s.codeVerify(otp.ChannelEmail, "EmailVerificationVerifyRequest")))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/emailProvider", s.public(s.emailProvider))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/smsVerifications/create", s.public(s.createSMSVerification))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/smsVerifications/retry", s.public(s.retrySMSVerification))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/smsVerifications/signin", s.public(s.codeSignIn(otp.ChannelSMS, "SmsVerificationVerifyRequest")))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/smsVerifications/verify", s.sdkUser(s.codeVerify(otp.ChannelSMS, "SmsVerificationVerifyRequest")))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/externalAuth/verify", s.sdkUser(s.externalAuthVerify))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/verify/link", s.sdkUser(s.withMergeConflicts(s.linkWallet(false))))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/wallets/verify", s.sdkUser(s.withMergeConflicts(s.linkWallet(false))))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/verify/transfer", s.sdkUser(s.linkWallet(true)))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/verify/merge", s.sdkUser(s.verifyMerge))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/users/merge", s.sdkUser(s.mergeUsers))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/verify/unlink", s.sdkUser(s.unlinkWallet))
	m.HandleFunc("PUT "+v0+"/sdk/{environmentId}/users/wallets/selection", s.sdkUser(s.selectWallet))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/refresh", s.sdkSession(s.refresh))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/revoke", s.sdkSession(s.revoke))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/session", s.sdkSession(s.sessionCheck))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users", s.sdkUser(s.getSDKUser))
	m.HandleFunc("PUT "+v0+"/sdk/{environmentId}/users", s.sdkUser(s.updateSelf))
	m.HandleFunc("DELETE "+v0+"/sdk/{environmentId}/users", s.sdkUser(s.deleteSelf))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/check", s.sdkUser(s.checkUserField))

	// The signed-in user's MFA. Device registration and the auth routes
	// serve MFA-pending sessions (sdkSession); recovery codes need a full
	// one (sdkUser), since they stand in for the second factor.
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/mfa", s.sdkSession(s.listMfaDevices))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/stepUp/check", s.sdkUser(s.stepUpCheck))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/mfa/methods", s.sdkSession(s.mfaMethods))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/mfa/register/totp", s.sdkSession(s.registerTotp))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/users/mfa/register/totp", s.sdkSession(s.confirmTotp))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/users/mfa/auth/totp", s.sdkSession(s.authTotp))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/users/mfa/auth/recovery", s.sdkSession(s.authRecovery))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/users/mfa/auth/email", s.sdkSession(s.authEmailMfa))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/mfa/recovery", s.sdkUser(s.recoveryCodes(false)))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/users/mfa/recovery", s.sdkUser(s.recoveryCodes(true)))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/mfa/{mfaDeviceId}", s.sdkSession(s.getMfaDevice))
	m.HandleFunc("PUT "+v0+"/sdk/{environmentId}/users/mfa/{mfaDeviceId}", s.sdkUser(s.updateMfaDevice))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/mfa/register/passkey", s.sdkSession(s.passkeyRegistrationOptions(true)))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/users/mfa/register/passkey", s.sdkSession(s.registerPasskey("MFARegisterPasskeyDevicePostRequest")))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/users/mfa/auth/passkey", s.sdkSession(s.authPasskey))
	m.HandleFunc("DELETE "+v0+"/sdk/{environmentId}/users/mfa/{mfaDeviceId}", s.sdkUser(s.deleteMfaDevice))

	// Passkeys: registered while signed in, then a way to sign in (never
	// to sign up) and a second factor.
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/passkeys/register", s.sdkUser(s.passkeyRegistrationOptions(false)))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/users/passkeys/register", s.sdkUser(s.registerPasskey("PasskeyRegisterRequest")))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/passkeys/signin", s.public(s.passkeySignInOptions))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/users/passkeys/signin", s.public(s.passkeySignIn))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/passkeys/authenticate", s.sdkSession(s.passkeyAuthenticateOptions))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/passkeys", s.sdkUser(s.listPasskeys))
	m.HandleFunc("PUT "+v0+"/sdk/{environmentId}/users/passkeys", s.sdkUser(s.updatePasskey))
	m.HandleFunc("DELETE "+v0+"/sdk/{environmentId}/users/passkeys", s.sdkUser(s.deletePasskey))

	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/.well-known/jwks", s.public(s.jwks))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/.well-known/jwks.json", s.public(s.jwks))

	// Organizations.
	m.HandleFunc("GET "+v0+"/organizations", s.admin(s.listOrganizations))
	m.HandleFunc("POST "+v0+"/organizations", s.admin(s.createOrganization))
	m.HandleFunc("GET "+v0+"/organizations/{organizationId}", s.admin(s.getOrganization))
	m.HandleFunc("PUT "+v0+"/organizations/{organizationId}", s.admin(s.updateOrganization))
	m.HandleFunc("PUT "+v0+"/organizations/{organizationId}/address", s.admin(s.updateOrganizationAddress))
	m.HandleFunc("GET "+v0+"/organizations/{organizationId}/billing/subscription", s.admin(s.getSubscription))
	m.HandleFunc("PUT "+v0+"/organizations/{organizationId}/billing/subscription/coupon", s.admin(s.applyCoupon))
	m.HandleFunc("PUT "+v0+"/organizations/{organizationId}/billing/upgrade", s.admin(s.upgradeSubscription))
	m.HandleFunc("GET "+v0+"/organizations/{organizationId}/ssoProvider", s.admin(s.getSsoProvider))
	m.HandleFunc("POST "+v0+"/organizations/{organizationId}/ssoProvider", s.admin(s.createSsoProvider))
	m.HandleFunc("PUT "+v0+"/organizations/{organizationId}/ssoProvider/{ssoProviderId}", s.admin(s.updateSsoProvider))
	m.HandleFunc("DELETE "+v0+"/organizations/{organizationId}/ssoProvider/{ssoProviderId}", s.admin(s.deleteSsoProvider))

	// Projects.
	m.HandleFunc("GET "+v0+"/organizations/{organizationId}/projects", s.admin(s.listProjects))
	m.HandleFunc("POST "+v0+"/organizations/{organizationId}/projects", s.admin(s.createProject))
	m.HandleFunc("GET "+v0+"/projects/{projectId}", s.admin(s.getProject))
	m.HandleFunc("PUT "+v0+"/projects/{projectId}", s.admin(s.updateProject))
	m.HandleFunc("DELETE "+v0+"/projects/{projectId}", s.admin(s.deleteProject))

	// Environments.
	m.HandleFunc("GET "+v0+"/projects/{projectId}/environments", s.admin(s.listProjectEnvironments))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}", s.admin(s.getEnvironment))
	m.HandleFunc("PUT "+v0+"/environments/{environmentId}", s.admin(s.updateProjectSettings))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/keys", s.admin(s.getKeys))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/externalJwt/check", s.admin(s.checkExternalJwt))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/settings/providers", s.admin(s.listProviders))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/settings/providers", s.admin(s.createProvider))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/settings/providers/urls", s.admin(s.providerURLs))
	m.HandleFunc("GET "+v0+"/settings/providers/{providerId}", s.admin(s.getProvider))
	m.HandleFunc("PUT "+v0+"/settings/providers/{providerId}", s.admin(s.updateProvider))
	m.HandleFunc("PUT "+v0+"/settings/providers/{providerId}/enable", s.admin(s.setProviderEnabled(true)))
	m.HandleFunc("PUT "+v0+"/settings/providers/{providerId}/disable", s.admin(s.setProviderEnabled(false)))
	m.HandleFunc("DELETE "+v0+"/settings/providers/{providerId}", s.admin(s.deleteProvider))
	// Settings exchanges (admin_exchanges.go).
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/settings/exchanges", s.admin(s.listExchanges))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/settings/exchanges", s.admin(s.createExchange))
	m.HandleFunc("GET "+v0+"/settings/exchanges/{exchangeId}", s.admin(s.getExchange))
	m.HandleFunc("PUT "+v0+"/settings/exchanges/{exchangeId}/enable", s.admin(s.setExchangeEnabled(true)))
	m.HandleFunc("PUT "+v0+"/settings/exchanges/{exchangeId}/disable", s.admin(s.setExchangeEnabled(false)))
	m.HandleFunc("DELETE "+v0+"/settings/exchanges/{exchangeId}", s.admin(s.deleteExchange))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/statistics/visitors", s.admin(s.getVisitors))

	// Tokens.
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/tokens", s.admin(s.listTokens))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/tokens", s.admin(s.createToken))
	m.HandleFunc("DELETE "+v0+"/environments/{environmentId}/tokens/{tokenId}", s.admin(s.deleteToken))

	// Origins.
	// Access control (admin_allowlists.go, admin_gates.go).
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/integrations/chainalysis", s.admin(s.chainalysis(screeningKept)))
	m.HandleFunc("PUT "+v0+"/environments/{environmentId}/integrations/chainalysis/sanctions/enable", s.admin(s.chainalysis(screeningOn)))
	m.HandleFunc("PUT "+v0+"/environments/{environmentId}/integrations/chainalysis/sanctions/disable", s.admin(s.chainalysis(screeningOff)))
	// Environment configuration records (admin_sdkviews.go,
	// admin_hostnames.go, admin_deeplinks.go).
	m.HandleFunc("GET "+v0+"/chains/{chainName}/tokens", s.admin(s.chainTokens))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/sdkViews", s.admin(s.listSdkViews))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/sdkViews/{sdkViewType}", s.admin(s.getSdkView))
	m.HandleFunc("PUT "+v0+"/environments/{environmentId}/sdkViews/{sdkViewType}", s.admin(s.updateSdkView))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/custom/hostnames", s.admin(s.listHostnames))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/custom/hostnames", s.admin(s.createHostname))
	m.HandleFunc("DELETE "+v0+"/environments/{environmentId}/custom/hostnames/{customHostnameId}", s.admin(s.deleteHostname))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/deeplinkUrls", s.admin(s.listDeeplinks))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/deeplinkUrls", s.admin(s.addDeeplink))
	m.HandleFunc("DELETE "+v0+"/deeplinkUrls/{deeplinkUrlId}", s.admin(s.deleteDeeplink))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/allowlists", s.admin(s.listAllowlists))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/allowlists", s.admin(s.createAllowlist))
	m.HandleFunc("GET "+v0+"/allowlists/{allowlistId}", s.admin(s.getAllowlist))
	m.HandleFunc("PUT "+v0+"/allowlists/{allowlistId}", s.admin(s.updateAllowlist))
	m.HandleFunc("DELETE "+v0+"/allowlists/{allowlistId}", s.admin(s.deleteAllowlist))
	m.HandleFunc("PUT "+v0+"/allowlists/{allowlistId}/enable", s.admin(s.enableAllowlist(true)))
	m.HandleFunc("PUT "+v0+"/allowlists/{allowlistId}/disable", s.admin(s.enableAllowlist(false)))
	m.HandleFunc("GET "+v0+"/allowlists/{allowlistId}/entries", s.admin(s.listAllowlistEntries))
	m.HandleFunc("POST "+v0+"/allowlists/{allowlistId}/entries", s.admin(s.addAllowlistEntry))
	m.HandleFunc("DELETE "+v0+"/allowlistEntries/{allowlistEntryId}", s.admin(s.deleteAllowlistEntry))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/gates", s.admin(s.listGates))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/gates", s.admin(s.createGate))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/gates/{gateId}", s.admin(s.getGate))
	m.HandleFunc("PUT "+v0+"/environments/{environmentId}/gates/{gateId}", s.admin(s.updateGate))
	m.HandleFunc("DELETE "+v0+"/environments/{environmentId}/gates/{gateId}", s.admin(s.deleteGate))
	m.HandleFunc("PUT "+v0+"/environments/{environmentId}/gates/{gateId}/enable", s.admin(s.enableGate(true)))
	m.HandleFunc("PUT "+v0+"/environments/{environmentId}/gates/{gateId}/disable", s.admin(s.enableGate(false)))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/origins", s.admin(s.listOrigins))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/origins", s.admin(s.addOrigin))
	m.HandleFunc("DELETE "+v0+"/origins/{originId}", s.admin(s.deleteOrigin))

	// Members and invites.
	m.HandleFunc("GET "+v0+"/organizations/{organizationId}/members", s.admin(s.listMembers))
	m.HandleFunc("PUT "+v0+"/members/{memberId}", s.admin(s.updateMemberRole))
	m.HandleFunc("PUT "+v0+"/members/{memberId}/delegateOwnership", s.admin(s.delegateOwnership))
	m.HandleFunc("DELETE "+v0+"/members/{memberId}", s.admin(s.deleteMember))
	m.HandleFunc("GET "+v0+"/membershipEnvironmentIds", s.admin(s.membershipEnvironmentIDs))
	m.HandleFunc("GET "+v0+"/invites", s.admin(s.listInvites))
	m.HandleFunc("PUT "+v0+"/invites/{inviteId}", s.admin(s.updateInvite))
	m.HandleFunc("DELETE "+v0+"/invites/{inviteId}", s.admin(s.deleteInvite))
	m.HandleFunc("GET "+v0+"/organizations/{organizationId}/invites", s.admin(s.listOrganizationInvites))
	m.HandleFunc("POST "+v0+"/organizations/{organizationId}/invites", s.admin(s.createInvite))

	// Organization MFA settings.
	m.HandleFunc("GET "+v0+"/organizations/{organizationId}/mfaSettings", s.admin(s.listMfaSettings))
	m.HandleFunc("PUT "+v0+"/organizations/{organizationId}/mfaSettings/{mfaDeviceType}/enable", s.admin(s.enableMfaDevice))
	m.HandleFunc("PUT "+v0+"/organizations/{organizationId}/mfaSettings/{mfaDeviceType}/disable", s.admin(s.disableMfaDevice))

	// Users, Wallets, Sessions and Visits. The legacy routes without an
	// environment find it from the user, wallet or session and apply the
	// same reach rules.
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/users", s.admin(s.listUsers))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/users", s.admin(s.createUser))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/users/bulk", s.admin(s.bulkCreateUsers))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/users/{userId}", s.admin(s.getUser))
	m.HandleFunc("PUT "+v0+"/environments/{environmentId}/users/{userId}", s.admin(s.updateUser))
	m.HandleFunc("DELETE "+v0+"/environments/{environmentId}/users/{userId}", s.admin(s.deleteUser))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/users/{userId}/sessions/revoke", s.admin(s.revokeUserSessions))
	m.HandleFunc("GET "+v0+"/users/{userId}", s.admin(s.getUser))
	m.HandleFunc("PUT "+v0+"/users/{userId}", s.admin(s.updateUser))
	m.HandleFunc("DELETE "+v0+"/users/{userId}", s.admin(s.deleteUser))
	m.HandleFunc("POST "+v0+"/users/{userId}/sessions/revoke", s.admin(s.revokeUserSessions))
	m.HandleFunc("GET "+v0+"/oauthAccounts/{oauthAccountId}/accessToken", s.admin(s.getOAuthAccessToken))

	// Sessions.
	m.HandleFunc("PUT "+v0+"/sessions/{sessionId}/revoke", s.admin(s.revokeSession))
	m.HandleFunc("GET "+v0+"/users/{userId}/sessions/{sessionId}", s.admin(s.getSession))

	// Wallets.
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/wallets", s.admin(s.listWallets))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/wallets/{walletId}", s.admin(s.getWallet))
	m.HandleFunc("DELETE "+v0+"/environments/{environmentId}/wallets/{walletId}", s.admin(s.deleteWallet))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/users/{userId}/wallets", s.admin(s.listUserWallets))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/users/{userId}/wallets", s.admin(s.createWallet))
	m.HandleFunc("GET "+v0+"/users/{userId}/wallets", s.admin(s.listUserWallets))
	m.HandleFunc("POST "+v0+"/users/{userId}/wallets", s.admin(s.createWallet))
	m.HandleFunc("GET "+v0+"/wallets/{walletId}", s.admin(s.getWallet))
	m.HandleFunc("DELETE "+v0+"/wallets/{walletId}", s.admin(s.deleteWallet))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/embeddedWalletVersions", s.admin(s.embeddedWallets(tenant.Read)))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/embeddedWallets", s.admin(s.embeddedWallets(tenant.Write)))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/embeddedWallets/farcaster", s.admin(s.embeddedWallets(tenant.Write)))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/wallets/recover", s.admin(s.embeddedWallets(tenant.Write)))

	// Visits.
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/visitors", s.admin(s.listVisitors))

	// Custom fields (the signed-in user's own profile routes are with the SDK's).
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/custom/fields", s.admin(s.listCustomFields))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/custom/fields", s.admin(s.createCustomField))
	m.HandleFunc("GET "+v0+"/custom/fields/{customFieldId}", s.admin(s.getCustomField))
	m.HandleFunc("PUT "+v0+"/custom/fields/{customFieldId}", s.admin(s.updateCustomField))
	m.HandleFunc("DELETE "+v0+"/custom/fields/{customFieldId}", s.admin(s.deleteCustomField))

	// Webhooks and the event types they subscribe to.
	m.HandleFunc("GET "+v0+"/eventTypes", s.admin(s.eventTypes))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/webhooks", s.admin(s.listWebhooks))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/webhooks", s.admin(s.createWebhook))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/webhooks/{webhookId}", s.admin(s.getWebhook))
	m.HandleFunc("PUT "+v0+"/environments/{environmentId}/webhooks/{webhookId}", s.admin(s.updateWebhook))
	m.HandleFunc("DELETE "+v0+"/environments/{environmentId}/webhooks/{webhookId}", s.admin(s.deleteWebhook))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/webhooks/{webhookId}/messages", s.admin(s.listWebhookMessages))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/webhooks/{webhookId}/messages/{messageId}", s.admin(s.getWebhookMessageDeliveries))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/webhooks/{webhookId}/messages/{messageId}/redeliver", s.admin(s.redeliverWebhookMessage))

	// Events: the outbox, newest first.
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/events", s.admin(s.listEvents))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/events/{eventId}", s.admin(s.getEvent))

	// Exports: jobs, and their files once written.
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/exports", s.admin(s.listExports))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/exports", s.admin(s.createExport))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/exports/{exportId}", s.admin(s.getExport))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/exports/{exportId}/download", s.admin(s.downloadExport))
	m.HandleFunc("GET /exports/{environmentId}/{exportId}/file", s.public(s.exportFile))

	// Analytics, in UTC.
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/analytics/topline", s.admin(s.analyticsTopline))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/analytics/overview", s.admin(s.analyticsOverview))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/analytics/engagement", s.admin(s.analyticsEngagement))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/analytics/walletsBreakdown", s.admin(s.analyticsWalletsBreakdown))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/analytics/wallets", s.admin(s.analyticsWallets))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/analytics/visits", s.admin(s.analyticsVisits))

	// End users' MFA: the admin resets (a lost authenticator).
	m.HandleFunc("DELETE "+v0+"/users/{userId}/mfa", s.admin(s.resetUserMfa))
	m.HandleFunc("POST "+v0+"/users/{userId}/mfa/reset", s.admin(s.resetUserMfa))
}

// routeTable registers routes on the mux and remembers their patterns
// (Routes), so that tests walk the routes the server really serves.
type routeTable struct{ s *Server }

func (t routeTable) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	t.s.mux.HandleFunc(pattern, h)
	t.s.patterns = append(t.s.patterns, pattern)
}

// Routes lists the patterns the server registered ("GET /api/v0/users/{userId}"),
// in registration order.
func (s *Server) Routes() []string { return slices.Clone(s.patterns) }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.version})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if s.ready != nil {
		if err := s.ready(r.Context()); err != nil {
			s.log.WarnContext(r.Context(), "not ready", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: "store unavailable"})
			return nil
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}
