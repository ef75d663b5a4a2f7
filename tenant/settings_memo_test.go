package tenant

import (
	"fmt"
	"testing"
)

func TestSettingsMemoDerivesOncePerDocument(t *testing.T) {
	var m SettingsMemo[string]
	calls := 0
	derive := func(b []byte) string { calls++; return "derived " + string(b) }
	doc := []byte(`{"security":{"jwtDuration":{"amount":1,"unit":"hours"}}}`)
	for range 3 {
		if got := m.Get(doc, derive); got != "derived "+string(doc) {
			t.Fatalf("got %q", got)
		}
	}
	if calls != 1 {
		t.Fatalf("derived %d times for one document", calls)
	}
	// The caller's buffer changes in place: the memo kept its own key.
	changed := []byte(`{"security":{"jwtDuration":{"amount":9,"unit":"hours"}}}`)
	copy(doc, changed)
	if got := m.Get(doc, derive); got != "derived "+string(changed) || calls != 2 {
		t.Fatalf("changed document: got %q after %d derivations", got, calls)
	}
}

func TestSettingsMemoIsBounded(t *testing.T) {
	var m SettingsMemo[int]
	for i := range maxMemoDocuments + 10 {
		m.Get([]byte(fmt.Sprint(i)), func([]byte) int { return i })
	}
	if n := len(m.m); n > maxMemoDocuments {
		t.Fatalf("%d documents kept", n)
	}
	if got := m.Get([]byte("3"), func([]byte) int { return -1 }); got != -1 && got != 3 {
		t.Fatalf("got %d", got)
	}
}

// TestSettingsMemoBoundsItsBytes: the documents a memo keeps as keys are
// bounded in bytes, not only in number. Settings documents may be up to
// maxSettings (256 KiB), and an environment's admin makes as many
// distinct ones as they like (one PUT each, then a sign-in): at 1024 such
// documents a memo held 256 MiB, in each of the server's memos.
func TestSettingsMemoBoundsItsBytes(t *testing.T) {
	var m SettingsMemo[int]
	big := make([]byte, maxSettings)
	for i := range big {
		big[i] = 'x'
	}
	for i := range 200 {
		copy(big, fmt.Sprintf("%08d", i))
		m.Get(big, func([]byte) int { return i })
	}
	kept := 0
	for k := range m.m {
		kept += len(k)
	}
	if kept > maxMemoBytes {
		t.Fatalf("%d bytes of documents kept, want at most %d", kept, maxMemoBytes)
	}
	if got := m.Get(big, func([]byte) int { return -1 }); got != 199 && got != -1 {
		t.Fatalf("got %d", got)
	}
}
