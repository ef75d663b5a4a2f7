package users

import (
	"context"
	"fmt"
	"testing"

	"github.com/dynamicauth/dynamicauth/tenant"
)

// bulkFakeStore records how many rows each SaveUsers (one store
// transaction) was given.
type bulkFakeStore struct {
	admFakeStore
	batches []int
}

func (f *bulkFakeStore) SaveUsers(_ context.Context, batch []*SaveUser) ([]SaveOutcome, error) {
	f.batches = append(f.batches, len(batch))
	out := make([]SaveOutcome, len(batch))
	for i, w := range batch {
		out[i] = SaveOutcome{User: &User{ID: w.Draft.ID}, Created: true}
	}
	return out, nil
}

// Sync is recorded as a batch of 0 rows.
func (f *bulkFakeStore) Sync(context.Context) error {
	f.batches = append(f.batches, 0)
	return nil
}

// TestBulkCreateTransactionSize: the HTTP API's bulk creation writes
// BulkBatch rows per transaction; a caller's Batch (dynamicauth import)
// puts that many rows in each. The import syncs once, after its last
// batch (a 0 in the list), since the batches commit lazily.
func TestBulkCreateTransactionSize(t *testing.T) {
	rows := make([]NewUser, 2*BulkBatch+3)
	for i := range rows {
		rows[i] = NewUser{Email: fmt.Sprintf("u%d@example.com", i)}
	}
	p := &tenant.Principal{Token: tenant.Token{EnvironmentID: "a", OrganizationID: "o1"}}
	for _, tc := range []struct {
		batch int
		want  string
	}{
		{0, fmt.Sprint([]int{BulkBatch, BulkBatch, 3, 0})},
		{len(rows), fmt.Sprint([]int{len(rows), 0})},
		{BulkBatch + 1, fmt.Sprint([]int{BulkBatch + 1, BulkBatch + 1, 1, 0})},
	} {
		st := &bulkFakeStore{admFakeStore: admFakeStore{envs: map[string]*tenant.Environment{"a": {ID: "a", OrganizationID: "o1"}}}}
		res, err := NewAdmin(st, nil).BulkCreate(context.Background(), p, "a", rows, BulkOptions{Batch: tc.batch})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(st.batches); got != tc.want || len(res.Created) != len(rows) {
			t.Errorf("Batch %d: transactions of %s rows (%d created), want %s", tc.batch, got, len(res.Created), tc.want)
		}
	}
}
