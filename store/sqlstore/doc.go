// Package sqlstore implements the domain store interfaces once, for both
// backends. store/sqlite and store/postgres are drivers: they open the
// database, run its migrations and provide a Driver (reads, write
// transactions with savepoints, deferred writes, error classification and
// a Dialect); their Store types embed *sqlstore.Store, so every method
// written here is a method of both backends.
//
// # Adding a store interface
//
// 1. Declare the interface in its domain package (otp.Store, mfa.Store, …),
// with the sentinel errors the store returns (otp.ErrCodeNotFound, …) as
// errs.E values carrying their contract code. Nothing under store/ names a
// contract error code or an event name: events come from the events
// package (or are passed in by the domain), refusals from the domain
// (TestNoContractCodesOrEventNamesInStores in store/rules_test.go reads
// the source and fails on either).
//
// 2. Write one file here named after the interface's domain ("otp.go",
// "mfa.go", "passkeys.go"), starting with
//
//	var _ otp.Store = (*Store)(nil)
//
// and add the interface to store.Store (store/store.go).
//
// 3. Write SQL once, with $1, $2, … placeholders (SQLite binds $n by
// position; reuse of $n is fine), INSERT … ON CONFLICT … DO … RETURNING,
// and no PostgreSQL casts (write CAST($1 AS text), not $1::text). Pass
// time.Time and *time.Time arguments and scan into *time.Time and
// **time.Time as they are: the drivers encode them (UTC, to the
// millisecond). Booleans, strings, integers, []byte and JSON as a string
// work as they are. Where the SQL really differs, use the
// Dialect (s.d): s.in(col, n) with s.d.IDList(ids) for "col in this list",
// s.d.ILike for case-insensitive search, s.d.Binary to sort text
// byte-wise, s.d.ForUpdate to lock rows read for a later write. A new
// difference becomes a new Dialect field, set in both drivers
// (store/sqlite/driver.go, store/postgres/driver.go), never an if.
//
// 4. Reads outside a transaction use s.db.Reader(); a lone write statement
// s.db.Exec (it returns the rows affected). A transaction is
//
//	err := s.db.Write(ctx, func(tx Tx) error {
//		n, err := tx.Exec(ctx, `UPDATE … WHERE id = $1`, id)
//		…
//		return s.insertEvent(ctx, tx, envID, events.UserUpdated, userID, data, now)
//	})
//	return s.fail("update thing", thing.ErrNotFound, err)
//
// fn may run more than once (PostgreSQL retries deadlocks and
// serialization failures): reset anything it sets at its start. Writes
// whose result nobody reads go through tx.Defer: PostgreSQL sends them in
// one batch (call tx.Flush before reading what they wrote; Write flushes
// at the end), SQLite runs them at once. tx.Savepoint(ctx, fn) undoes fn's
// writes alone when fn fails (e.g. losing an INSERT … ON CONFLICT race).
// s.db.Grouped is Write for hot, small transactions (a sign-in): SQLite
// commits concurrent callers together. s.db.Snapshot gives reads that see
// one state (a count and its page).
//
// 5. Errors: return s.fail(op, notFound, err) from every method. It passes
// domain errors through, turns a missing row or a missing referenced row
// into notFound (the domain's sentinel), a unique violation into
// errs.Duplicate, anything else into an internal error whose op only the
// log sees (op is never shown to a client). To tell constraints apart, use
// s.unique(err, "name") and return the domain's sentinel; give such
// constraints the same name in both dialects, as a CREATE UNIQUE INDEX
// (SQLite names the index in its error only for an index over an
// expression, e.g. lower(email); otherwise it lists the columns,
// "table.col1, table.col2", which is what Constraint then holds).
// s.noRows(err) tells "no row" apart where that is not an error.
//
// 6. Migrations: schema SQL is per dialect, with the same number in
// store/sqlite/migrations and store/postgres/migrations (take the next free
// number when you land). SQLite: TEXT times (the layout TimeLayout), INTEGER
// booleans, TEXT JSON; PostgreSQL: timestamptz, boolean, jsonb. Give every
// query an index in both.
//
// 7. Tests: add the interface's cases to the contract suite in
// store/storetest (one file per domain, cases listed in Run in
// storetest.go); both backends run it (for PostgreSQL, export the
// DYNAMICAUTH_TEST_POSTGRES_URL that `eval "$(scripts/postgres.sh start)"`
// sets, as .ci/run does; see the README's Tests section). Test races
// with goroutines there: both backends must give the same answer.
package sqlstore
