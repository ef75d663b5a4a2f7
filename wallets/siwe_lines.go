package wallets

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dynamicauth/dynamicauth/errs"
)

// splitLines checks the message as a whole (size, encoding, characters)
// and cuts it at LF. Lines end with LF alone: a CR would make two texts
// that look the same to a user sign differently, so it is refused.
func splitLines(text string) ([]string, error) {
	if text == "" {
		return nil, errs.Invalid("message: empty")
	}
	if len(text) > MaxMessageBytes {
		return nil, errs.Invalid("message: longer than %d bytes", MaxMessageBytes)
	}
	if !utf8.ValidString(text) {
		return nil, errs.Invalid("message: not valid UTF-8")
	}
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if err := checkLine(i+1, line); err != nil {
			return nil, err
		}
	}
	return lines, nil
}

func checkLine(n int, line string) error {
	if len(line) > MaxLineBytes {
		return errs.Invalid("message: line %d is longer than %d bytes", n, MaxLineBytes)
	}
	for _, r := range line {
		if unicode.IsControl(r) {
			return errs.Invalid("message: line %d has a control character %U", n, r)
		}
		// Format characters (bidi overrides, zero-width ones), line and
		// paragraph separators, private-use and unassigned code points
		// make a text display other than it signs: only letters, marks,
		// numbers, punctuation, symbols and spaces pass.
		if !unicode.IsGraphic(r) {
			return errs.Invalid("message: line %d has an invisible or formatting character %U", n, r)
		}
	}
	return nil
}

// lineReader walks the lines in order; numbers in errors are 1-based.
type lineReader struct {
	lines []string
	pos   int
}

func (r *lineReader) done() bool { return r.pos >= len(r.lines) }

// peek returns the current line, or ok=false at the end.
func (r *lineReader) peek() (line string, ok bool) {
	if r.done() {
		return "", false
	}
	return r.lines[r.pos], true
}

func (r *lineReader) advance() { r.pos++ }

// lineNo is the 1-based number of the current line.
func (r *lineReader) lineNo() int { return r.pos + 1 }

// expectBlank consumes one empty line; what names the line before it.
func (r *lineReader) expectBlank(after string) error {
	line, ok := r.peek()
	if !ok || line != "" {
		return errs.Invalid("message: expected a blank line after the %s (line %d)", after, r.lineNo())
	}
	r.advance()
	return nil
}
