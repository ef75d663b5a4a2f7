package sqlstore

import (
	"context"
	"runtime"
	"strings"
)

// Tracer starts a span around one store call and returns its end (the
// tracing package implements it with OpenTelemetry). name is the store
// method ("store.CompleteSignIn"), kind the transaction kind (write,
// grouped, snapshot) or read, system the database (sqlite, postgresql),
// query a read's SQL.
type Tracer interface {
	StartStore(ctx context.Context, name, kind, system, query string) (context.Context, func(error))
}

// Traced starts a span for each of drv's transactions and reads; a nil t
// returns drv itself, so that tracing off costs nothing.
func Traced(drv Driver, t Tracer) Driver {
	if t == nil {
		return drv
	}
	system := drv.Dialect().Name
	if system == "postgres" {
		system = "postgresql"
	}
	return traced{Driver: drv, t: t, system: system}
}

type traced struct {
	Driver
	t      Tracer
	system string
}

func (d traced) span(ctx context.Context, kind, query string) (context.Context, func(error)) {
	return d.t.StartStore(ctx, storeMethod(), kind, d.system, query)
}

func (d traced) Write(ctx context.Context, fn func(Tx) error) error {
	ctx, end := d.span(ctx, "write", "")
	err := d.Driver.Write(ctx, fn)
	end(err)
	return err
}

func (d traced) WriteLazy(ctx context.Context, fn func(Tx) error) error {
	ctx, end := d.span(ctx, "write", "")
	err := d.Driver.WriteLazy(ctx, fn)
	end(err)
	return err
}

func (d traced) Grouped(ctx context.Context, fn func(Tx) error) error {
	ctx, end := d.span(ctx, "grouped", "")
	err := d.Driver.Grouped(ctx, fn)
	end(err)
	return err
}

func (d traced) Snapshot(ctx context.Context, fn func(Querier) error) error {
	ctx, end := d.span(ctx, "snapshot", "")
	err := d.Driver.Snapshot(ctx, fn)
	end(err)
	return err
}

func (d traced) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	ctx, end := d.span(ctx, "exec", query)
	n, err := d.Driver.Exec(ctx, query, args...)
	end(err)
	return n, err
}

func (d traced) Reader() Querier { return tracedReader{q: d.Driver.Reader(), d: d} }

// tracedReader spans each read until its rows are closed or its row
// scanned.
type tracedReader struct {
	q Querier
	d traced
}

func (r tracedReader) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	ctx, end := r.d.span(ctx, "read", query)
	rows, err := r.q.Query(ctx, query, args...)
	if err != nil {
		end(err)
		return nil, err
	}
	return &tracedRows{Rows: rows, end: end}, nil
}

func (r tracedReader) QueryRow(ctx context.Context, query string, args ...any) Row {
	ctx, end := r.d.span(ctx, "read", query)
	return tracedRow{row: r.q.QueryRow(ctx, query, args...), end: end}
}

type tracedRows struct {
	Rows
	end  func(error)
	done bool
}

func (r *tracedRows) Close() {
	r.Rows.Close()
	if !r.done {
		r.done = true
		r.end(r.Rows.Err())
	}
}

type tracedRow struct {
	row Row
	end func(error)
}

func (r tracedRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	r.end(err)
	return err
}

const storeFrame = "github.com/dynamicauth/dynamicauth/store/sqlstore.(*Store)."

// storeMethod names the span after the Store method the call came from:
// the outermost of the (*Store) methods on the stack ("CompleteSignIn",
// not the completeSignIn it calls), as "store.CompleteSignIn".
func storeMethod() string {
	var pcs [24]uintptr
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	name := ""
	for {
		f, more := frames.Next()
		if m, ok := strings.CutPrefix(f.Function, storeFrame); ok {
			name, _, _ = strings.Cut(m, ".")
		} else if name != "" {
			break
		}
		if !more {
			break
		}
	}
	if name == "" {
		return "store"
	}
	return "store." + name
}
