package cursor

import (
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
)

// TestCursorIsAPosition: a cursor reads back as its row's position (time
// to the millisecond the stores keep, and id); anything else is refused
// as invalid, a row's bare id (the cursor of earlier versions) too.
func TestCursorIsAPosition(t *testing.T) {
	at, id := time.Date(2026, 12, 31, 23, 59, 0, 123e6, time.UTC), "0b8f5a52-1c2d-4e3f-8a9b-0c1d2e3f4a5b"
	p, err := Parse(Of(at, id))
	if err != nil || !p.At.Equal(at) || p.ID != id {
		t.Fatalf("cursor %q read back as %+v, %v", Of(at, id), p, err)
	}
	if p, err := Parse(""); err != nil || p != (Position{}) {
		t.Fatalf("no cursor: %+v, %v", p, err)
	}
	for _, bad := range []string{id, "x_" + id, "1767225540000_", "1767225540000_not-an-id", "1767225540000",
		"1767225540000_0B8F5A52-1C2D-4E3F-8A9B-0C1D2E3F4A5B"} {
		if _, err := Parse(bad); errs.KindOf(err) != errs.KindInvalid {
			t.Errorf("cursor %q: %v, want invalid", bad, err)
		}
	}
}
