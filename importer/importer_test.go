package importer

import (
	"context"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// bulk is users.Admin's BulkCreate in memory: every row it is given is
// created.
type bulk struct{ rows []users.NewUser }

func (b *bulk) BulkCreate(_ context.Context, _ *tenant.Principal, _ string, rows []users.NewUser, _ users.BulkOptions) (*users.BulkResult, error) {
	res := &users.BulkResult{Total: len(rows)}
	for _, r := range rows {
		b.rows = append(b.rows, r)
		res.Created = append(res.Created, users.User{Email: r.Email})
	}
	return res, nil
}

// TestBadRowsReportedWithTheirLine: a verification time that is not one
// fails its row, instead of importing the email as unverified without a
// word, and a row is named by the line it starts on, past the cells of
// earlier rows that span lines (an export writes a name with a line break
// that way).
func TestBadRowsReportedWithTheirLine(t *testing.T) {
	file := "\n\nid,email,emailVerifiedAt,alias\n" +
		",a@example.com,2026-01-02T03:04:05.000Z,\"two\nlines\"\n" +
		",b@example.com,last tuesday,\n" +
		",c@example.com,,\n"
	src, err := NewFileSource(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	b := &bulk{}
	sum, err := Run(context.Background(), Deps{Users: b}, src)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Created != 2 || len(sum.Failed) != 1 {
		t.Fatalf("created %d, failed %+v; want a and c created, b failed", sum.Created, sum.Failed)
	}
	if f := sum.Failed[0]; f.Where != "line 6" || !strings.Contains(f.Reason, "emailVerifiedAt") {
		t.Errorf("failed row: %+v, want line 6 and its emailVerifiedAt", f)
	}
	for _, r := range b.rows {
		if r.Email == "b@example.com" {
			t.Errorf("b@example.com was imported (verified at %v)", r.EmailVerifiedAt)
		}
	}
	if b.rows[0].EmailVerifiedAt == nil {
		t.Errorf("a@example.com lost its verification time")
	}
}
