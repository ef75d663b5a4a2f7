package webhooks

import (
	"strconv"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// A messages log cursor is the position of the page's last attempt, its
// attempt time in Unix milliseconds and its id ("1767225540000_<uuid>"),
// not the id alone: the page after it is read from that position, and the
// event retention may delete the attempt itself before the next page.

// cursor is m's position as the next page's cursor.
func cursor(m Message) string {
	return strconv.FormatInt(m.AttemptedAt.UnixMilli(), 10) + "_" + m.ID
}

// parseCursor reads a cursor into the page after it.
func parseCursor(c string, limit int) (Page, error) {
	if c == "" {
		return Page{Limit: limit}, nil
	}
	ms, id, ok := strings.Cut(c, "_")
	at, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || !tenant.ValidID(id) {
		return Page{}, errs.Invalid("cursor is not one this server returned")
	}
	return Page{AfterAt: time.UnixMilli(at).UTC(), AfterID: id, Limit: limit}, nil
}
