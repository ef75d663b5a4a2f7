package users

// The operator's view of end users (the admin Users, Wallets, Sessions and
// Visits groups): listing with filters, creating and importing users,
// editing profiles, managing wallets and sessions. Every method takes the
// admin principal and applies the reach rules of tenant: a path
// environment out of reach is refused (403); a user, wallet or session
// whose environment is out of reach does not exist for the caller (404).

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// UserSession is the admin view of an end user's session.
type UserSession struct {
	ID            string
	UserID        string
	EnvironmentID string
	IPAddress     string
	UserAgent     string
	CreatedAt     time.Time
	RevokedAt     *time.Time
}

// Visitor is a wallet connection recorded before any sign-in.
type Visitor struct {
	ID            string
	EnvironmentID string
	Address       string // as shown: EIP-55 for EVM
	Chain         string // ChainEnum, as the SDK sent it
	Provider      string
	WalletName    string
	CreatedAt     time.Time
}

// Events written with admin changes (the outbox shared with sign-in).
const (
	AdminEventUserCreated    = events.UserCreated
	AdminEventUserUpdated    = events.UserUpdated
	AdminEventUserDeleted    = events.UserDeleted
	AdminEventWalletLinked   = events.WalletLinked
	AdminEventWalletUnlinked = events.WalletUnlinked
	AdminEventSessionRevoked = "admin.user.session.revoked"
)

// Limits on operator-supplied values.
const (
	admMaxText      = 255
	admMaxMetadata  = 8 << 10
	admDefaultLimit = 100
	admMaxLimit     = 1000
	admMaxBulkRows  = 1000
)

// MaxListCount bounds the count of a filtered users list.
const MaxListCount = 10000

// The refusals the admin store reports.
var (
	ErrAdminUserNotFound     = ErrUserNotFound
	ErrAdminWalletNotFound   = errs.NotFound("wallet_not_found", "wallet not found")
	ErrAdminSessionNotFound  = errs.NotFound("session_not_found", "session not found")
	ErrAdminEmailTaken       = errs.Conflict("email_already_exists", "a user of this environment already has this email")
	ErrAdminUsernameTaken    = errs.Conflict("username_already_exists", "a user of this environment already has this username")
	ErrAdminWalletTaken      = errs.Conflict("duplicate_exists", "this wallet already belongs to a user of this environment")
	ErrAdminUserExists       = errs.Conflict("duplicate_exists", "a user with this id already exists")
	ErrAdminAmbiguousUpsert  = errs.Conflict("duplicate_exists", "the id, the email and the wallets belong to different users")
	ErrAdminNoEmbeddedWallet = errs.Unprocessable("no_compatible_wallet_service_enabled", "no embedded wallet provider configured", nil)
)

// SaveUser is one create or import of a user: all or nothing.
type SaveUser struct {
	Draft   *User        // the user to create, with its credentials
	Profile ProfilePatch // the fields the caller set (for upsert)
	// Upsert updates the user owning Draft's email or wallets instead of
	// refusing the duplicate.
	Upsert bool
	Now    time.Time
	// Linked is set by the store: the ids of the credentials the save
	// gave the user (all of a user it created, those an upsert added).
	Linked []string
}

// SaveOutcome is what SaveUsers did with one row: saved (Created tells a
// new user from an updated one) or refused with Err.
type SaveOutcome struct {
	User    *User
	Created bool
	Err     error
}

// AdminStore is the persistence of the admin operations. Each write is
// atomic and records its events.
type AdminStore interface {
	UserFinder
	GetEnvironment(ctx context.Context, id string) (*tenant.Environment, error)
	GetUser(ctx context.Context, id string) (*User, error)
	ListUsers(ctx context.Context, envID string, q ListQuery) (*UserList, error)
	UserSessions(ctx context.Context, userID string) ([]UserSession, error)
	// SaveUser creates Draft, or with Upsert merges it (see Merge) into
	// the user owning its email or wallets; created tells which.
	SaveUser(ctx context.Context, w *SaveUser) (u *User, created bool, err error)
	// SaveUsers saves a batch in one short write transaction, each row
	// all or nothing (as SaveUser): a refused row is reported in its
	// outcome and changes nothing. An error fails the whole batch, which
	// then changes nothing.
	// Its commit need not wait for the disk: a crash may lose the latest
	// batches, each whole, until Sync.
	SaveUsers(ctx context.Context, batch []*SaveUser) ([]SaveOutcome, error)
	// Sync makes every write so far durable.
	Sync(ctx context.Context) error
	// WriterSignIns counts the sign-ins begun since the store opened that
	// wait for the writer an import's batch holds (none where writers run
	// side by side): a bulk import gives way when it moves (bulk.go).
	WriterSignIns() uint64
	// UpdateUser loads the user, lets edit change it and writes it back.
	UpdateUser(ctx context.Context, id string, edit func(*User) error, now time.Time) (*User, error)
	DeleteUser(ctx context.Context, id string, now time.Time) error
	// RevokeUserSessions revokes every live session of the user.
	RevokeUserSessions(ctx context.Context, userID string, at time.Time, event string) error
	GetUserSession(ctx context.Context, id string) (*UserSession, error)
	RevokeSession(ctx context.Context, id string, at time.Time, event string) error
	GetCredential(ctx context.Context, id string) (*Credential, error)
	// AddCredential links c to its user; a credential already owned by
	// anyone is ErrAdminWalletTaken.
	AddCredential(ctx context.Context, c *Credential, now time.Time) error
	// DeleteCredential removes a credential after check approves it
	// against its user, in the same transaction.
	DeleteCredential(ctx context.Context, id string, check func(*User) error, now time.Time) error
	ListWallets(ctx context.Context, envID string, p Page) ([]Credential, int, error)
	ListVisitors(ctx context.Context, envID string, q ListQuery) ([]Visitor, int, error)
}

// Admin applies the admin rules on top of an AdminStore.
type Admin struct {
	store AdminStore
	now   func() time.Time
	// clock and pause time an import's batches and wait (bulk.go): the
	// wall clock, whatever now is
	clock func() time.Time
	pause func(ctx context.Context, d time.Duration)
}

// NewAdmin builds the service; now may be nil for the wall clock.
func NewAdmin(store AdminStore, now func() time.Time) *Admin {
	if now == nil {
		now = time.Now
	}
	return &Admin{store: store, now: func() time.Time { return now().UTC().Truncate(time.Millisecond) },
		clock: time.Now, pause: sleep}
}

// environment loads a path environment and checks reach and scope.
func (a *Admin) environment(ctx context.Context, p *tenant.Principal, envID string, acc tenant.Access) (*tenant.Environment, error) {
	return tenant.UseEnvironment(ctx, a.store, p, envID, acc.Users())
}

// CheckUser tells whether the principal reaches the user with access acc;
// an unreachable user is not found.
func (a *Admin) CheckUser(ctx context.Context, p *tenant.Principal, envID, userID string, acc tenant.Access) error {
	_, err := a.user(ctx, p, envID, userID, acc)
	return err
}

// user loads a user of envID (any reachable environment when envID is
// empty: the legacy routes).
func (a *Admin) user(ctx context.Context, p *tenant.Principal, envID, userID string, acc tenant.Access) (*User, error) {
	if envID != "" {
		if _, err := a.environment(ctx, p, envID, acc); err != nil {
			return nil, err
		}
	}
	u, err := a.store.GetUser(ctx, userID)
	if errs.Is(err, errs.KindNotFound) || err == nil && envID != "" && u.EnvironmentID != envID {
		return nil, ErrAdminUserNotFound
	}
	if err != nil {
		return nil, err
	}
	if envID == "" {
		if err := tenant.ReachRecord(ctx, a.store, p, u.EnvironmentID, acc.Users(), ErrAdminUserNotFound); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// ListUsers lists an environment's users.
func (a *Admin) ListUsers(ctx context.Context, p *tenant.Principal, envID string, q ListQuery) (*UserList, error) {
	if _, err := a.environment(ctx, p, envID, tenant.Read); err != nil {
		return nil, err
	}
	q, err := q.withDefaults(UserOrderFields)
	if err != nil {
		return nil, err
	}
	return a.store.ListUsers(ctx, envID, q)
}

// GetUser returns a user and their sessions; envID empty: legacy route.
func (a *Admin) GetUser(ctx context.Context, p *tenant.Principal, envID, userID string) (*User, []UserSession, error) {
	u, err := a.user(ctx, p, envID, userID, tenant.Read)
	if err != nil {
		return nil, nil, err
	}
	sessions, err := a.store.UserSessions(ctx, u.ID)
	if err != nil {
		return nil, nil, err
	}
	return u, sessions, nil
}

// CreateUser creates a user; a duplicate email, username, wallet or id
// is refused.
func (a *Admin) CreateUser(ctx context.Context, p *tenant.Principal, envID string, in NewUser) (*User, error) {
	if _, err := a.environment(ctx, p, envID, tenant.Write); err != nil {
		return nil, err
	}
	now := a.now()
	d, err := in.draft("", envID, now)
	if err != nil {
		return nil, err
	}
	u, _, err := a.store.SaveUser(ctx, &SaveUser{Draft: d, Profile: in.Profile, Now: now})
	return u, err
}

// UpdateUser changes the profile fields that are set.
func (a *Admin) UpdateUser(ctx context.Context, p *tenant.Principal, envID, userID string, prof ProfilePatch) (*User, error) {
	if _, err := a.user(ctx, p, envID, userID, tenant.Write); err != nil {
		return nil, err
	}
	if err := prof.normalize(""); err != nil {
		return nil, err
	}
	return a.store.UpdateUser(ctx, userID, func(u *User) error {
		prof.Apply(u)
		return nil
	}, a.now())
}

// DeleteUser removes a user with their credentials and sessions, so their
// session tokens are refused at once.
func (a *Admin) DeleteUser(ctx context.Context, p *tenant.Principal, envID, userID string) error {
	if _, err := a.user(ctx, p, envID, userID, tenant.Write); err != nil {
		return err
	}
	return a.store.DeleteUser(ctx, userID, a.now())
}

// RevokeUserSessions ends every session of a user at once.
func (a *Admin) RevokeUserSessions(ctx context.Context, p *tenant.Principal, envID, userID string) error {
	if _, err := a.user(ctx, p, envID, userID, tenant.Write); err != nil {
		return err
	}
	return a.store.RevokeUserSessions(ctx, userID, a.now(), AdminEventSessionRevoked)
}
