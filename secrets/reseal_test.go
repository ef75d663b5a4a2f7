package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
)

func master(fill byte) []byte { return bytes.Repeat([]byte{fill}, MasterSize) }

func TestKeyringOpensUnderPreviousSealsUnderCurrent(t *testing.T) {
	old := testKeys(t, 1)
	ct, err := old.Seal([]byte("seed"), []byte("row-1"))
	if err != nil {
		t.Fatal(err)
	}
	ring, err := New(master(2), master(1))
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := ring.Open(ct, []byte("row-1")); err != nil || string(pt) != "seed" {
		t.Fatalf("open under the previous secret: %q %v", pt, err)
	}
	if _, err := ring.Open(ct, []byte("row-2")); err == nil {
		t.Fatal("a value moved to another row opened under the previous secret")
	}
	tampered := bytes.Clone(ct)
	tampered[len(tampered)-1] ^= 1
	if _, err := ring.Open(tampered, []byte("row-1")); err == nil {
		t.Fatal("a tampered value opened under the previous secret")
	}
	fresh, err := ring.Seal([]byte("seed"), []byte("row-1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Open(fresh, []byte("row-1")); err == nil {
		t.Fatal("a keyring sealed under its previous secret")
	}
	if _, err := testKeys(t, 2).Open(fresh, []byte("row-1")); err != nil {
		t.Fatalf("the current secret alone does not open what the keyring sealed: %v", err)
	}
	if _, err := New(master(2), master(2)); err == nil {
		t.Fatal("the current secret accepted as a previous one")
	}
	if _, err := New(master(2), []byte("short")); err == nil {
		t.Fatal("a short previous secret accepted")
	}
}

func TestMACsListCurrentFirst(t *testing.T) {
	ring, err := New(master(2), master(1), master(3))
	if err != nil {
		t.Fatal(err)
	}
	v := []byte("dyn_token")
	got := ring.MACs("t", v)
	want := [][]byte{testKeys(t, 2).MAC("t", v), testKeys(t, 1).MAC("t", v), testKeys(t, 3).MAC("t", v)}
	if len(got) != len(want) || !ring.Rotating() || testKeys(t, 2).Rotating() {
		t.Fatalf("MACs: %d hashes, rotating %v", len(got), ring.Rotating())
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("MACs[%d] is not the hash under master %d", i, i)
		}
	}
	if !bytes.Equal(ring.MAC("t", v), want[0]) {
		t.Fatal("MAC is not the current secret's")
	}
}

func TestReseal(t *testing.T) {
	ring, err := New(master(2), master(1))
	if err != nil {
		t.Fatal(err)
	}
	oldCT, _ := testKeys(t, 1).Seal([]byte("v"), []byte("a"))
	out, changed, err := ring.Reseal(oldCT, []byte("a"))
	if err != nil || !changed {
		t.Fatalf("reseal of an old value: %v %v", changed, err)
	}
	if pt, err := testKeys(t, 2).Open(out, []byte("a")); err != nil || string(pt) != "v" {
		t.Fatalf("the resealed value under the current secret alone: %q %v", pt, err)
	}
	same, changed, err := ring.Reseal(out, []byte("a"))
	if err != nil || changed || !bytes.Equal(same, out) {
		t.Fatalf("reseal of a current value: changed %v, %v", changed, err)
	}
	other, _ := testKeys(t, 3).Seal([]byte("v"), []byte("a"))
	if _, changed, err := ring.Reseal(other, []byte("a")); err == nil || changed {
		t.Fatal("a value of an unknown secret resealed")
	}
}

// memSealed is a SealedStore over a map, with a hook run before each
// replace (a concurrent writer).
type memSealed struct {
	rows   map[string][]byte
	before func(key string)
}

func (m *memSealed) SealedValues(_ context.Context, kind, after string, limit int) ([]Sealed, error) {
	var keys []string
	for k := range m.rows {
		if k > after {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []Sealed
	for _, k := range keys {
		if len(out) == limit {
			break
		}
		out = append(out, Sealed{Key: k, Value: m.rows[k]})
	}
	return out, nil
}

func (m *memSealed) ReplaceSealed(_ context.Context, kind, key string, old, value []byte) (bool, error) {
	if m.before != nil {
		m.before(key)
	}
	if !bytes.Equal(m.rows[key], old) {
		return false, nil
	}
	m.rows[key] = value
	return true, nil
}

func TestResealAllPagesAndLeavesWhatChanged(t *testing.T) {
	ring, err := New(master(2), master(1))
	if err != nil {
		t.Fatal(err)
	}
	old, cur, other := testKeys(t, 1), testKeys(t, 2), testKeys(t, 3)
	st := &memSealed{rows: map[string][]byte{}}
	aad := func(v Sealed) []byte { return []byte("row:" + v.Key) }
	n := resealPage + 7 // more than a page
	for i := range n {
		k := fmt.Sprintf("k%04d", i)
		by := old
		switch i % 10 {
		case 1:
			by = cur
		case 2:
			by = other
		}
		st.rows[k], _ = by.Seal([]byte(k), []byte("row:"+k))
	}
	// A writer replaces one old row between the read and the write.
	st.before = func(key string) {
		if key == "k0003" {
			st.rows[key], _ = cur.Seal([]byte("new"), []byte("row:"+key))
		}
	}
	got, err := ring.ResealEach(t.Context(), st, KindSigningKey, aad)
	if err != nil {
		t.Fatal(err)
	}
	unreadable := 0
	for i := range n {
		if i%10 == 2 {
			unreadable++
		}
	}
	current := n / 10
	if n%10 > 1 {
		current++
	}
	want := ResealCount{Resealed: n - unreadable - current - 1, Current: current, Unreadable: unreadable, Changed: 1,
		FirstUnreadable: KindSigningKey + " k0002"}
	if got != want {
		t.Fatalf("count %+v, want %+v", got, want)
	}
	for k, v := range st.rows {
		pt, err := cur.Open(v, []byte("row:"+k))
		switch {
		case k == "k0003":
			if string(pt) != "new" {
				t.Fatalf("the concurrent write was overwritten: %q %v", pt, err)
			}
		case err != nil: // an unreadable row, left as it was
			if _, oerr := other.Open(v, []byte("row:"+k)); oerr != nil {
				t.Fatalf("%s opens under neither the current secret nor its own: %v", k, err)
			}
		case string(pt) != k:
			t.Fatalf("%s: %q", k, pt)
		}
	}
	if _, err := ResealAll(t.Context(), failing{}, KindSigningKey, nil); err == nil {
		t.Fatal("a store failure was not reported")
	}
}

type failing struct{ SealedStore }

func (failing) SealedValues(context.Context, string, string, int) ([]Sealed, error) {
	return nil, errors.New("down")
}
