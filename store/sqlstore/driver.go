package sqlstore

import (
	"context"

	"github.com/riverqueue/river"
)

// Row is one result row (*sql.Row and pgx.Row both are).
type Row interface {
	Scan(dest ...any) error
}

// Rows is a result set.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Querier runs reads: the reader pool, a snapshot, or a write transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) Row
}

// Tx is one write transaction.
type Tx interface {
	Querier
	// Exec runs a write now and returns the rows it affected.
	Exec(ctx context.Context, sql string, args ...any) (int64, error)
	// Defer queues a write whose result nobody reads. PostgreSQL sends the
	// queue as one pgx.Batch at the next Flush (or when the transaction's
	// function returns), SQLite runs it at once. Reads do not see deferred
	// writes before Flush.
	Defer(ctx context.Context, sql string, args ...any) error
	// DeferQuery queues a read that sees the writes queued before it; scan
	// gets its rows at the next Flush (SQLite: at once), so a transaction
	// can end its writes and read the result in one round trip.
	DeferQuery(ctx context.Context, scan func(Rows) error, sql string, args ...any) error
	// Flush sends the deferred writes and returns the first failure.
	Flush(ctx context.Context) error
	// Savepoint runs fn in a nested transaction: when fn fails, its writes
	// alone are rolled back and its error returned.
	Savepoint(ctx context.Context, fn func(Tx) error) error
	// AfterFlush runs fn once what is queued so far has been sent (SQLite:
	// at once), still inside the transaction, so that a DeferQuery's rows
	// can decide a write without a round trip of its own when they are
	// empty. fn's error is returned (SQLite) or fails the Flush.
	AfterFlush(ctx context.Context, fn func(ctx context.Context) error) error
	// InsertJobs inserts River jobs in this transaction (after flushing the
	// queued writes): they exist if and only if the transaction commits.
	InsertJobs(ctx context.Context, jobs []river.InsertManyParams) error
}

// Driver is what a backend provides: connections, transactions and the
// classification of its errors. SQL itself is written once, in this
// package.
type Driver interface {
	Dialect() *Dialect
	// Reader runs reads outside a transaction.
	Reader() Querier
	// Exec runs one write statement on its own (autocommit) and returns
	// the rows it affected.
	Exec(ctx context.Context, sql string, args ...any) (int64, error)
	// Write runs fn in one write transaction, committed if fn returns nil.
	// PostgreSQL re-runs fn after a deadlock or serialization failure, so fn
	// must not keep state across runs except by resetting it at its start.
	Write(ctx context.Context, fn func(Tx) error) error
	// WriteLazy is Write whose commit need not wait for the disk: a crash
	// may lose it, whole, with the other lazy commits after the last
	// durable one, never part of it nor a commit before it. Sync makes it
	// durable. SQLite commits it with synchronous=NORMAL; PostgreSQL runs
	// a Write (its commits were not what a bulk import waited for).
	WriteLazy(ctx context.Context, fn func(Tx) error) error
	// Sync makes every commit so far durable.
	Sync(ctx context.Context) error
	// Grouped is Write for the hot, small transactions (a sign-in): SQLite
	// commits concurrent callers together (each inside its own savepoint),
	// PostgreSQL runs a Write.
	Grouped(ctx context.Context, fn func(Tx) error) error
	// Snapshot runs fn with reads that see one state (a count and its page).
	Snapshot(ctx context.Context, fn func(Querier) error) error
	// Classify says what a driver error means.
	Classify(err error) Fault
	Ping(ctx context.Context) error
}

// FaultKind is what went wrong, independent of the backend.
type FaultKind int

const (
	FaultOther      FaultKind = iota
	FaultNoRows               // a QueryRow found nothing
	FaultUnique               // a unique constraint refused the write
	FaultForeignKey           // a referenced row is missing
	FaultRetryable            // deadlock or serialization failure
	FaultText                 // text the backend cannot store (PostgreSQL: U+0000, bytes not UTF-8)
)

// Fault is a classified driver error. Constraint names the unique index or
// constraint when the backend tells it (PostgreSQL always; SQLite for a
// unique index over an expression, e.g. lower(email)).
type Fault struct {
	Kind       FaultKind
	Constraint string
}

// Times: pass time.Time and *time.Time as they are and scan into
// *time.Time and **time.Time; the drivers encode them (SQLite: fixed-width
// UTC text, TimeLayout; PostgreSQL: timestamptz to the millisecond).

// Dialect holds the few places where the SQL of SQLite and PostgreSQL
// really differs. Everything else is written once with $n placeholders.
type Dialect struct {
	Name string
	// IDList encodes a list of strings as one parameter, and InList is the
	// SQL that tests a column against it: "col IN (SELECT value FROM
	// json_each($n))" or "col = ANY($n)". Use d.in(col, n).
	IDList func(ids []string) any
	InList string // fmt pattern: column, parameter number
	// Positional: the parameters of a statement whose every parameter
	// appears once, in order (a multi-row INSERT), may be written "?"
	// instead of "$n". SQLite's driver looks each "$n" up by its name in
	// the statement's list of names, so binding n of them costs n²/2
	// steps (a multi-row INSERT of 20 users has 320); "?" it binds by
	// position.
	Positional bool
	// OneWriter: write transactions run one at a time (SQLite), so a
	// sign-in waits for an import's batch to commit; PostgreSQL's run side
	// by side (see Store.WriterSignIns).
	OneWriter bool
	// CommitsLater: Grouped runs a caller's deferred statements at once
	// and commits them after fn returns, with other callers' (SQLite's
	// group commit), so a sign-in's result is known before its commit
	// (signin.Write.Written).
	CommitsLater bool
	// ILike is the case-insensitive LIKE operator (LIKE in SQLite, ILIKE
	// in PostgreSQL), always used with ESCAPE '\'.
	ILike string
	// Binary is the collation suffix that makes text sort byte-wise, as
	// SQLite sorts by default ("" or ` COLLATE "C"`).
	Binary string
	// JSON, where the two differ. JSONKey encodes a top-level key of a
	// JSON object as the statements below take it (SQLite: a JSON path,
	// PostgreSQL: the key itself).
	JSONKey func(name string) string
	// RenameMetadataKey updates users of environment $3, moving the value
	// of metadata key $1 to key $2.
	RenameMetadataKey string
	// MetadataStrings selects (id, value) of the users of environment $2
	// whose metadata key $1 holds a string.
	MetadataStrings string
	// AppendPreviousUser is previous_users (a JSON array, or anything
	// else meaning none) with the user id in $2 appended.
	AppendPreviousUser string
	// Bucket is SQL giving, as text, the UTC bucket of the time column col:
	// unit "day" (YYYY-MM-DD), "week" (its Monday, YYYY-MM-DD), "month"
	// (its first day, YYYY-MM-DD), "hour" (0-23) or "weekday" (0-6, 0 =
	// Sunday). Analytics group by it.
	Bucket func(unit, col string) string
	// Contains is the condition keeping the users of environment $1 whose
	// text column col (of users) contains value in any letter case, and
	// the argument $2 it takes, answered by a trigram index. value has at
	// least MinSearchRunes characters: a trigram index cannot answer a
	// shorter one.
	Contains func(col, value string) (cond string, arg any)
	// EntryContains is the condition keeping the entries of allowlist $1
	// whose identifier (match_key) or alias contains value in any letter
	// case, and the argument $2 it takes, answered by a trigram index;
	// value has at least MinSearchRunes characters, as for Contains.
	EntryContains func(value string) (cond string, arg any)
	// ForUpdate locks the selected rows until the transaction ends where
	// the backend has row locks (SQLite has one writer: "").
	ForUpdate string
	// ForNoKeyUpdate locks a parent row (an environment, an organization)
	// against other writers without holding off inserts of rows that
	// reference it: PostgreSQL's foreign-key check takes KEY SHARE, which
	// FOR UPDATE blocks, so a sign-in would wait for an admin's create
	// ("" on SQLite, as ForUpdate).
	ForNoKeyUpdate string
}
