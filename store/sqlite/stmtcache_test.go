package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// A query text past the cache's bound still runs (unprepared) and is not
// kept: the cache cannot grow without end.
func TestStatementCacheIsBounded(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	d := newCachedDB(db)
	d.limit = 2
	defer d.Close()
	if _, err := d.ExecContext(ctx, "CREATE TABLE t (v INTEGER)"); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := d.ExecContext(ctx, fmt.Sprintf("INSERT INTO t (v) VALUES (%d)", i)); err != nil {
			t.Fatalf("insert %d: %v", i, err)
		}
	}
	var sum int
	if err := d.QueryRowContext(ctx, "SELECT sum(v) FROM t").Scan(&sum); err != nil || sum != 0+1+2+3+4 {
		t.Fatalf("sum = %d, %v; want 10", sum, err)
	}
	rows, err := d.QueryContext(ctx, "SELECT v FROM t WHERE v > $1", 2)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	rows.Close()
	if n != 2 {
		t.Fatalf("rows = %d, want 2", n)
	}
	kept := 0
	d.stmts.Range(func(_, _ any) bool { kept++; return true })
	if kept != 2 || d.n.Load() != 2 {
		t.Fatalf("cached %d statements (counter %d), want the bound 2", kept, d.n.Load())
	}
}
