package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/cursor"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/exports"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// testExports: an export and its event are written together; pending
// exports are bounded per environment; a claim leases one job to one
// worker, and chunks and the outcome are written only under the lease;
// a later claim after the lease ran out starts the file over; the file
// reads back chunk by chunk; nothing crosses environments.
func testExports(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID

	newExport := func(envID, model string) *exports.Export {
		return &exports.Export{ID: id(), EnvironmentID: envID, Format: exports.FormatCSV, Model: model,
			Status: exports.StatusPending, CreatedAt: c.next()}
	}
	first := newExport(env, exports.ModelUsers)
	first.Filter = exports.Filter{Column: "email", Value: "ann"}
	must(t, "CreateExport", s.CreateExport(ctx(t), first, 2))
	second := newExport(env, exports.ModelVisits)
	must(t, "CreateExport", s.CreateExport(ctx(t), second, 2))
	err := s.CreateExport(ctx(t), newExport(env, exports.ModelUsers), 2)
	if !errors.Is(err, exports.ErrTooManyPending) {
		t.Fatalf("a third pending export with max 2: %v, want ErrTooManyPending", err)
	}
	wantEvents(t, s, "after two exports", env, map[string]int{events.ExportCreated: 2})
	must(t, "CreateExport in live", s.CreateExport(ctx(t), newExport(e.live.ID, exports.ModelUsers), 2))

	got, err := s.GetExport(ctx(t), env, first.ID)
	must(t, "GetExport", err)
	eq(t, "export status", got.Status, exports.StatusPending)
	eq(t, "export filter", got.Filter, first.Filter)
	eqTime(t, "export createdAt", got.CreatedAt, first.CreatedAt)
	if got.StartedAt != nil || got.CompletedAt != nil {
		t.Errorf("a new export has startedAt %v, completedAt %v", got.StartedAt, got.CompletedAt)
	}
	_, err = s.GetExport(ctx(t), e.live.ID, first.ID)
	wantKind(t, "GetExport from another environment", err, errs.KindNotFound)

	list, err := s.ListExports(ctx(t), env, "", 10)
	must(t, "ListExports", err)
	if len(list) != 2 || list[0].ID != second.ID || list[1].ID != first.ID {
		t.Fatalf("ListExports: %+v, want the two, newest first", list)
	}
	list, err = s.ListExports(ctx(t), env, exports.ModelVisits, 10)
	must(t, "ListExports visits", err)
	if len(list) != 1 || list[0].ID != second.ID {
		t.Fatalf("ListExports visits: %+v", list)
	}

	// Concurrent claims lease each pending export to one worker.
	now := c.next()
	lease := now.Add(time.Minute)
	claimed := make([]*exports.Export, 6)
	var wg sync.WaitGroup
	for i := range claimed {
		wg.Go(func() {
			x, err := s.ClaimExport(ctx(t), now, lease)
			if err != nil {
				t.Errorf("ClaimExport: %v", err)
			}
			claimed[i] = x
		})
	}
	wg.Wait()
	var ids []string
	for _, x := range claimed {
		if x != nil {
			ids = append(ids, x.ID)
		}
	}
	slices.Sort(ids)
	if len(ids) != 3 || len(slices.Compact(slices.Clone(ids))) != 3 {
		t.Fatalf("six concurrent claims leased %v, want the three pending exports once each", ids)
	}
	var job *exports.Export
	for _, x := range claimed {
		if x != nil && x.ID == first.ID {
			job = x
		}
	}
	if job == nil || job.StartedAt == nil || !job.StartedAt.Equal(now) {
		t.Fatalf("claimed %+v, want the first export started at %v", job, now)
	}

	// Chunks under the lease; a stale lease writes nothing.
	next := lease.Add(time.Second)
	must(t, "WriteChunk 0", s.WriteChunk(ctx(t), job.ID, 0, []byte("id,email\n"), lease, next))
	err = s.WriteChunk(ctx(t), job.ID, 1, []byte("stale"), lease, next.Add(time.Second))
	if !errors.Is(err, exports.ErrLeaseLost) {
		t.Fatalf("WriteChunk under a moved lease: %v, want ErrLeaseLost", err)
	}
	// The lease runs out: another worker claims the job again and starts
	// the file over; the first worker's outcome is refused.
	later := next.Add(time.Second)
	again, err := s.ClaimExport(ctx(t), later, later.Add(time.Minute))
	must(t, "ClaimExport after the lease", err)
	if again == nil || again.ID != job.ID || !again.StartedAt.Equal(now) {
		t.Fatalf("re-claim: %+v, want export %s keeping its startedAt", again, job.ID)
	}
	b, err := s.ReadChunk(ctx(t), job.ID, 0)
	must(t, "ReadChunk after re-claim", err)
	if b != nil {
		t.Fatalf("the chunks of the lost lease survived the re-claim: %q", b)
	}
	job.Status, job.Rows, job.Bytes, job.CompletedAt = exports.StatusCompleted, 1, 9, &later
	if err := s.FinishExport(ctx(t), job, next); !errors.Is(err, exports.ErrLeaseLost) {
		t.Fatalf("FinishExport under a lost lease: %v, want ErrLeaseLost", err)
	}
	l2 := later.Add(time.Minute)
	parts := [][]byte{[]byte("id,email\n"), []byte("1,ann@example.com\n"), {0, 1, 2, 255}}
	for i, p := range parts {
		must(t, "WriteChunk", s.WriteChunk(ctx(t), job.ID, i, p, l2, l2.Add(time.Second)))
		l2 = l2.Add(time.Second)
	}
	done := c.next()
	job.CompletedAt = &done
	must(t, "FinishExport", s.FinishExport(ctx(t), job, l2))
	got, err = s.GetExport(ctx(t), env, job.ID)
	must(t, "GetExport completed", err)
	eq(t, "completed status", got.Status, exports.StatusCompleted)
	eq(t, "completed rows", got.Rows, int64(1))
	eqTimePtr(t, "completedAt", got.CompletedAt, &done)
	for i, p := range parts {
		b, err := s.ReadChunk(ctx(t), job.ID, i)
		must(t, "ReadChunk", err)
		if string(b) != string(p) {
			t.Fatalf("chunk %d = %q, want %q", i, b, p)
		}
	}
	if b, err := s.ReadChunk(ctx(t), job.ID, len(parts)); err != nil || b != nil {
		t.Fatalf("past the last chunk: %q, %v", b, err)
	}
	// Finished: claimed no more, finished no twice.
	if err := s.FinishExport(ctx(t), job, l2); !errors.Is(err, exports.ErrLeaseLost) {
		t.Fatalf("FinishExport twice: %v, want ErrLeaseLost", err)
	}
	wantEvents(t, s, "after one completed", env, map[string]int{events.ExportCreated: 2, events.ExportCompleted: 1})

	// A failed export keeps no chunks.
	var other *exports.Export
	for _, x := range claimed {
		if x != nil && x.ID == second.ID {
			other = x
		}
	}
	must(t, "WriteChunk", s.WriteChunk(ctx(t), other.ID, 0, []byte("partial"), lease, next))
	other.Status, other.Error, other.CompletedAt = exports.StatusFailed, "boom", &done
	must(t, "FinishExport failed", s.FinishExport(ctx(t), other, next))
	if b, _ := s.ReadChunk(ctx(t), other.ID, 0); b != nil {
		t.Fatalf("a failed export kept its chunk %q", b)
	}
	got, err = s.GetExport(ctx(t), env, other.ID)
	must(t, "GetExport failed", err)
	eq(t, "failed export", got.Status+" "+got.Error, exports.StatusFailed+" boom")
	wantEvents(t, s, "after one failed", env, map[string]int{events.ExportFailed: 1})

	// Finished exports older than the cut go, with their files.
	n, err := s.DeleteFinishedExports(ctx(t), done)
	must(t, "DeleteFinishedExports at their finish", err)
	eq(t, "deleted before they finished", n, 0)
	n, err = s.DeleteFinishedExports(ctx(t), done.Add(time.Millisecond))
	must(t, "DeleteFinishedExports", err)
	eq(t, "deleted finished exports", n, 2)
	if _, err := s.GetExport(ctx(t), env, job.ID); !errors.Is(err, exports.ErrNotFound) {
		t.Fatalf("a deleted export: %v, want ErrNotFound", err)
	}
	if b, err := s.ReadChunk(ctx(t), job.ID, 0); err != nil || b != nil {
		t.Fatalf("a deleted export's chunk: %q, %v", b, err)
	}
}

// testExportSources: the keyset reads page through every row once, in a
// stable order, with credentials, under the filter, never across
// environments.
func testExportSources(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	want := map[string]*users.User{}
	for i := range 7 {
		d := draftUser(t, env, c.next(), fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("user%d", i))
		if i%2 == 0 {
			w := newWallet(t, env)
			w.UserID, w.VerifiedAt, w.CreatedAt = d.ID, c.next(), c.next()
			d.Credentials = append(d.Credentials, w)
		}
		want[d.ID] = saveUser(t, s, d, d.CreatedAt)
	}
	saveUser(t, s, draftUser(t, e.live.ID, c.next(), "live@example.com", "live"), c.next())

	var seen []string
	after := ""
	for {
		page, err := s.ExportUsers(ctx(t), env, users.Filter{}, after, 3)
		must(t, "ExportUsers", err)
		for i := range page {
			u := &page[i]
			w := want[u.ID]
			if w == nil {
				t.Fatalf("ExportUsers served %s (%s), not a user of the environment", u.ID, u.Email)
			}
			eq(t, "exported email", u.Email, w.Email)
			eqSet(t, "exported credentials of "+u.Email, credentialIDs(u), credentialIDs(w))
			seen = append(seen, u.ID)
		}
		if len(page) < 3 {
			break
		}
		after = page[len(page)-1].ID
	}
	if len(seen) != len(want) || !slices.IsSorted(seen) {
		t.Fatalf("ExportUsers paged %v, want the %d users once each, in id order", seen, len(want))
	}
	f, err := users.ParseUserFilter("email", "user3@", "", "")
	must(t, "ParseUserFilter", err)
	page, err := s.ExportUsers(ctx(t), env, f, "", 10)
	must(t, "ExportUsers filtered", err)
	if len(page) != 1 || page[0].Email != "user3@example.com" {
		t.Fatalf("filtered export: %+v", page)
	}

	wallets := 0
	after = ""
	for {
		page, err := s.ExportWallets(ctx(t), env, after, 2)
		must(t, "ExportWallets", err)
		for _, w := range page {
			if w.Format != users.FormatBlockchain || want[w.UserID] == nil {
				t.Fatalf("ExportWallets served %+v", w)
			}
		}
		wallets += len(page)
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1].ID
	}
	eq(t, "exported wallets", wallets, 7+4)

	for i := range 3 {
		must(t, "InsertVisit", s.InsertVisit(ctx(t), signin.Visit{ID: id(), EnvironmentID: env,
			Address: fmt.Sprintf("0x%040d", i), Chain: "EVM", WalletName: "metamask", CreatedAt: c.next()}))
	}
	vs, err := s.ExportVisits(ctx(t), env, users.Filter{}, "", 2)
	must(t, "ExportVisits", err)
	rest, err := s.ExportVisits(ctx(t), env, users.Filter{}, vs[len(vs)-1].ID, 2)
	must(t, "ExportVisits page 2", err)
	eq(t, "exported visits", len(vs)+len(rest), 3)

	var evs []events.Event
	var last *events.Event
	for {
		page, err := s.ExportEvents(ctx(t), env, last, 4)
		must(t, "ExportEvents", err)
		evs = append(evs, page...)
		if len(page) < 4 {
			break
		}
		last = &page[len(page)-1]
	}
	all, err := s.ListEvents(ctx(t), env, events.Query{Limit: 1000}, cursor.Position{})
	must(t, "ListEvents", err)
	if len(evs) != len(all) || len(evs) == 0 {
		t.Fatalf("ExportEvents paged %d events, ListEvents has %d", len(evs), len(all))
	}
	for i := range evs {
		if evs[i].ID != all[len(all)-1-i].ID {
			t.Fatalf("ExportEvents is not oldest first at %d", i)
		}
	}
}
