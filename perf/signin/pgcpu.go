package main

import (
	"context"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgMeter reads the CPU time of the PostgreSQL backends that serve one
// application_name (each temporary database gets its own), from /proc:
// PostgreSQL's share of a sign-in, which on one machine is CPU the server
// does not have. Where PostgreSQL runs elsewhere (no such processes here)
// it reads nothing. Backends that exit during a phase are not counted;
// the pools keep theirs open.
type pgMeter struct {
	dsn, app string
	start    map[int]time.Duration
	ok       bool
}

// appName is the application_name a temporary database's URL carries.
func appName(db string) string {
	u, err := url.Parse(db)
	if err != nil {
		return ""
	}
	return u.Query().Get("application_name")
}

func startPG(ctx context.Context, dsn, db string) *pgMeter {
	m := &pgMeter{dsn: dsn, app: appName(db)}
	if m.app == "" {
		return m
	}
	m.start, m.ok = m.read(ctx)
	return m
}

// used is the backends' CPU time since the meter started, and whether it
// could be read.
func (m *pgMeter) used(ctx context.Context) (time.Duration, bool) {
	if !m.ok {
		return 0, false
	}
	now, ok := m.read(ctx)
	if !ok {
		return 0, false
	}
	var d time.Duration
	for pid, t := range now {
		d += t - m.start[pid] // a backend started during the phase counts from 0
	}
	return d, true
}

// read lists the backends of the application name and their CPU times.
func (m *pgMeter) read(ctx context.Context) (map[int]time.Duration, bool) {
	conn, err := pgx.Connect(ctx, m.dsn)
	if err != nil {
		return nil, false
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, m.app)
	if err != nil {
		return nil, false
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil || len(pids) == 0 {
		return nil, false
	}
	out := make(map[int]time.Duration, len(pids))
	for _, pid := range pids {
		t, ok := procCPUOk(int(pid))
		if !ok {
			return nil, false // not on this machine
		}
		out[int(pid)] = t
	}
	return out, true
}
