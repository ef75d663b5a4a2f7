package sqlite

import (
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/dynamicauth/dynamicauth/store/sqlstore"
)

// errText refuses the text PostgreSQL cannot store (U+0000, bytes that
// are not UTF-8, a \u0000 escape in JSON). SQLite would keep it; refused
// here too, both backends answer alike (Classify: FaultText), and a
// database moved from one to the other never meets a row it cannot take.
var errText = errors.New("sqlite: text holding U+0000, a JSON \\u0000 escape or bytes that are not UTF-8")

// encode checks a statement's text arguments and encodes its times.
func encode(args []any) ([]any, error) {
	for _, a := range args {
		if s, ok := a.(string); ok && !storableText(s) {
			return nil, errText
		}
	}
	return sqlstore.EncodeTimes(args, encodeTime), nil
}

// storableText reports whether PostgreSQL would store s: as text, or,
// when s is JSON, as jsonb, which refuses the \u0000 escape too.
func storableText(s string) bool {
	if strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) {
		return false
	}
	return !strings.Contains(s, `\u0000`) || !nulEscape(s) || !json.Valid([]byte(s))
}

// nulEscape reports a \u0000 escape in s: "\u0000" whose backslash is not
// itself escaped (an even run of backslashes before it).
func nulEscape(s string) bool {
	from := 0
	for {
		i := strings.Index(s[from:], `\u0000`)
		if i < 0 {
			return false
		}
		i += from
		run := 0
		for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
			run++
		}
		if run%2 == 0 {
			return true
		}
		from = i + 1
	}
}

// errRow is a row whose statement was refused before it ran.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
