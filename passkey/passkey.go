// Package passkey runs the WebAuthn ceremonies of end users with
// go-webauthn: registering a passkey while signed in, discoverable
// sign-in (never sign-up), and re-authentication as a second factor.
//
// The relying party is the environment: its allowed origins are the
// WebAuthn origins and the RP ID is the caller's origin host (or a
// relatedOriginRpId that is a parent of an allowed origin). Challenges
// are stored with an expiry and consumed once, so an assertion cannot be
// replayed; a sign counter that goes backwards is refused and logged.
package passkey

import (
	"context"
	"log/slog"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/go-webauthn/webauthn/protocol"
)

// Contract error codes.
const (
	CodeMaxPasskeys     = "max_passkeys_per_user"
	CodeNotFound        = "passkey_not_found"
	CodeInvalidRequest  = "invalid_verification"
	codeVerifyFailure   = "other_verify_failure"
	defaultMaxPerUser   = 10
	defaultChallengeTTL = 5 * time.Minute
)

// Ceremonies a challenge is issued for.
const (
	KindRegister     = "register"     // users/passkeys/register, users/mfa/register/passkey
	KindSignIn       = "signin"       // users/passkeys/signin (discoverable)
	KindAuthenticate = "authenticate" // users/passkeys/authenticate, users/mfa/auth/passkey
)

// Passkey is a WebAuthn credential of a user.
type Passkey struct {
	ID            string
	EnvironmentID string
	UserID        string
	// VerifiedCredentialID is the user's verified credential (format
	// passkey) that stands for this passkey; the store fills it in.
	VerifiedCredentialID string
	CredentialID         []byte
	// UserHandle is the WebAuthn user handle the passkey was registered
	// under where it is not UserID's: the merged user's id, for a
	// passkey a merge moved. "" means UserID (see Handle).
	UserHandle string
	// Credential is go-webauthn's credential record (public key, flags,
	// transports, AAGUID) as JSON.
	Credential []byte
	SignCount  uint32
	Alias      string
	Origin     string
	UserAgent  string
	CreatedAt  time.Time
	UpdatedAt  *time.Time
}

// Handle is the WebAuthn user handle the passkey's authenticator answers
// with.
func (p *Passkey) Handle() string {
	if p.UserHandle != "" {
		return p.UserHandle
	}
	return p.UserID
}

// Challenge is an issued ceremony waiting for its answer.
type Challenge struct {
	Challenge     string // base64url, as it comes back in clientDataJSON
	EnvironmentID string
	UserID        string // empty for a discoverable sign-in
	Kind          string
	Session       []byte // go-webauthn SessionData as JSON
	ExpiresAt     time.Time
}

// Store is the persistence passkeys need; each method is atomic.
type Store interface {
	InsertPasskeyChallenge(ctx context.Context, c *Challenge) error
	// TakePasskeyChallenge deletes and returns a live challenge of the
	// environment: each is answered once. Unknown, used or expired: not
	// found.
	TakePasskeyChallenge(ctx context.Context, envID, challenge string, now time.Time) (*Challenge, error)
	DeleteExpiredPasskeyChallenges(ctx context.Context, before time.Time) (int64, error)

	// InsertPasskey stores a passkey and its verified credential (format
	// passkey) unless the user already has max passkeys (a conflict with
	// CodeMaxPasskeys) or the credential id is registered (a conflict).
	// proof, if set, is spent first in the same transaction: none serving
	// refuses the insert (mfa.ErrProofRefused), and an insert refused
	// otherwise leaves it unspent.
	InsertPasskey(ctx context.Context, p *Passkey, cred *users.Credential, max int, proof *mfa.TokenUse) error
	ListPasskeys(ctx context.Context, userID string) ([]Passkey, error)
	GetPasskey(ctx context.Context, userID, id string) (*Passkey, error)
	PasskeyByCredentialID(ctx context.Context, envID string, credentialID []byte) (*Passkey, error)
	// UsePasskey moves the sign counter from prev to next and stores the
	// updated credential record, only if the counter is still prev: two
	// uses racing cannot both pass. ok is false otherwise.
	UsePasskey(ctx context.Context, id string, prev, next uint32, credential []byte, now time.Time) (ok bool, err error)
	UpdatePasskeyAlias(ctx context.Context, userID, id, alias string, now time.Time) error
	// DeletePasskey removes a passkey and its verified credential. proof,
	// if set, is spent first in the same transaction: none serving
	// refuses the delete (mfa.ErrProofRefused), and a delete refused
	// otherwise (ErrNotFound, the user's last way to sign in) leaves it
	// unspent.
	DeletePasskey(ctx context.Context, userID, id string, now time.Time, proof *mfa.TokenUse) error
}

// Environments is what the relying party is built from.
type Environments interface {
	GetEnvironment(ctx context.Context, id string) (*tenant.Environment, error)
	ListOrigins(ctx context.Context, envID string) ([]tenant.Origin, error)
	GetProject(ctx context.Context, id string) (*tenant.Project, error)
}

// Config tunes passkeys; zero values take the defaults. MaxPerUser and
// UserVerification are the defaults of environments whose settings
// (security.passkeys, see Settings) leave them out.
type Config struct {
	MaxPerUser       int                                  // default 10
	UserVerification protocol.UserVerificationRequirement // default preferred
	ChallengeTTL     time.Duration                        // default 5 minutes
}

// Deps are what the service is built on.
type Deps struct {
	Store  Store
	Envs   Environments
	Config Config
	Now    func() time.Time
	Logger *slog.Logger
}

// Service runs the ceremonies.
type Service struct {
	store Store
	envs  Environments
	cfg   Config
	now   func() time.Time
	log   *slog.Logger
}

// New builds the service.
func New(d Deps) *Service {
	if d.Config.MaxPerUser <= 0 {
		d.Config.MaxPerUser = defaultMaxPerUser
	}
	if !validUserVerification(string(d.Config.UserVerification)) {
		d.Config.UserVerification = protocol.VerificationPreferred
	}
	if d.Config.ChallengeTTL <= 0 {
		d.Config.ChallengeTTL = defaultChallengeTTL
	}
	s := &Service{store: d.Store, envs: d.Envs, cfg: d.Config, now: d.Now, log: d.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// List lists a user's passkeys.
func (s *Service) List(ctx context.Context, userID string) ([]Passkey, error) {
	return s.store.ListPasskeys(ctx, userID)
}

// Rename sets a passkey's alias.
func (s *Service) Rename(ctx context.Context, userID, id, alias string) (*Passkey, error) {
	if len(alias) > 255 {
		return nil, invalid("alias: must be at most 255 characters")
	}
	if _, err := s.get(ctx, userID, id); err != nil {
		return nil, err
	}
	if err := s.store.UpdatePasskeyAlias(ctx, userID, id, alias, s.clock()); err != nil {
		return nil, err
	}
	return s.get(ctx, userID, id)
}

// Delete removes one of the user's passkeys; it no longer signs in.
func (s *Service) Delete(ctx context.Context, userID, id string) error {
	return s.DeleteWithProof(ctx, userID, id, nil)
}

// DeleteWithProof is Delete taking a step-up proof, spent with the
// delete (Store.DeletePasskey) before its refusals: one the store
// refuses (ErrNotFound, the user's last way to sign in) leaves it
// unspent.
func (s *Service) DeleteWithProof(ctx context.Context, userID, id string, proof *mfa.TokenUse) error {
	if err := s.store.DeletePasskey(ctx, userID, id, s.now(), proof); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "passkey deleted", "user_id", userID, "passkey_id", id)
	return nil
}

// PurgeExpiredChallenges drops challenges nobody answered.
func (s *Service) PurgeExpiredChallenges(ctx context.Context) (int64, error) {
	return s.store.DeleteExpiredPasskeyChallenges(ctx, s.clock())
}

// HasPasskey reports whether the user has a passkey (an MFA method).
func (s *Service) HasPasskey(ctx context.Context, userID string) (bool, error) {
	ps, err := s.store.ListPasskeys(ctx, userID)
	return len(ps) > 0, err
}

func (s *Service) get(ctx context.Context, userID, id string) (*Passkey, error) {
	p, err := s.store.GetPasskey(ctx, userID, id)
	if errs.Is(err, errs.KindNotFound) {
		return nil, errs.NotFound(CodeNotFound, "no such passkey")
	}
	return p, err
}
