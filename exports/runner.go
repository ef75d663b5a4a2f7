package exports

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/users"
)

// RunnerDeps configure a Runner.
type RunnerDeps struct {
	Store Store
	Now   func() time.Time
	Log   *slog.Logger
	// Poll is how often to look for pending exports (2 s when zero).
	Poll time.Duration
	// Lease is how long a claim (and each chunk written) holds the job
	// (2 min when zero).
	Lease time.Duration
	// ChunkSize is the size of a stored chunk, and so about the memory a
	// job holds (1 MiB when zero).
	ChunkSize int
	// PageSize is how many rows a source read returns (500 when zero).
	PageSize int
	// Progress, when set, is told the rows written so far after each page.
	Progress func(e *Export, rows int64)
}

// Runner writes the files of pending exports.
type Runner struct {
	d    RunnerDeps
	wake chan struct{}
}

// NewRunner returns a Runner with d's defaults filled in.
func NewRunner(d RunnerDeps) *Runner {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Poll <= 0 {
		d.Poll = 2 * time.Second
	}
	if d.Lease <= 0 {
		d.Lease = 2 * time.Minute
	}
	if d.ChunkSize <= 0 {
		d.ChunkSize = 1 << 20
	}
	if d.PageSize <= 0 {
		d.PageSize = 500
	}
	return &Runner{d: d, wake: make(chan struct{}, 1)}
}

// Notify wakes the Runner after an export was created.
func (r *Runner) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run writes exports until ctx ends.
func (r *Runner) Run(ctx context.Context) {
	t := time.NewTicker(r.d.Poll)
	defer t.Stop()
	for {
		for {
			ran, err := r.RunOnce(ctx)
			if err != nil && ctx.Err() == nil {
				r.d.Log.Error("export", "err", err)
			}
			if !ran || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.wake:
		}
	}
}

func (r *Runner) now() time.Time { return r.d.Now().UTC().Truncate(time.Millisecond) }

// RunOnce claims one pending export and writes it, reporting whether it
// found one. A failure of the export itself is recorded on it (status
// failed); the error returned is one the store gave recording it.
func (r *Runner) RunOnce(ctx context.Context) (bool, error) {
	now := r.now()
	e, err := r.d.Store.ClaimExport(ctx, now, now.Add(r.d.Lease))
	if err != nil || e == nil {
		return false, err
	}
	lease := now.Add(r.d.Lease)
	w := &chunkWriter{ctx: ctx, store: r.d.Store, id: e.ID, size: r.d.ChunkSize, lease: lease, next: r.nextLease}
	rows, err := r.write(ctx, e, w)
	if err == nil {
		err = w.Close()
	}
	if errors.Is(err, ErrLeaseLost) || ctx.Err() != nil {
		// Another worker owns it now, or we are stopping: the lease runs
		// out and the next claim starts the file over.
		return true, nil
	}
	done := r.now()
	e.CompletedAt = &done
	if err != nil {
		r.d.Log.Error("export failed", "export", e.ID, "environment", e.EnvironmentID, "model", e.Model, "err", err)
		e.Status, e.Error = StatusFailed, "the export could not be written; the server log has the reason (export "+e.ID+")"
	} else {
		e.Status, e.Rows, e.Bytes = StatusCompleted, rows, w.written
		r.d.Log.Info("export completed", "export", e.ID, "environment", e.EnvironmentID, "model", e.Model,
			"rows", rows, "bytes", w.written)
	}
	if err := r.d.Store.FinishExport(ctx, e, w.lease); err != nil && !errors.Is(err, ErrLeaseLost) {
		return true, fmt.Errorf("finish export %s: %w", e.ID, err)
	}
	return true, nil
}

func (r *Runner) nextLease() time.Time { return r.now().Add(r.d.Lease) }

// encoder writes records as CSV rows or as the elements of a JSON array.
type encoder struct {
	w     io.Writer
	csv   *csv.Writer
	first bool
}

func newEncoder(format string, w io.Writer, columns []string) (*encoder, error) {
	e := &encoder{w: w, first: true}
	if format == FormatCSV {
		e.csv = csv.NewWriter(w)
		return e, e.csv.Write(columns)
	}
	_, err := io.WriteString(w, "[")
	return e, err
}

func (e *encoder) record(row []string, obj any) error {
	if e.csv != nil {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = escapeCell(v)
		}
		return e.csv.Write(cells)
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	sep := ",\n"
	if e.first {
		sep, e.first = "\n", false
	}
	if _, err := io.WriteString(e.w, sep); err != nil {
		return err
	}
	_, err = e.w.Write(b)
	return err
}

func (e *encoder) close() error {
	if e.csv != nil {
		e.csv.Flush()
		return e.csv.Error()
	}
	_, err := io.WriteString(e.w, "\n]\n")
	return err
}

// write streams e's model through its format into w, a page at a time,
// and returns how many rows it wrote.
func (r *Runner) write(ctx context.Context, e *Export, w io.Writer) (int64, error) {
	columns, fetch, err := r.source(ctx, e)
	if err != nil {
		return 0, err
	}
	enc, err := newEncoder(e.Format, w, columns)
	if err != nil {
		return 0, err
	}
	var rows int64
	after := ""
	for {
		if err := ctx.Err(); err != nil {
			return rows, err
		}
		last, recs, objs, err := fetch(after)
		if err != nil {
			return rows, err
		}
		for i := range recs {
			if err := enc.record(recs[i], objs[i]); err != nil {
				return rows, err
			}
		}
		rows += int64(len(recs))
		if r.d.Progress != nil {
			r.d.Progress(e, rows)
		}
		if len(recs) < r.d.PageSize {
			return rows, enc.close()
		}
		after = last
	}
}

// fetcher reads the page of rows after the row id after: the last row's
// id, and each row as CSV fields and as its JSON object.
type fetcher func(after string) (last string, recs [][]string, objs []any, err error)

// source is the columns and the pages of e's model.
func (r *Runner) source(ctx context.Context, e *Export) ([]string, fetcher, error) {
	uf, err := e.Filter.parse(e.Model)
	if err != nil {
		return nil, nil, err
	}
	src, n, env := r.d.Store, r.d.PageSize, e.EnvironmentID
	switch e.Model {
	case ModelUsers:
		return UserColumns, pages(func(after string) ([]users.User, error) { return src.ExportUsers(ctx, env, uf, after, n) },
			func(u *users.User) string { return u.ID },
			func(u *users.User) ([]string, any) { rec := NewUserRecord(u); return rec.CSV(), rec }), nil
	case ModelVisits:
		return VisitColumns, pages(func(after string) ([]users.Visitor, error) { return src.ExportVisits(ctx, env, uf, after, n) },
			func(v *users.Visitor) string { return v.ID },
			func(v *users.Visitor) ([]string, any) { rec := newVisitRecord(v); return rec.csv(), rec }), nil
	case ModelWallets:
		return WalletColumns, pages(func(after string) ([]users.Credential, error) { return src.ExportWallets(ctx, env, after, n) },
			func(c *users.Credential) string { return c.ID },
			func(c *users.Credential) ([]string, any) { rec := newWalletRecord(c); return rec.csv(), rec }), nil
	case ModelEvents:
		var last *events.Event // the previous page's last event
		read := func(string) ([]events.Event, error) {
			evs, err := src.ExportEvents(ctx, env, last, n)
			if len(evs) > 0 {
				ev := evs[len(evs)-1]
				last = &ev
			}
			return evs, err
		}
		return EventColumns, pages(read, func(ev *events.Event) string { return ev.ID },
			func(ev *events.Event) ([]string, any) { rec := newEventRecord(ev); return rec.csv(), rec }), nil
	}
	return nil, nil, fmt.Errorf("unknown model %q", e.Model)
}

// pages is the fetcher of a store read: id names a row, record turns it
// into its CSV fields and JSON object.
func pages[T any](read func(after string) ([]T, error), id func(*T) string, record func(*T) ([]string, any)) fetcher {
	return func(after string) (string, [][]string, []any, error) {
		rows, err := read(after)
		recs, objs := make([][]string, len(rows)), make([]any, len(rows))
		for i := range rows {
			recs[i], objs[i] = record(&rows[i])
		}
		last := ""
		if len(rows) > 0 {
			last = id(&rows[len(rows)-1])
		}
		return last, recs, objs, err
	}
}

// chunkWriter buffers a file and stores it a chunk at a time, moving the
// job's lease forward with each chunk.
type chunkWriter struct {
	ctx     context.Context
	store   Store
	id      string
	size    int
	buf     []byte
	seq     int
	written int64
	lease   time.Time
	next    func() time.Time
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		room := w.size - len(w.buf)
		k := min(room, len(p))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		if len(w.buf) == w.size {
			if err := w.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (w *chunkWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	next := w.next()
	if err := w.store.WriteChunk(w.ctx, w.id, w.seq, w.buf, w.lease, next); err != nil {
		return err
	}
	w.lease = next
	w.seq++
	w.written += int64(len(w.buf))
	w.buf = w.buf[:0]
	return nil
}

// Close stores what is left in the buffer.
func (w *chunkWriter) Close() error { return w.flush() }
