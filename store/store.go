// Package store names what a storage backend must provide: the union of the
// persistence interfaces the domain packages declare. sqlstore/ implements
// them once; sqlite/ and postgres/ are its drivers; storetest/ is the one
// contract suite every backend passes.
package store

import (
	"context"

	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/analytics"
	"github.com/dynamicauth/dynamicauth/devices"
	"github.com/dynamicauth/dynamicauth/envconfig"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/exports"
	"github.com/dynamicauth/dynamicauth/jobs"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/passkey"
	"github.com/dynamicauth/dynamicauth/sdksettings"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/signing"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/testaccounts"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/dynamicauth/dynamicauth/webhooks"
	"github.com/riverqueue/river/rivertype"
)

// Store is a complete backend.
type Store interface {
	tenant.Store
	signing.Store
	session.Store
	signin.Store
	signin.LinkStore
	signin.MergeStore
	signin.Owners
	users.ProfileStore
	users.AdminStore
	mfa.Store
	devices.Store
	passkey.Store
	otp.Store
	social.ProviderStore
	social.StateStore
	social.TelegramReplays
	social.TokenStore
	access.Store
	webhooks.Store
	events.Store
	analytics.Store
	envconfig.Store
	access.CheckStore
	sdksettings.Store
	exports.Store
	secrets.SealedStore
	testaccounts.Store
	// RunJobs works River jobs (webhook deliveries) with c's workers
	// until ctx ends.
	RunJobs(ctx context.Context, c jobs.Config) error
	// Jobs lists the River jobs of kind with an id above after, by id
	// (tests see what a transaction enqueued).
	Jobs(ctx context.Context, kind string, after int64) ([]*rivertype.JobRow, error)
	// Backup writes a consistent copy of the database to the file dest,
	// which must not exist, while the store serves (SQLite); a backend
	// backed up with its own tools (PostgreSQL: pg_dump) says so.
	Backup(ctx context.Context, dest string) error
	// Ping reports whether the backend answers (readiness).
	Ping(ctx context.Context) error
	Close() error
}
