package users

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/tenant"
)

// bulkFakeStore records how many rows each SaveUsers (one store
// transaction) was given. Each batch takes took on the clock, and the
// batches listed in signInDuring see a sign-in begin.
type bulkFakeStore struct {
	admFakeStore
	batches      []int
	clock        time.Time
	took         time.Duration
	signInDuring map[int]bool
	signIns      uint64
}

func (f *bulkFakeStore) SaveUsers(_ context.Context, batch []*SaveUser) ([]SaveOutcome, error) {
	if f.signInDuring[len(f.batches)] {
		f.signIns++
	}
	f.batches = append(f.batches, len(batch))
	f.clock = f.clock.Add(f.took)
	out := make([]SaveOutcome, len(batch))
	for i, w := range batch {
		out[i] = SaveOutcome{User: &User{ID: w.Draft.ID}, Created: true}
	}
	return out, nil
}

func (f *bulkFakeStore) WriterSignIns() uint64 { return f.signIns }

// Sync is recorded as a batch of 0 rows.
func (f *bulkFakeStore) Sync(context.Context) error {
	f.batches = append(f.batches, 0)
	return nil
}

// TestBulkCreateTransactionSize: an import's batches (one transaction
// each) double while no sign-in begins and each is quick; once a sign-in
// began during a batch, the next is back to BulkBatch (or the caller's
// Batch, as dynamicauth import sets) and the import first pauses twice as
// long as that batch took (at most bulkMaxHold). The import syncs once,
// after its last batch (a 0 in the list), since the batches commit lazily.
func TestBulkCreateTransactionSize(t *testing.T) {
	const quick, slow = time.Millisecond, bulkMaxHold / 2
	p := &tenant.Principal{Token: tenant.Token{EnvironmentID: "a", OrganizationID: "o1"},
		Memberships: map[string]tenant.Role{"o1": tenant.RoleDeveloper}}
	for _, tc := range []struct {
		name    string
		rows    int
		batch   int
		took    time.Duration
		signIns []int // batches during which a sign-in begins
		want    string
		pauses  string
	}{
		{name: "alone", rows: 300, took: quick, want: "[20 40 80 160 0]", pauses: "[]"},
		{name: "a whole request alone", rows: 1000, took: quick, want: "[20 40 80 160 320 380 0]", pauses: "[]"},
		{name: "slow batches stay small", rows: 70, took: slow, want: "[20 20 20 10 0]", pauses: "[]"},
		{name: "sign-ins", rows: 70, took: quick, signIns: []int{0, 1, 2, 3}, want: "[20 20 20 10 0]",
			pauses: "[2ms 2ms 2ms 2ms]"},
		{name: "a sign-in, then none", rows: 200, took: quick, signIns: []int{1}, want: "[20 40 20 40 80 0]",
			pauses: "[2ms]"},
		{name: "a caller's batch", rows: 700, batch: 100, took: quick, signIns: []int{1}, want: "[100 200 100 200 100 0]",
			pauses: "[2ms]"},
		{name: "a pause at most bulkMaxHold", rows: 40, took: time.Second, signIns: []int{0}, want: "[20 20 0]",
			pauses: fmt.Sprint([]time.Duration{bulkMaxHold})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := make([]NewUser, tc.rows)
			for i := range rows {
				rows[i] = NewUser{Email: fmt.Sprintf("u%d@example.com", i)}
			}
			st := &bulkFakeStore{admFakeStore: admFakeStore{envs: map[string]*tenant.Environment{"a": {ID: "a", OrganizationID: "o1"}}},
				clock: time.Now(), took: tc.took, signInDuring: map[int]bool{}}
			for _, b := range tc.signIns {
				st.signInDuring[b] = true
			}
			a := NewAdmin(st, nil)
			a.clock = func() time.Time { return st.clock }
			pauses := []time.Duration{}
			a.pause = func(_ context.Context, d time.Duration) { pauses = append(pauses, d) }
			res, err := a.BulkCreate(context.Background(), p, "a", rows, BulkOptions{Batch: tc.batch, Budget: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(st.batches); got != tc.want || len(res.Created) != len(rows) {
				t.Errorf("transactions of %s rows (%d created), want %s", got, len(res.Created), tc.want)
			}
			if got := fmt.Sprint(pauses); got != tc.pauses {
				t.Errorf("pauses %s, want %s", got, tc.pauses)
			}
		})
	}
}
