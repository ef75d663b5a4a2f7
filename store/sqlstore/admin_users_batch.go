package sqlstore

// SaveUsers: the batches of the admin bulk import. A batch is written by
// one transaction without a savepoint per row, the rows of a create-only
// batch by a few multi-row statements; only a batch in which a row is
// refused inside the transaction is written again row by row, each row in
// its own savepoint, so that row alone fails.
//
// Why no savepoint per row on the fast path: SQLite's FTS5 index (the
// users' search index, kept by triggers) writes its pending rows to disk
// at every SAVEPOINT, a segment per row and the merges that follow; at a
// million users that was most of an import's time. Without savepoints it
// writes once per transaction. On PostgreSQL each savepoint is a round
// trip.

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/users"
)

// SaveUsers implements users.AdminStore: the reads that refuse taken
// emails and wallets run first, outside the writer; the rest is one
// transaction, committed lazily (Sync makes it durable). A row refused inside it (a value another row of the batch
// took, or a race with another writer) makes the batch run again with a
// savepoint per row, in which that row alone fails.
func (s *Store) SaveUsers(ctx context.Context, batch []*users.SaveUser) ([]users.SaveOutcome, error) {
	out := make([]users.SaveOutcome, len(batch))
	pending, err := s.refuseMatched(ctx, batch, out)
	if err != nil {
		return nil, err
	}
	if len(pending) == 0 {
		return out, nil
	}
	err = s.db.WriteLazy(ctx, func(tx Tx) error {
		return s.saveAll(ctx, tx, batch, pending, out)
	})
	if err == nil {
		return out, nil
	}
	if err := s.saveEach(ctx, batch, pending, out); err != nil {
		return nil, err
	}
	return out, nil
}

// refuseMatched sets out[i].Err for each row the reads refuse (a
// create whose email or wallet is taken, an ambiguous upsert) and returns
// the others. A create-only batch of one environment is read in a few
// queries for all its rows, any other row by row.
func (s *Store) refuseMatched(ctx context.Context, batch []*users.SaveUser, out []users.SaveOutcome) ([]int, error) {
	if createsOnly(batch) {
		return s.refuseTaken(ctx, s.db.Reader(), batch, out)
	}
	pending := make([]int, 0, len(batch))
	for i, w := range batch {
		if _, err := s.matchUser(ctx, s.db.Reader(), w); err != nil {
			if errs.KindOf(err) == errs.KindInternal {
				return nil, err
			}
			out[i].Err = err
			continue
		}
		pending = append(pending, i)
	}
	return pending, nil
}

// createsOnly: no row of the batch is an upsert, and all are of one
// environment.
func createsOnly(batch []*users.SaveUser) bool {
	for _, w := range batch {
		if w.Upsert || w.Draft.EnvironmentID != batch[0].Draft.EnvironmentID {
			return false
		}
	}
	return true
}

// saveAll writes the pending rows in tx, failing as a whole when any row
// fails.
func (s *Store) saveAll(ctx context.Context, tx Tx, batch []*users.SaveUser, pending []int, out []users.SaveOutcome) error {
	creates := true
	for _, i := range pending {
		creates = creates && !batch[i].Upsert
	}
	if creates {
		return s.createUsers(ctx, tx, batch, pending, out)
	}
	for _, i := range pending {
		var err error
		out[i] = users.SaveOutcome{} // fn may run again
		if out[i].User, out[i].Created, err = s.saveUser(ctx, tx, batch[i]); err != nil {
			return err
		}
	}
	return nil
}

// saveEach writes the pending rows in one transaction, each in a
// savepoint: a refused row is rolled back alone and reported.
func (s *Store) saveEach(ctx context.Context, batch []*users.SaveUser, pending []int, out []users.SaveOutcome) error {
	return s.fail("transaction", nil, s.db.WriteLazy(ctx, func(tx Tx) error {
		for _, i := range pending {
			out[i] = users.SaveOutcome{} // fn may run again
			err := tx.Savepoint(ctx, func(tx Tx) error {
				var err error
				out[i].User, out[i].Created, err = s.saveUser(ctx, tx, batch[i])
				return err
			})
			switch {
			case err == nil:
			case errs.KindOf(err) == errs.KindInternal:
				return err
			default:
				out[i] = users.SaveOutcome{Err: err}
			}
		}
		return nil
	}))
}

// Sync implements users.AdminStore: SaveUsers commits lazily (see
// Driver.WriteLazy); the import syncs before it reports.
func (s *Store) Sync(ctx context.Context) error {
	return s.fail("sync", nil, s.db.Sync(ctx))
}

// multiParams is how many parameters one multi-row INSERT binds at most
// (a batch of the HTTP API, BulkBatch rows, goes in one statement per
// table). Fewer statements are cheaper on SQLite beyond their number:
// each statement of a write transaction keeps a journal of the pages it
// changes (for its own rollback) and makes the search index (FTS5) write
// the rows it holds so far as a segment of their own.
const multiParams = 1000

// createUsers creates the pending rows' users with multi-row INSERTs: the
// users, their unique custom values, their credentials, their events
// (user.created, then wallet.linked for each wallet, as createUser
// records them) and the events' webhook messages. The unique indexes
// refuse what the reads before the writer did not see; the statement
// fails and with it the batch.
func (s *Store) createUsers(ctx context.Context, tx Tx, batch []*users.SaveUser, pending []int, out []users.SaveOutcome) error {
	envID := batch[pending[0]].Draft.EnvironmentID
	fields, err := s.listCustomFields(ctx, tx, envID)
	if err != nil {
		return err
	}
	var userRows, credRows, uniqueRows, eventRows [][]any
	event := func(u *users.User, name string, data map[string]string, at time.Time) error {
		row, err := eventRow(u.EnvironmentID, name, u.ID, data, at)
		eventRows = append(eventRows, row)
		return err
	}
	ids := make([]string, 0, len(pending))
	for _, i := range pending {
		u, now := batch[i].Draft, batch[i].Now
		if u.EnvironmentID != envID {
			// one environment per batch (the import's); anything else
			// goes row by row
			return errs.Internal("create users", errMixedEnvironments)
		}
		ids = append(ids, u.ID)
		userRows = append(userRows, userArgs(u, now))
		for _, v := range users.AdminUniqueValues(u, fields) {
			uniqueRows = append(uniqueRows, []any{v.FieldID, v.Value, u.ID})
		}
		if err := event(u, users.AdminEventUserCreated, map[string]string{"userId": u.ID}, now); err != nil {
			return err
		}
		for j := range u.Credentials {
			c := &u.Credentials[j]
			credRows = append(credRows, s.credentialArgs(u.ID, c))
			if c.Format != users.FormatBlockchain {
				continue
			}
			if err := event(u, users.AdminEventWalletLinked, map[string]string{"userId": u.ID, "walletId": c.ID}, now); err != nil {
				return err
			}
		}
	}
	inserts := []struct {
		op, table, cols string
		rows            [][]any
	}{
		{"create users", "users", userInsertCols, userRows},
		{"store unique values", "custom_field_unique_values", "field_id, value, user_id", uniqueRows},
		{"create credentials", "verified_credentials", credentialColumns, credRows},
		{"record events", "events", eventInsertCols, eventRows},
	}
	for _, in := range inserts {
		if err := s.insertRows(ctx, tx, in.op, "INSERT INTO "+in.table+" ("+in.cols+") VALUES ", in.rows); err != nil {
			return err
		}
	}
	eventIDs := make([]string, len(eventRows))
	for k, row := range eventRows {
		eventIDs[k] = row[0].(string)
	}
	if err := s.fanOutEvents(ctx, tx, eventIDs, batch[pending[0]].Now); err != nil {
		return err
	}
	if err := tx.Flush(ctx); err != nil {
		return s.fail("create users", nil, err)
	}
	saved, err := s.loadUsers(ctx, tx, ids)
	if err != nil {
		return err
	}
	for k, i := range pending {
		out[i] = users.SaveOutcome{User: &saved[k], Created: true}
		batch[i].Linked = credentialIDs(batch[i].Draft.Credentials)
	}
	return nil
}

// insertRows runs head followed by rows as VALUES lists, as many at a
// time as multiParams allows.
func (s *Store) insertRows(ctx context.Context, tx Tx, op, head string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	per := max(1, multiParams/len(rows[0]))
	for len(rows) > 0 {
		n := min(len(rows), per)
		var b strings.Builder
		b.WriteString(head)
		args := make([]any, 0, n*len(rows[0]))
		for r, row := range rows[:n] {
			if r > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for c, v := range row {
				if c > 0 {
					b.WriteString(", ")
				}
				args = append(args, v)
				b.WriteString(s.param(len(args)))
			}
			b.WriteByte(')')
		}
		if err := tx.Defer(ctx, b.String(), args...); err != nil {
			return s.fail(op, nil, err)
		}
		rows = rows[n:]
	}
	return nil
}

// param is the n-th parameter of a statement whose parameters appear
// once each, in order.
func (s *Store) param(n int) string {
	if s.d.Positional {
		return "?"
	}
	return "$" + strconv.Itoa(n)
}

var errMixedEnvironments = errors.New("a batch of users of several environments")
