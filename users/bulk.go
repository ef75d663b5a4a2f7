package users

import (
	"context"
	"slices"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// BulkFailure is one refused row of a bulk import.
type BulkFailure struct {
	Index int
	Input NewUser
	Err   error
}

// BulkResult is what a bulk import did, row by row.
type BulkResult struct {
	Created, Updated []User
	Failed           []BulkFailure
	Total            int
}

// BulkOptions tune BulkCreate; the zero value only creates.
type BulkOptions struct {
	// Upsert updates the user owning a row's email or wallet instead of
	// refusing the row as a duplicate.
	Upsert bool
	// Budget is how long an import may run before it stops between
	// batches and reports the rows it did not reach (default
	// BulkBudget); it ends well inside the server's write timeout.
	Budget time.Duration
	// Batch is how many rows share one transaction while users sign in
	// (BulkBatch when zero); an offline import (dynamicauth import) takes
	// hundreds. See BulkCreate for how batches grow when nobody does.
	Batch int
}

// Bulk imports write BulkBatch rows per transaction while users sign in,
// each transaction a few milliseconds long, and more (transactions up to
// about bulkMaxHold long) while nobody does.
const (
	BulkBatch  = 20
	BulkBudget = 30 * time.Second
	// bulkMaxHold: a batch is doubled only if the last took less than
	// half this, so a sign-in arriving during one waits at most about
	// this long (20 ms rather than 40 cost 5% of the rate into an empty
	// environment on SQLite, none seen at a million users).
	bulkMaxHold = 20 * time.Millisecond
)

// ErrBulkNotReached is a row an import did not reach: the request ended
// (the client went away or the time budget was spent) before its batch.
// Nothing of it was written; it can be sent again.
var ErrBulkNotReached = errs.Unprocessable("not_imported",
	"not imported: the request ended before this row; send it again", nil)

// BulkCreate imports rows in batches: each batch is one short write
// transaction in which each row is all or nothing (a refused row changes
// nothing and is reported; the others are created or, with opt.Upsert,
// update the user owning their email or wallet). A batch, once begun, is
// written whole even if the client goes away; between batches the import
// stops when the request ends or its budget is spent, and reports the
// rows not reached as failed with ErrBulkNotReached. What it reports is
// durable: the batches commit without waiting for the disk (one fsync per
// batch was most of an import's time on SQLite) and the import syncs once
// before it answers.
//
// Sign-ins come first: batches grow while nobody signs in and shrink,
// with a pause, when somebody does (pacer).
func (a *Admin) BulkCreate(ctx context.Context, p *tenant.Principal, envID string, rows []NewUser, opt BulkOptions) (*BulkResult, error) {
	if _, err := a.environment(ctx, p, envID, tenant.Write); err != nil {
		return nil, err
	}
	if len(rows) > admMaxBulkRows {
		return nil, errs.Invalid("body: at most %d users per request, got %d", admMaxBulkRows, len(rows))
	}
	if opt.Budget <= 0 {
		opt.Budget = BulkBudget
	}
	if opt.Batch <= 0 {
		opt.Batch = BulkBatch
	}
	deadline := a.clock().Add(opt.Budget)
	res := &BulkResult{Total: len(rows), Created: []User{}, Updated: []User{}, Failed: []BulkFailure{}}
	pace := pacer{least: opt.Batch, size: opt.Batch}
	for start := 0; start < len(rows); {
		if ctx.Err() != nil || a.clock().After(deadline) {
			for i := start; i < len(rows); i++ {
				res.Failed = append(res.Failed, BulkFailure{Index: i, Input: rows[i], Err: ErrBulkNotReached})
			}
			break
		}
		end := min(start+pace.size, len(rows))
		signIns, began := a.store.WriterSignIns(), a.clock()
		if err := a.importBatch(context.WithoutCancel(ctx), envID, rows, start, end, opt.Upsert, res); err != nil {
			// the batches before it stay; the client hears of none of them
			_ = a.store.Sync(context.WithoutCancel(ctx))
			return nil, err
		}
		if pause := pace.next(a.clock().Sub(began), a.store.WriterSignIns() != signIns); pause > 0 {
			a.pause(ctx, min(pause, deadline.Sub(a.clock())))
		}
		start = end
	}
	if err := a.store.Sync(context.WithoutCancel(ctx)); err != nil {
		return nil, err
	}
	slices.SortStableFunc(res.Failed, func(x, y BulkFailure) int { return x.Index - y.Index })
	return res, nil
}

// pacer sizes an import's batches so that sign-ins come first. While
// none begins, each batch is twice the last as long as the last took
// under bulkMaxHold/2 (a request has at most 1,000 rows): a commit per
// hundreds of rows instead of per twenty is most of the difference
// between 2,700 and 5,000 users/s on SQLite. Once a sign-in began during
// a batch, the next is back to the least size, and the import first
// pauses twice as long as the batch took (at most bulkMaxHold), leaving
// the writer and two thirds of its time to the sign-ins: at a million
// users on SQLite, a client signing in over and over took 2.7-3.1 times
// its idle time during an import of fixed 20-row batches, 1.8-2.0 with
// pauses as long as the batch, 1.4 with twice as long. Where writers run
// side by side (PostgreSQL) no sign-in waits for a batch, the store
// counts none, and the batches only grow.
type pacer struct {
	least, size int
}

// next sizes the batch after one that took took, during which a sign-in
// began or not, and returns how long to pause first.
func (p *pacer) next(took time.Duration, signedIn bool) time.Duration {
	switch {
	case signedIn:
		p.size = p.least
		return min(2*took, bulkMaxHold)
	case took < bulkMaxHold/2:
		p.size *= 2
	}
	return 0
}

// sleep waits d or until ctx ends (Admin.pause).
func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// importBatch saves rows[start:end] in one store batch and adds their
// outcomes to res.
func (a *Admin) importBatch(ctx context.Context, envID string, rows []NewUser, start, end int, upsert bool, res *BulkResult) error {
	now := a.now()
	batch := make([]*SaveUser, 0, end-start)
	index := make([]int, 0, end-start)
	for i := start; i < end; i++ {
		d, err := rows[i].draft("", envID, now)
		if err != nil {
			res.Failed = append(res.Failed, BulkFailure{Index: i, Input: rows[i], Err: err})
			continue
		}
		batch = append(batch, &SaveUser{Draft: d, Profile: rows[i].Profile, Upsert: upsert, Now: now})
		index = append(index, i)
	}
	if len(batch) == 0 {
		return nil
	}
	out, err := a.store.SaveUsers(ctx, batch)
	if err != nil {
		return err
	}
	for j, o := range out {
		switch i := index[j]; {
		case o.Err != nil:
			res.Failed = append(res.Failed, BulkFailure{Index: i, Input: rows[i], Err: o.Err})
		case o.Created:
			res.Created = append(res.Created, *o.User)
		default:
			res.Updated = append(res.Updated, *o.User)
		}
	}
	return nil
}
