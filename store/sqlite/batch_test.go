package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// groupSizes records the group commits' sizes.
type groupSizes struct {
	mu    sync.Mutex
	sizes []int
}

func (g *groupSizes) Transaction(string, time.Duration, error) {}

func (g *groupSizes) GroupCommit(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sizes = append(g.sizes, n)
}

func (g *groupSizes) all() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]int(nil), g.sizes...)
}

func openBatchStore(t *testing.T) (*Store, *groupSizes) {
	t.Helper()
	obs := &groupSizes{}
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "auth.db"), Options{Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.batch.do(t.Context(), func(tx *cachedTx) error {
		_, err := tx.Exec(`CREATE TABLE batch_rows (k TEXT PRIMARY KEY)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return s, obs
}

func batchKeys(t *testing.T, s *Store) map[string]bool {
	t.Helper()
	rows, err := s.w.Query(`SELECT k FROM batch_rows`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	keys := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		keys[k] = true
	}
	return keys
}

// TestGroupCommitFailuresStayAlone: of concurrent jobs sharing commits,
// each failing one's writes are undone and its caller gets its own error;
// the others' writes are committed.
func TestGroupCommitFailuresStayAlone(t *testing.T) {
	s, _ := openBatchStore(t)
	errOdd := errors.New("odd job fails")
	var wg sync.WaitGroup
	got := make([]error, 40)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = s.batch.do(t.Context(), func(tx *cachedTx) error {
				if _, err := tx.Exec(`INSERT INTO batch_rows (k) VALUES ($1)`, fmt.Sprint(i)); err != nil {
					return err
				}
				if i%2 == 1 {
					return errOdd
				}
				return nil
			})
		}()
	}
	wg.Wait()
	keys := batchKeys(t, s)
	for i, err := range got {
		want := error(nil)
		if i%2 == 1 {
			want = errOdd
		}
		if !errors.Is(err, want) && err != want {
			t.Errorf("job %d: %v, want %v", i, err, want)
		}
		if keys[fmt.Sprint(i)] != (i%2 == 0) {
			t.Errorf("job %d: row kept %v", i, keys[fmt.Sprint(i)])
		}
	}
}

// TestGroupCommitTakesJobsQueuedMeanwhile: a job queued while a batch
// runs its statements joins that batch's commit instead of waiting for it
// and committing alone; and a batch does not wait for a job that has not
// come.
func TestGroupCommitTakesJobsQueuedMeanwhile(t *testing.T) {
	s, obs := openBatchStore(t)
	before := len(obs.all())
	started, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.batch.do(t.Context(), func(tx *cachedTx) error {
			close(started)
			<-release // the second job is queued meanwhile
			_, err := tx.Exec(`INSERT INTO batch_rows (k) VALUES ('first')`)
			return err
		})
	}()
	<-started
	second := make(chan error, 1)
	go func() {
		second <- s.batch.do(context.Background(), func(tx *cachedTx) error {
			_, err := tx.Exec(`INSERT INTO batch_rows (k) VALUES ('second')`)
			return err
		})
	}()
	for deadline := time.Now().Add(10 * time.Second); len(s.batch.jobs) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the second job was never queued")
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	for _, ch := range []chan error{first, second} {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	if sizes := obs.all()[before:]; len(sizes) != 1 || sizes[0] != 2 {
		t.Errorf("group commits %v, want one of 2 jobs", sizes)
	}
	if keys := batchKeys(t, s); !keys["first"] || !keys["second"] {
		t.Errorf("rows %v, want first and second", keys)
	}

	// A lone job commits without waiting for company.
	done := make(chan error, 1)
	go func() {
		done <- s.batch.do(t.Context(), func(tx *cachedTx) error {
			_, err := tx.Exec(`INSERT INTO batch_rows (k) VALUES ('alone')`)
			return err
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a lone job was not committed")
	}
}
