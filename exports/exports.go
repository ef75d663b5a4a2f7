// Package exports runs the admin Exports API (behaviour.md §7.2): an
// operator asks for a file of an environment's users, visits, wallets or
// events, in CSV or JSON; a background Runner writes it and the download
// serves it.
//
// The file lives in the store, in chunks (export_chunks), not on a local
// disk: with several replicas on one PostgreSQL, any replica can serve a
// download another one wrote, and SQLite keeps it beside everything else
// in the one database file. The Runner reads the source a page at a time
// (keyset pagination on an index) and writes a chunk whenever its buffer
// fills, so its memory does not grow with the row count. A job is claimed
// under a lease: a process that dies mid-export loses the lease, and the
// next claim starts the file over (its chunks are dropped in the claim's
// transaction). The export's status, its chunks and its events change
// only under the lease, so a worker that overran it writes nothing.
package exports

import (
	"context"
	"encoding/json"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/users"
)

// Formats of an export file. Dynamic's contract names csv; json (one JSON
// array of objects, the same fields) is this server's addition.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
)

// Models: what an export holds. Dynamic's contract names users and visits;
// wallets and events are this server's additions.
const (
	ModelUsers   = "users"
	ModelVisits  = "visits"
	ModelWallets = "wallets"
	ModelEvents  = "events"
)

// Statuses of an export (ExportStatusEnum).
const (
	StatusPending   = "pending"
	StatusCompleted = "completed"
	StatusFailed    = "failed"
)

// Events written with an export's changes, in the same transaction.
const (
	EventCreated   = events.ExportCreated
	EventCompleted = events.ExportCompleted
	EventFailed    = events.ExportFailed
)

// Filter narrows a users or visits export: Dynamic's
// UserSearchFilterParams (filterColumn, filterValue, filterSocialProvider,
// chain), kept as sent and parsed when the job runs.
type Filter struct {
	Column         string `json:"filterColumn,omitempty"`
	Value          string `json:"filterValue,omitempty"`
	SocialProvider string `json:"filterSocialProvider,omitempty"`
	Chain          string `json:"chain,omitempty"`
}

// IsZero reports whether f filters nothing.
func (f Filter) IsZero() bool { return f == Filter{} }

// Export is one export job and, once completed, its file.
type Export struct {
	ID            string
	EnvironmentID string
	Format        string
	Model         string
	Filter        Filter
	Status        string
	Error         string // why it failed; never a stack trace
	Rows          int64  // rows written (completed)
	Bytes         int64  // size of the file (completed)
	CreatedAt     time.Time
	StartedAt     *time.Time
	CompletedAt   *time.Time
}

// Errors the Service and the store return.
var (
	ErrNotFound = errs.NotFound("export_not_found", "Export not found")
	// ErrNotReady refuses the download of an export that is pending or
	// failed.
	ErrNotReady = errs.Unprocessable("", "The export is not completed; its file cannot be downloaded", nil)
	// ErrLeaseLost tells the Runner another worker took the job over.
	ErrLeaseLost = errs.Conflict("export_lease_lost", "The export was claimed by another worker")
	// ErrTooManyPending refuses an export while an environment already has
	// MaxPending waiting.
	ErrTooManyPending = errs.Unprocessable("", "This environment has too many exports in progress; wait for one to finish", nil)
)

// MaxPending bounds an environment's exports in progress: each one reads
// the whole model, so a client looping on POST must not queue thousands.
const MaxPending = 5

// Source is where the Runner reads rows, a page at a time in a stable
// order (keyset pagination: after is the last id of the previous page,
// "" for the first).
type Source interface {
	ExportUsers(ctx context.Context, envID string, f users.Filter, after string, limit int) ([]users.User, error)
	ExportVisits(ctx context.Context, envID string, f users.Filter, after string, limit int) ([]users.Visitor, error)
	ExportWallets(ctx context.Context, envID, after string, limit int) ([]users.Credential, error)
	// ExportEvents pages oldest first, after the position (created_at,
	// id) of after, the previous page's last event (nil for the first
	// page): the retention may have deleted that event meanwhile.
	ExportEvents(ctx context.Context, envID string, after *events.Event, limit int) ([]events.Event, error)
}

// Store is what exports need persisted.
type Store interface {
	Source
	// CreateExport stores a pending export and its EventCreated event in
	// one transaction, refusing with ErrTooManyPending when its
	// environment has max pending exports.
	CreateExport(ctx context.Context, e *Export, max int) error
	// ListExports returns an environment's exports, newest first, of one
	// model ("" for all), at most limit.
	ListExports(ctx context.Context, envID, model string, limit int) ([]Export, error)
	GetExport(ctx context.Context, envID, id string) (*Export, error)
	// ClaimExport leases the oldest pending export whose lease is free at
	// now, until until; sets its StartedAt on the first claim and drops
	// chunks a previous holder wrote. nil when none is due.
	ClaimExport(ctx context.Context, now, until time.Time) (*Export, error)
	// WriteChunk stores chunk seq of the export's file and moves its lease
	// from lease to next; ErrLeaseLost when the lease is no longer lease.
	WriteChunk(ctx context.Context, id string, seq int, data []byte, lease, next time.Time) error
	// FinishExport records e's final Status (with Error, Rows, Bytes and
	// CompletedAt) and its EventCompleted or EventFailed event, in one
	// transaction, under the lease; ErrLeaseLost otherwise.
	FinishExport(ctx context.Context, e *Export, lease time.Time) error
	// DeleteFinishedExports deletes the completed and failed exports that
	// finished before before, with their files; it returns how many.
	DeleteFinishedExports(ctx context.Context, before time.Time) (int, error)
	// ReadChunk returns chunk seq of a completed export's file, or nil
	// past the last.
	ReadChunk(ctx context.Context, id string, seq int) ([]byte, error)
}

// eventData is the data of an export's events: what and how, never rows.
func eventData(e *Export) map[string]any {
	d := map[string]any{"exportId": e.ID, "model": e.Model, "format": e.Format, "status": e.Status}
	if e.Status == StatusCompleted {
		d["rows"], d["bytes"] = e.Rows, e.Bytes
	}
	if e.Error != "" {
		d["error"] = e.Error
	}
	return d
}

// EventData is the data of e's event as the store writes it.
func EventData(e *Export) json.RawMessage {
	b, _ := json.Marshal(eventData(e))
	return b
}
