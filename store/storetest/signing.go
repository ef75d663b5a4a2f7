package storetest

import (
	"sync"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	idgen "github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/signing"
	"github.com/dynamicauth/dynamicauth/store"
)

func testSigningKeys(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	_, sb, lv := createProject(t, s, c, org.ID, "one")

	_, err := s.ActiveSigningKey(ctx(t), sb.ID)
	wantKind(t, "ActiveSigningKey before insert", err, errs.KindNotFound)
	_, err = s.NewestSigningKey(ctx(t))
	wantKind(t, "NewestSigningKey before insert", err, errs.KindNotFound)

	k1 := newSigningKey(t, c, sb.ID)
	k1.ID = idgen.New()
	inserted, err := s.InsertSigningKey(ctx(t), k1)
	must(t, "InsertSigningKey", err)
	eq(t, "first InsertSigningKey inserted", inserted, true)
	got, err := s.ActiveSigningKey(ctx(t), sb.ID)
	must(t, "ActiveSigningKey", err)
	eqSigningKey(t, "active key", got, k1)

	k2 := newSigningKey(t, c, sb.ID)
	inserted, err = s.InsertSigningKey(ctx(t), k2)
	must(t, "second InsertSigningKey", err)
	eq(t, "second InsertSigningKey inserted", inserted, false)
	got, err = s.ActiveSigningKey(ctx(t), sb.ID)
	must(t, "ActiveSigningKey after second insert", err)
	eqSigningKey(t, "active key after second insert", got, k1)

	// Each environment has its own.
	_, err = s.ActiveSigningKey(ctx(t), lv.ID)
	wantKind(t, "ActiveSigningKey(live)", err, errs.KindNotFound)
	k3 := newSigningKey(t, c, lv.ID)
	k3.ID = idgen.New()
	inserted, err = s.InsertSigningKey(ctx(t), k3)
	must(t, "InsertSigningKey(live)", err)
	eq(t, "InsertSigningKey(live) inserted", inserted, true)
	got, err = s.ActiveSigningKey(ctx(t), lv.ID)
	must(t, "ActiveSigningKey(live)", err)
	eqSigningKey(t, "live active key", got, k3)

	// The newest of all environments' keys (ids grow with time, as
	// signing.Service makes them), retired or not.
	got, err = s.NewestSigningKey(ctx(t))
	must(t, "NewestSigningKey", err)
	eqSigningKey(t, "newest key", got, k3)
	k4 := newSigningKey(t, c, sb.ID)
	k4.ID = idgen.New()
	must(t, "RotateSigningKey", s.RotateSigningKey(ctx(t), k4, c.next()))
	got, err = s.NewestSigningKey(ctx(t))
	must(t, "NewestSigningKey after a rotation", err)
	eqSigningKey(t, "newest key after a rotation", got, k4)
}

func testSigningKeysConcurrent(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	_, sb, _ := createProject(t, s, c, org.ID, "one")

	const n = 20
	keys := make([]*signing.Key, n)
	for i := range keys {
		keys[i] = newSigningKey(t, c, sb.ID)
	}
	results := make([]bool, n)
	errors := make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			results[i], errors[i] = s.InsertSigningKey(ctx(t), keys[i])
		}()
	}
	start.Done()
	done.Wait()

	winner := -1
	for i := range n {
		if errors[i] != nil {
			t.Errorf("InsertSigningKey #%d: %v", i, errors[i])
			continue
		}
		if results[i] {
			if winner >= 0 {
				t.Errorf("InsertSigningKey #%d and #%d both inserted", winner, i)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatalf("no concurrent InsertSigningKey reported inserted=true")
	}
	got, err := s.ActiveSigningKey(ctx(t), sb.ID)
	must(t, "ActiveSigningKey", err)
	eqSigningKey(t, "active key", got, keys[winner])
}
