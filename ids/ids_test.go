package ids

import (
	"testing"

	"github.com/google/uuid"
)

// TestNewOrdersByCreation: ids made one after another sort in that order
// as strings, within one millisecond too, and are version 7 UUIDs.
func TestNewOrdersByCreation(t *testing.T) {
	prev := New()
	for range 10_000 {
		id := New()
		if id <= prev {
			t.Fatalf("%s made after %s sorts before it", id, prev)
		}
		u, err := uuid.Parse(id)
		if err != nil || u.Version() != 7 || len(id) != 36 {
			t.Fatalf("%s: version %d, %v", id, u.Version(), err)
		}
		prev = id
	}
}
