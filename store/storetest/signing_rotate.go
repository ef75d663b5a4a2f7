package storetest

import (
	"sync"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signing"
	"github.com/dynamicauth/dynamicauth/store"
)

func signingKeyIDs(ks []signing.Key) []string {
	return ids(ks, func(k *signing.Key) string { return k.ID })
}

func testSigningKeyRotation(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	_, sb, lv := createProject(t, s, c, org.ID, "one")

	list, err := s.ListSigningKeys(ctx(t), sb.ID)
	must(t, "ListSigningKeys before any key", err)
	eq(t, "keys of a new environment", len(list), 0)
	_, err = s.GetSigningKey(ctx(t), id())
	wantKind(t, "GetSigningKey(unknown)", err, errs.KindNotFound)

	k1 := newSigningKey(t, c, sb.ID)
	_, err = s.InsertSigningKey(ctx(t), k1)
	must(t, "InsertSigningKey", err)
	kl := newSigningKey(t, c, lv.ID)
	_, err = s.InsertSigningKey(ctx(t), kl)
	must(t, "InsertSigningKey(live)", err)
	got, err := s.GetSigningKey(ctx(t), k1.ID)
	must(t, "GetSigningKey", err)
	eqSigningKey(t, "key 1", got, k1)

	// Rotation retires the active key at the given time and activates the new one.
	k2 := newSigningKey(t, c, sb.ID)
	at1 := c.next()
	must(t, "RotateSigningKey", s.RotateSigningKey(ctx(t), k2, at1))
	got, err = s.ActiveSigningKey(ctx(t), sb.ID)
	must(t, "ActiveSigningKey after rotation", err)
	eqSigningKey(t, "active key after rotation", got, k2)
	retired1 := *k1
	retired1.RetiredAt = &at1
	got, err = s.GetSigningKey(ctx(t), k1.ID)
	must(t, "GetSigningKey(retired)", err)
	eqSigningKey(t, "retired key 1", got, &retired1)

	k3 := newSigningKey(t, c, sb.ID)
	at2 := c.next()
	must(t, "second RotateSigningKey", s.RotateSigningKey(ctx(t), k3, at2))
	retired2 := *k2
	retired2.RetiredAt = &at2
	list, err = s.ListSigningKeys(ctx(t), sb.ID)
	must(t, "ListSigningKeys", err)
	eqStrings(t, "ListSigningKeys (newest first)", signingKeyIDs(list), []string{k3.ID, k2.ID, k1.ID})
	if len(list) == 3 {
		eqSigningKey(t, "listed key 3", &list[0], k3)
		eqSigningKey(t, "listed key 2", &list[1], &retired2)
		eqSigningKey(t, "listed key 1 (retired earlier)", &list[2], &retired1)
	}

	// The other environment is untouched.
	list, err = s.ListSigningKeys(ctx(t), lv.ID)
	must(t, "ListSigningKeys(live)", err)
	eqStrings(t, "live keys", signingKeyIDs(list), []string{kl.ID})
	if len(list) == 1 {
		eqSigningKey(t, "live key", &list[0], kl)
	}

	// A rotation that fails (the new key's id is taken) retires nothing.
	dup := newSigningKey(t, c, sb.ID)
	dup.ID = k1.ID
	wantErr(t, "RotateSigningKey with a taken id", s.RotateSigningKey(ctx(t), dup, c.next()))
	got, err = s.ActiveSigningKey(ctx(t), sb.ID)
	must(t, "ActiveSigningKey after failed rotation", err)
	eqSigningKey(t, "active key after failed rotation", got, k3)
	list, err = s.ListSigningKeys(ctx(t), sb.ID)
	must(t, "ListSigningKeys after failed rotation", err)
	eqStrings(t, "keys after failed rotation", signingKeyIDs(list), []string{k3.ID, k2.ID, k1.ID})

	// A rotation in a missing environment.
	wantKind(t, "RotateSigningKey in a missing environment",
		s.RotateSigningKey(ctx(t), newSigningKey(t, c, id()), c.next()), errs.KindNotFound)
}

// testSigningKeyRotationConcurrent: concurrent rotations may fail, but an
// environment never ends up with more or less than one active key.
func testSigningKeyRotationConcurrent(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	_, sb, _ := createProject(t, s, c, org.ID, "one")
	_, err := s.InsertSigningKey(ctx(t), newSigningKey(t, c, sb.ID))
	must(t, "InsertSigningKey", err)

	const n = 8
	keys := make([]*signing.Key, n)
	for i := range keys {
		keys[i] = newSigningKey(t, c, sb.ID)
	}
	at := c.next()
	rerrs := make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			rerrs[i] = s.RotateSigningKey(ctx(t), keys[i], at)
		}()
	}
	start.Done()
	done.Wait()

	ok := 0
	for i, err := range rerrs {
		if err == nil {
			ok++
		} else {
			t.Logf("concurrent RotateSigningKey #%d: %v", i, err)
		}
	}
	if ok == 0 {
		t.Errorf("no concurrent RotateSigningKey succeeded")
	}
	list, err := s.ListSigningKeys(ctx(t), sb.ID)
	must(t, "ListSigningKeys", err)
	eq(t, "keys after concurrent rotations", len(list), 1+ok)
	var active []string
	for _, k := range list {
		if k.RetiredAt == nil {
			active = append(active, k.ID)
		}
	}
	if len(active) != 1 {
		t.Fatalf("%d active keys after concurrent rotations (%q), want 1", len(active), active)
	}
	got, err := s.ActiveSigningKey(ctx(t), sb.ID)
	must(t, "ActiveSigningKey", err)
	eq(t, "ActiveSigningKey", got.ID, active[0])
}

// testStaleSigningKeys: the active keys older than a time, oldest first
// (retired ones left out), and a replacement that happens once however
// many replicas try it at once, and not at all for a key no longer active.
func testStaleSigningKeys(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	_, sb, lv := createProject(t, s, c, org.ID, "one")
	old := newSigningKey(t, c, sb.ID)
	_, err := s.InsertSigningKey(ctx(t), old)
	must(t, "InsertSigningKey(sandbox)", err)
	young := newSigningKey(t, c, lv.ID)
	_, err = s.InsertSigningKey(ctx(t), young)
	must(t, "InsertSigningKey(live)", err)

	stale, err := s.StaleSigningKeys(ctx(t), young.CreatedAt, 10)
	must(t, "StaleSigningKeys", err)
	if len(stale) != 1 || stale[0].ID != old.ID {
		t.Fatalf("StaleSigningKeys before the live key: %+v", stale)
	}
	stale, err = s.StaleSigningKeys(ctx(t), c.next(), 10)
	must(t, "StaleSigningKeys(all)", err)
	if len(stale) != 2 || stale[0].ID != old.ID || stale[1].ID != young.ID {
		t.Fatalf("StaleSigningKeys, oldest first: %+v", stale)
	}
	stale, err = s.StaleSigningKeys(ctx(t), c.next(), 1)
	must(t, "StaleSigningKeys(limit 1)", err)
	eq(t, "limited", len(stale), 1)

	const n = 6
	at := c.next()
	wins := countParallel(t, n, func() (bool, error) {
		return s.ReplaceSigningKey(ctx(t), old.ID, newSigningKey(t, c, sb.ID), at)
	})
	eq(t, "concurrent replacements of one key that won", wins, 1)
	list, err := s.ListSigningKeys(ctx(t), sb.ID)
	must(t, "ListSigningKeys", err)
	eq(t, "sandbox keys after the replacement", len(list), 2)
	active, err := s.ActiveSigningKey(ctx(t), sb.ID)
	must(t, "ActiveSigningKey", err)
	if active.ID == old.ID {
		t.Fatal("the replaced key is still active")
	}
	ok, err := s.ReplaceSigningKey(ctx(t), old.ID, newSigningKey(t, c, sb.ID), c.next())
	must(t, "ReplaceSigningKey of a retired key", err)
	eq(t, "a retired key replaced", ok, false)
	ok, err = s.ReplaceSigningKey(ctx(t), young.ID, newSigningKey(t, c, sb.ID), c.next())
	must(t, "ReplaceSigningKey of another environment's key", err)
	eq(t, "another environment's key replaced", ok, false)
	stale, err = s.StaleSigningKeys(ctx(t), active.CreatedAt, 10)
	must(t, "StaleSigningKeys after the replacement", err)
	if len(stale) != 1 || stale[0].ID != young.ID {
		t.Fatalf("StaleSigningKeys lists a retired key: %+v", stale)
	}
	_, err = s.ReplaceSigningKey(ctx(t), old.ID, newSigningKey(t, c, id()), c.next())
	wantKind(t, "ReplaceSigningKey in an unknown environment", err, errs.KindNotFound)
}
