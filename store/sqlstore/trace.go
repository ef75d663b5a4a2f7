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
	return hooked{Driver: drv, reads: true, start: func(ctx context.Context, kind, query string) (context.Context, func(error)) {
		return t.StartStore(ctx, storeMethod(), kind, system, query)
	}}
}

// hookedReader spans each read until its rows are closed or its row
// scanned.
type hookedReader struct {
	q Querier
	d hooked
}

func (r hookedReader) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	ctx, end := r.d.start(ctx, "read", query)
	rows, err := r.q.Query(ctx, query, args...)
	if err != nil {
		end(err)
		return nil, err
	}
	return &tracedRows{Rows: rows, end: end}, nil
}

func (r hookedReader) QueryRow(ctx context.Context, query string, args ...any) Row {
	ctx, end := r.d.start(ctx, "read", query)
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
