package webhooks

import (
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
)

// TestCursorIsAPosition: a cursor reads back as its attempt's position
// (time to the millisecond the store keeps, and id); anything else is
// refused as invalid, an attempt's bare id (the cursor of earlier
// versions) too.
func TestCursorIsAPosition(t *testing.T) {
	m := Message{Delivery: Delivery{ID: "0b8f5a52-1c2d-4e3f-8a9b-0c1d2e3f4a5b",
		AttemptedAt: time.Date(2026, 12, 31, 23, 59, 0, 123e6, time.UTC)}}
	p, err := parseCursor(cursor(m), 7)
	if err != nil || !p.AfterAt.Equal(m.AttemptedAt) || p.AfterID != m.ID || p.Limit != 7 {
		t.Fatalf("cursor %q read back as %+v, %v", cursor(m), p, err)
	}
	if p, err := parseCursor("", 7); err != nil || p.AfterID != "" || p.Limit != 7 {
		t.Fatalf("no cursor: %+v, %v", p, err)
	}
	for _, bad := range []string{m.ID, "x_" + m.ID, "1767225540000_", "1767225540000_not-an-id", "1767225540000"} {
		if _, err := parseCursor(bad, 7); errs.KindOf(err) != errs.KindInvalid {
			t.Errorf("cursor %q: %v, want invalid", bad, err)
		}
	}
}
