package sqlstore

import (
	"strconv"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/analytics"
)

// A range cuts at most two weeks (months): the one its first whole day is
// in and the one its last is in, unless those are whole. The users active
// in a cut period's days inside the range are the rows of
// analytics_periods of that period whose mask (a bit per day, migration
// 0039) shares a bit with those days': a row per user and cut period, not
// a row per user and active day.

// cuts appends to periods' arguments (the whole periods [$6, $7) of u
// inside the whole days [$4, $5)) the periods of u holding the rest of
// [$4, $5), as two pairs (period, bits of its days in the range); a pair
// that is not there has the bits 0 and a period no row has.
func cuts(args []any, u analytics.Unit) []any {
	fs, fe, ws, we := args[3].(time.Time), args[4].(time.Time), args[5].(time.Time), args[6].(time.Time)
	var out [2]struct {
		period time.Time
		mask   int64
	}
	for d := fs; d.Before(fe); d = d.AddDate(0, 0, 1) {
		if !d.Before(ws) && d.Before(we) {
			d = we.AddDate(0, 0, -1)
			continue
		}
		p := analytics.WeekOf(d)
		bit := int(d.Sub(p) / (24 * time.Hour))
		if u == analytics.Month {
			p, bit = time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC), d.Day()-1
		}
		i := 0
		if out[0].mask != 0 && !p.Equal(out[0].period) {
			i = 1
		}
		out[i].period, out[i].mask = p, out[i].mask|1<<bit
	}
	for i := range out {
		if out[i].mask == 0 {
			// noon, which no period starts at: reading the rows of
			// a period whose bits are 0 would read them all for none
			out[i].period = fs.Add(12 * time.Hour)
		}
	}
	return append(args, out[0].period, out[0].mask, out[1].period, out[1].mask)
}

// cutRows is (period, who, m) for each user (wallet: unit 'visit_week')
// active in a cut period's days inside the range, m the bits of those
// days it was active on; the cut periods are the parameters from $p as
// cuts appends them.
func cutRows(unit string, p int) string {
	part := func(i int) string {
		per, bits := "$"+strconv.Itoa(i), "$"+strconv.Itoa(i+1)
		return `SELECT period, who, mask & ` + bits + ` AS m FROM analytics_periods WHERE environment_id = $1 AND unit = '` + unit +
			`' AND period = ` + per + ` AND mask & ` + bits + ` <> 0`
	}
	return part(p) + ` UNION ALL ` + part(p+2)
}

// bitCount is the number of the low seven bits set in col: the days of a
// week's mask.
func bitCount(col string) string {
	terms := make([]string, 7)
	for i := range terms {
		terms[i] = `((` + col + ` >> ` + strconv.Itoa(i) + `) & 1)`
	}
	return `(` + strings.Join(terms, ` + `) + `)`
}

// edgeRaw is (t, who) for each sign-in (visit) on the range's partial
// first and last days, which no mask holds.
func edgeRaw(visits bool) string {
	if visits {
		return raw("created_at AS t, wallet_address AS who", "visits", "environment_id", "created_at", "")
	}
	return raw("created_at AS t, user_id AS who", "sessions", "environment_id", "created_at", "")
}

// edgeWho is who was active in the range outside its whole periods (of
// unit), the cut periods the parameters from $p.
func edgeWho(unit string, visits bool, p int) string {
	return `SELECT who FROM (` + cutRows(unit, p) + `) c UNION SELECT who FROM (` + edgeRaw(visits) + `) r`
}
