package wallets

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
)

const resourcesTag = "Resources"

// field is one "Tag: value" line of the message.
type field struct {
	tag      string
	required bool
	set      func(m *Message, value string) error
}

// messageFields lists the fields in the order EIP-4361 fixes.
func messageFields(d dialect) []field {
	return []field{
		{"URI", true, func(m *Message, v string) error { m.URI = v; return checkURI("URI", v) }},
		{"Version", true, setVersion},
		{"Chain ID", !d.chainIDOptional, func(m *Message, v string) error { m.ChainID = v; return d.checkChainID(v) }},
		{"Nonce", true, setNonce},
		{"Issued At", true, func(m *Message, v string) error { return setTime("Issued At", &m.IssuedAt, v) }},
		{"Expiration Time", false, setOptionalTime("Expiration Time", func(m *Message) **time.Time { return &m.ExpirationTime })},
		{"Not Before", false, setOptionalTime("Not Before", func(m *Message) **time.Time { return &m.NotBefore })},
		{"Request ID", false, setRequestID},
	}
}

// fieldTagOf names the field a line belongs to, "" if none; it lets
// errors say "Version line out of order" rather than "unexpected line".
func fieldTagOf(line string) string {
	if line == resourcesTag+":" {
		return resourcesTag
	}
	for _, f := range messageFields(dialect{}) {
		if strings.HasPrefix(line, f.tag+": ") {
			return f.tag
		}
	}
	return ""
}

func setVersion(m *Message, v string) error {
	if v != "1" {
		return errs.Invalid("message: Version must be 1, got %s", quote(v))
	}
	m.Version = v
	return nil
}

// setNonce enforces EIP-4361's nonce: at least 8 ASCII letters or digits.
func setNonce(m *Message, v string) error {
	if len(v) < 8 {
		return errs.Invalid("message: Nonce must have at least 8 characters")
	}
	if !isAlnum(v) {
		return errs.Invalid("message: Nonce must be letters and digits only")
	}
	m.Nonce = v
	return nil
}

func setTime(tag string, dst *time.Time, v string) error {
	t, err := parseTimestamp(v)
	if err != nil {
		return errs.Invalid("message: %s is not an RFC 3339 date-time: %s", tag, quote(v))
	}
	*dst = t
	return nil
}

func setOptionalTime(tag string, slot func(*Message) **time.Time) func(*Message, string) error {
	return func(m *Message, v string) error {
		var t time.Time
		if err := setTime(tag, &t, v); err != nil {
			return err
		}
		*slot(m) = &t
		return nil
	}
}

func setRequestID(m *Message, v string) error {
	if !isPchars(v) {
		return errs.Invalid("message: Request ID has characters a URI path segment may not hold")
	}
	m.RequestID = v
	return nil
}

// parseTimestamp accepts RFC 3339 date-times with or without fractional
// seconds, "Z" or a numeric offset (what JavaScript's toISOString and
// other SIWE libraries write). Go's parser is laxer than RFC 3339 in two
// ways that are refused here: a comma before the fraction, and offsets of
// 24 hours or more.
func parseTimestamp(v string) (time.Time, error) {
	if strings.Contains(v, ",") {
		return time.Time{}, errors.New("comma in date-time")
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, err
	}
	if _, offset := t.Zone(); offset <= -24*3600 || offset >= 24*3600 {
		return time.Time{}, errors.New("offset out of range")
	}
	return t, nil
}

// quote shows a value in an error without echoing an oversized one.
func quote(v string) string {
	const limit = 64
	if len(v) > limit {
		return strconv.Quote(v[:limit]) + "..."
	}
	return strconv.Quote(v)
}
