// Package cursor writes and reads the opaque cursors of the lists paged
// newest first (events, a webhook's messages log): the position of the
// page's last row, its time in Unix milliseconds (what the stores keep)
// and its id ("1767225540000_<uuid>"). Not the id alone: the page after
// it is read from that position, and a retention may delete the row
// itself before the next page is asked for, which would end the list
// there.
package cursor

import (
	"strconv"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
)

// Position is a row's place in a list ordered by (time, id).
type Position struct {
	At time.Time
	ID string
}

// Of is the cursor of the row at (at, id).
func Of(at time.Time, id string) string {
	return strconv.FormatInt(at.UnixMilli(), 10) + "_" + id
}

// Parse reads a cursor this package wrote; "" is the zero Position (the
// first page) and anything else a 400.
func Parse(c string) (Position, error) {
	if c == "" {
		return Position{}, nil
	}
	ms, id, ok := strings.Cut(c, "_")
	at, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || !ids.Valid(id) {
		return Position{}, errs.Invalid("cursor is not one this server returned")
	}
	return Position{At: time.UnixMilli(at).UTC(), ID: id}, nil
}
