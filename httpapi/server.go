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
	"strings"

	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/analytics"
	"github.com/dynamicauth/dynamicauth/balances"
	"github.com/dynamicauth/dynamicauth/captcha"
	"github.com/dynamicauth/dynamicauth/devices"
	"github.com/dynamicauth/dynamicauth/envconfig"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/exports"
	"github.com/dynamicauth/dynamicauth/networks"
	"github.com/dynamicauth/dynamicauth/testaccounts"

	"github.com/dynamicauth/dynamicauth/contract"
	"github.com/dynamicauth/dynamicauth/errs"
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
	// TestAccounts serves the admin TestAccount group.
	TestAccounts *testaccounts.Service
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
	// Devices lists and revokes the signed-in user's registered devices
	// (device registration); nil answers those routes as not found.
	Devices *devices.Service
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
	testAccounts   *testaccounts.Service
	events         *events.Service
	analytics      *analytics.Service
	networks       *networks.Service
	sdkSettingsLog *sdksettings.Service
	balances       *balances.Service
	exports        *exports.Service
	devices        *devices.Service
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
	patterns       []string        // every route registered, for Routes
	browserRoutes  map[string]bool // the patterns registered with Browser
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
	s.testAccounts = d.TestAccounts
	s.events = d.Events
	s.analytics = d.Analytics
	s.networks = d.Networks
	s.sdkSettingsLog = d.SDKSettings
	s.balances = d.Balances
	if s.networks == nil {
		s.networks = networks.New(networks.Config{}, d.Tenants)
	}
	s.exports = d.Exports
	s.devices = d.Devices
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
