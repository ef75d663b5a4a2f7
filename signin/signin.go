// Package signin runs the end-user sign-in flows: it checks what the user
// proved (a wallet signature over a message carrying a nonce this server
// issued), then writes the user, credential, session and events in one
// transaction and issues the session's JWTs.
package signin

import (
	"context"
	"encoding/json"
	"net/url"
	"time"

	"github.com/dynamicauth/dynamicauth/devices"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/externaljwt"
	"github.com/dynamicauth/dynamicauth/farcaster"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/passkey"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/dynamicauth/dynamicauth/wallets"
)

// Config tunes the flows; zero values take the defaults.
type Config struct {
	// NonceTTL is how long an issued nonce stays usable. Dynamic's JS SDK
	// keeps a pool of nonces for 24 h, so that is the default.
	NonceTTL time.Duration
	// MaxClockSkew is how far in the future a message's Issued At may be.
	MaxClockSkew time.Duration
	// MaxMessageAge is how long after its Issued At a signed message is
	// accepted (time for the user to read the wallet's prompt).
	MaxMessageAge time.Duration
	// RPC gives an EVM chain (by chain id) a node for smart-contract
	// wallet signatures (EIP-1271, EIP-6492).
	RPC map[string]wallets.ChainCaller
}

func (c *Config) defaults() {
	if c.NonceTTL <= 0 {
		c.NonceTTL = 24 * time.Hour
	}
	if c.MaxClockSkew <= 0 {
		c.MaxClockSkew = 5 * time.Minute
	}
	if c.MaxMessageAge <= 0 {
		c.MaxMessageAge = 15 * time.Minute
	}
}

// Environments is what sign-in reads about an environment.
type Environments interface {
	GetEnvironment(ctx context.Context, id string) (*tenant.Environment, error)
	ListOrigins(ctx context.Context, envID string) ([]tenant.Origin, error)
	GetProject(ctx context.Context, id string) (*tenant.Project, error)
}

// Store is sign-in's persistence.
type Store interface {
	// CompleteSignIn consumes the nonces, finds or creates the user owning
	// the credential, stores the session and the events: all or nothing.
	// A nonce used before (or expired, by NonceExpiry) fails it with
	// ErrNonceUsed.
	CompleteSignIn(ctx context.Context, w *Write) (u *users.User, created bool, err error)
	// DeleteExpiredNonces forgets used nonces that expired by before.
	DeleteExpiredNonces(ctx context.Context, before time.Time) (int64, error)
	// ConsumeNonces uses up live nonces of the environment, all or none:
	// one used before fails it with ErrNonceUsed.
	ConsumeNonces(ctx context.Context, envID string, nonces []string, now time.Time) error
	GetUser(ctx context.Context, id string) (*users.User, error)
	InsertVisit(ctx context.Context, v Visit) error
	// UseExternalAssertion records the jti of an external-JWT assertion
	// of the environment's issuer as used until expiresAt; one recorded
	// before fails it with ErrAssertionUsed.
	UseExternalAssertion(ctx context.Context, envID, issuer, jti string, expiresAt time.Time) error
}

// Event is an outbox entry written with the sign-in.
type Event struct {
	Name      string
	OnlyIfNew bool // written only when the sign-in created the user
}

// Write is everything one sign-in stores.
type Write struct {
	EnvironmentID string
	Nonces        []string
	Now           time.Time
	Credential    users.Credential // ID and UserID are used only if new
	NewUserID     string
	Session       *session.Session // UserID and SigninCredentialID are filled in by the store
	Events        []Event
	// InTx, if set, runs inside the transaction once the user is found or
	// created (with the credential), before the commit. Metadata it
	// returns (non-nil) replaces the user's metadata in the same
	// transaction and in the returned user; an error undoes the sign-in.
	// A store that retries its transaction may run it again.
	InTx func(ctx context.Context, u *users.User, created bool) (metadata json.RawMessage, err error)
	// Code, if set, is the verification whose code proved the credential
	// (otp.Service.Prove: counted, not consumed): the store consumes it
	// first in the transaction, and one consumed already refuses the
	// sign-in with otp.UsedError. A sign-in refused before or in its
	// write leaves the code good for a retry. Other sign-ins (a wallet)
	// run no statement for it.
	Code *otp.Verification
	// SignInOnly requires the credential to exist (a passkey): an unknown
	// one fails with errs.KindNotFound instead of creating a user.
	SignInOnly bool
	// NewUser, if set, is the profile of a user the sign-in creates.
	NewUser *NewUserProfile
	// OAuthTokens, if set, replace the provider tokens kept for the
	// (oauth) credential, in the same transaction.
	OAuthTokens *social.SealedTokens
	// Vouched, if set, goes onto the user found or created, in the same
	// transaction, by its Rule: an email another user has fails the
	// sign-in with ErrEmailOnOtherAccount (EmailRefused) or, for a new
	// credential, makes the sign-in that user's (EmailJoinsOwner).
	Vouched *Vouched
	// Device, if set, recognizes or registers the device the sign-in was
	// made from (device registration), in the same transaction; the store
	// sets its answers and Session.DeviceRegistrationID.
	Device *devices.Check
	// Written, if set, is told the user once the sign-in's writes are
	// done, by a store whose commit comes later (SQLite's group commit
	// commits other sign-ins' writes with it): work that needs only the
	// result can run while the commit is written to disk. The sign-in may
	// still fail, or be run again (Written again, with another user):
	// only the user CompleteSignIn returns is the outcome. It must not
	// block. Stores that learn the result only with the commit do not
	// call it.
	Written func(u *users.User, created bool)
	// ClaimClearedFrom is set by the store: the user whose unproved claim
	// of the email the sign-in proved it cleared (NewUserProfile), "" for
	// none. That user changed too, in the same transaction.
	ClaimClearedFrom string
	// Linked is set by the store: the ids of the credentials the sign-in
	// gave its user, in the order written: the credential of a user it
	// created or of one joining an existing user (the email's owner or
	// holder), and a vouched email linked now. A known credential signing
	// in again adds none.
	Linked []string
	// ProfileWritten is set by the store: the sign-in wrote Vouched's
	// email or names to the profile of a user it did not create.
	ProfileWritten bool
}

// NewUserProfile is what a first sign-in knows of the user besides the
// credential: the verified email or phone number it was made with (a code
// sent to it proved it; as LinkWrite.Profile, what a verify proved).
//
// A proof of an email beats another user's unproved claim of it: the
// email in their profile that they typed in themselves (PUT /sdk/users
// where email codes are off) is cleared from it in the sign-in's (or
// link's) transaction, with ClaimClearedEvent for them, and never joins
// the prover to their account, so that nobody locks an address's owner
// out by typing it first. An email an operator gave a user (the admin
// API, an import) is theirs: a first sign-in proving it signs in to that
// user, linking the email credential with HolderJoinedEvent; a link of
// it by another user is refused as a taken email. A verified email
// credential of another user keeps its rules (the sign-in is its user's;
// a link is refused).
type NewUserProfile struct {
	Email       string
	PhoneNumber string
}

// The events of a proved email settling another user's hold of it
// (NewUserProfile).
const (
	ClaimClearedEvent = events.UserUpdated
	HolderJoinedEvent = events.EmailLinked
)

// Profiles tells which required profile fields a user has not filled in
// (they go into the tokens' missing_fields and scope).
type Profiles interface {
	Profile(ctx context.Context, u *users.User) (*users.Profile, error)
	// UpdateProfile applies a user's change to their own profile, all or
	// nothing (UpdateSelf).
	UpdateProfile(ctx context.Context, u *users.User, in users.ProfileInput, with users.Alongside) (*users.Profile, error)
	// CheckProfile refuses the input UpdateProfile would refuse, writing
	// nothing.
	CheckProfile(ctx context.Context, u *users.User, in users.ProfileInput) error
}

// Deps are what a Service is built from. Store, Environments, Links,
// Merges and Sessions are required; in production one store.Store serves
// the four store roles.
type Deps struct {
	Config Config
	// NonceKey keys the MAC of the nonces (NonceKeySize bytes, derived
	// from the master secret): replicas must share it. Nil draws a random
	// key, for tests. PreviousNonceKeys, derived from previous master
	// secrets, still accept the nonces issued before a rotation.
	NonceKey          []byte
	PreviousNonceKeys [][]byte
	Environments      Environments
	Store             Store
	Links             LinkStore
	Merges            MergeStore
	// Profiles may be nil: then no field counts as missing.
	Profiles Profiles
	Sessions *session.Service
	// MFA, when set, applies the environments' MFA policy: sign-ins of
	// users who must pass a second factor yield MFA-pending sessions and
	// users/mfa/auth/* upgrade them. Nil: every sign-in is a full session.
	MFA *mfa.Service
	// Passkeys, when set, serves passkey sign-in and passkeys as an MFA
	// method.
	Passkeys *passkey.Service
	// Codes, when set, serves email and SMS code sign-in and verification.
	Codes *otp.Service
	// External, when set, serves external-JWT sign-in (externalAuth/*)
	// for environments whose settings enable it.
	External *externaljwt.Verifier
	// Social, when set, serves social sign-in (providers/*) with the
	// providers environments configured.
	Social *social.Logins
	// Farcaster, when set, serves Sign In With Farcaster (farcaster/*)
	// for environments that enable the farcaster provider.
	Farcaster *farcaster.Verifier
	// Devices, when set, applies device registration in environments
	// whose settings require it (security.deviceRegistrationRequired).
	Devices *devices.Service
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Hooks are the application's callbacks; the zero value has none.
	Hooks Hooks
	// Access, when set, applies the environments' allowlists, gates and
	// sanctions screening at every sign-in, link, transfer and refresh;
	// Owners finds the owner of a credential being proved, so all of a
	// user's wallets count.
	Access Access
	Owners Owners
	// Deeplinks, when set, lets a social login return to one of the
	// environment's deeplink URLs (a mobile app) as well as to an
	// allowed origin.
	Deeplinks Deeplinks
	// PublicHost is the issuer host (iss "<host>/<environmentId>") of a
	// sign-in whose request names none: one made from Go rather than over
	// HTTP, whose handler names the Host it was reached by.
	PublicHost string
}

// Deeplinks tells whether a return URL is one of an environment's
// deeplink URLs (envconfig.Service).
type Deeplinks interface {
	DeeplinkAllowed(ctx context.Context, envID, redirect string) (bool, error)
}

// Service runs sign-ins.
type Service struct {
	cfg       Config
	envs      Environments
	store     Store
	nonces    *NonceMinter
	links     LinkStore
	merges    MergeStore
	profiles  Profiles
	sessions  *session.Service
	mfa       *mfa.Service
	passkeys  *passkey.Service
	external  *externaljwt.Verifier
	social    *social.Logins
	farcaster *farcaster.Verifier
	codes     *otp.Service
	devices   *devices.Service
	now       func() time.Time
	hooks     Hooks
	access    Access
	owners    Owners
	deeplink  Deeplinks
	host      string // Deps.PublicHost
	settings  tenant.SettingsMemo[envSettings]
}

// NewService builds the service.
func NewService(d Deps) *Service {
	d.Config.defaults()
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{cfg: d.Config, envs: d.Environments, store: d.Store, nonces: NewNonceMinter(d.NonceKey, d.PreviousNonceKeys...), links: d.Links, merges: d.Merges,
		profiles: d.Profiles, sessions: d.Sessions, mfa: d.MFA, passkeys: d.Passkeys, external: d.External, social: d.Social, farcaster: d.Farcaster, codes: d.Codes, devices: d.Devices, now: d.Now, hooks: d.Hooks,
		access: d.Access, owners: d.Owners, deeplink: d.Deeplinks, host: d.PublicHost}
}

// issuerHost is the host a request names, or the public host when it
// names none.
func (s *Service) issuerHost(host string) string {
	if host == "" {
		return s.host
	}
	return host
}

// audience is the aud claim: the caller's Origin, else the origin of the
// signed URI, else the issuer host.
func (s *Service) audience(origin, uri, issuerHost string) string {
	if origin != "" {
		return origin
	}
	if u, err := url.Parse(uri); err == nil && u.Scheme != "" && u.Host != "" {
		return u.Scheme + "://" + u.Host
	}
	return s.issuerHost(issuerHost)
}

// MaxNoncesPerCall caps GET /nonces?count=.
const MaxNoncesPerCall = 5

// IssueNonces hands out count single-use nonces for an environment. It
// writes nothing: nonces carry their own MAC and expiry (nonce.go).
func (s *Service) IssueNonces(ctx context.Context, envID string, count int) ([]string, error) {
	if count < 1 || count > MaxNoncesPerCall {
		return nil, errs.Invalid("count: must be between 1 and %d", MaxNoncesPerCall)
	}
	if _, err := s.envs.GetEnvironment(ctx, envID); err != nil {
		return nil, err
	}
	exp := s.now().Add(s.cfg.NonceTTL)
	out := make([]string, count)
	for i := range out {
		n, err := s.nonces.Issue(envID, exp)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// checkNonces refuses a nonce that this server did not issue for envID
// or that has expired; using it up is the store's, in the write.
// claimNonces checks the device proof, if any, and that each nonce (the
// signed message's, then the device proof's) was issued here and is still
// unused. It returns the nonces the sign-in transaction then consumes.
func (s *Service) claimNonces(envID string, device *DeviceProof, nonces ...string) ([]string, error) {
	if device != nil {
		if err := device.Verify(); err != nil {
			return nil, err
		}
		if device.Nonce != "" {
			nonces = append(nonces, device.Nonce)
		}
	}
	if err := s.checkNonces(envID, nonces...); err != nil {
		return nil, err
	}
	return nonces, nil
}

func (s *Service) checkNonces(envID string, nonces ...string) error {
	now := s.now()
	for _, n := range nonces {
		if err := s.nonces.Check(envID, n, now); err != nil {
			return err
		}
	}
	return nil
}

// PurgeExpiredNonces forgets used nonces past their lifetime (they would
// be refused as expired anyway).
func (s *Service) PurgeExpiredNonces(ctx context.Context) (int64, error) {
	return s.store.DeleteExpiredNonces(ctx, s.now())
}

// profile is the user with their missing required fields.
func (s *Service) profile(ctx context.Context, u *users.User) (*users.Profile, error) {
	if s.profiles == nil {
		return &users.Profile{User: u}, nil
	}
	return s.profiles.Profile(ctx, u)
}
