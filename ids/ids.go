// Package ids makes the ids of stored rows.
package ids

import "github.com/google/uuid"

// New returns a UUIDv7: a canonical 36-character UUID whose leading
// millisecond timestamp, and within one process a counter below it, orders
// ids by creation. Rows written together land next to each other in the
// store's indexes instead of scattering over them, and lists sorted by
// creation time then id keep the order rows were made in even when their
// times tie. Its 62 random bits make it unguessable enough for a row's
// name; no id here is a secret (tokens and codes have their own).
func New() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// Valid reports whether s is a canonical lower-case UUID, the only id
// shape the contract uses.
func Valid(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}
