package secrets

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func testKeys(t *testing.T, fill byte) *Keys {
	t.Helper()
	k, err := New(bytes.Repeat([]byte{fill}, MasterSize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpenRoundTripAndTamper(t *testing.T) {
	k := testKeys(t, 1)
	ct, err := k.Seal([]byte("private key"), []byte("key-1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, []byte("private key")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	pt, err := k.Open(ct, []byte("key-1"))
	if err != nil || string(pt) != "private key" {
		t.Fatalf("round trip: %q %v", pt, err)
	}
	if _, err := k.Open(ct, []byte("key-2")); err == nil {
		t.Fatal("ciphertext opened under another aad")
	}
	ct[len(ct)-1] ^= 1
	if _, err := k.Open(ct, []byte("key-1")); err == nil {
		t.Fatal("tampered ciphertext opened")
	}
	if _, err := testKeys(t, 2).Open(ct, []byte("key-1")); err == nil {
		t.Fatal("opened with another master")
	}
}

func TestMACDependsOnKeyAndPurpose(t *testing.T) {
	a, b := testKeys(t, 1), testKeys(t, 2)
	v := []byte("dyn_token")
	if bytes.Equal(a.MAC("t", v), b.MAC("t", v)) {
		t.Fatal("same MAC under different masters")
	}
	if bytes.Equal(a.MAC("t", v), a.MAC("u", v)) {
		t.Fatal("same MAC for different purposes")
	}
	if !bytes.Equal(a.MAC("t", v), a.MAC("t", v)) {
		t.Fatal("MAC not deterministic")
	}
}

func TestLoadOrCreateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret")
	m1, created, err := LoadOrCreateFile(path)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", st.Mode(), err)
	}
	m2, created, err := LoadOrCreateFile(path)
	if err != nil || created || !bytes.Equal(m1, m2) {
		t.Fatalf("reload: %v %v", created, err)
	}
	if _, err := ParseMaster("c2hvcnQ="); err == nil {
		t.Fatal("short secret accepted")
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".secret.*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

// Replicas starting together on one fresh secret file all get the one
// secret that was made, and none reads it half written.
func TestLoadOrCreateFileConcurrently(t *testing.T) {
	for round := range 20 {
		path := filepath.Join(t.TempDir(), "secret")
		var wg sync.WaitGroup
		got := make([][]byte, 8)
		made := make([]bool, len(got))
		errs := make([]error, len(got))
		for i := range got {
			wg.Go(func() { got[i], made[i], errs[i] = LoadOrCreateFile(path) })
		}
		wg.Wait()
		creators := 0
		for i := range got {
			if errs[i] != nil {
				t.Fatalf("round %d, caller %d: %v", round, i, errs[i])
			}
			if !bytes.Equal(got[i], got[0]) {
				t.Fatalf("round %d: callers got different secrets", round)
			}
			if made[i] {
				creators++
			}
		}
		if creators != 1 {
			t.Fatalf("round %d: %d callers made the secret", round, creators)
		}
	}
}
