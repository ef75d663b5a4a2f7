package wallets

import (
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
)

// dialect is what differs between the Ethereum and Solana forms of the
// message: the account name in the first line and the address and chain
// id syntax. Everything else is shared.
type dialect struct {
	account      string // "Ethereum" or "Solana"
	checkAddress func(string) error
	checkChainID func(string) error
	// chainIDOptional: Sign-In with Solana makes Chain ID optional
	// (wallets that sign for the current cluster leave it out).
	chainIDOptional bool
}

func (d dialect) headerSuffix() string {
	return " wants you to sign in with your " + d.account + " account:"
}

// parseMessage reads text line by line in the order EIP-4361 fixes.
func parseMessage(text string, d dialect) (*Message, error) {
	lines, err := splitLines(text)
	if err != nil {
		return nil, err
	}
	r := &lineReader{lines: lines}
	m := &Message{}
	steps := []func(*lineReader, *Message, dialect) error{
		parseHeader, parseAddress, parseStatement, parseFields, parseResources, parseEnd,
	}
	for _, step := range steps {
		if err := step(r, m, d); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// parseHeader reads "[scheme://]domain wants you to sign in with your X account:".
func parseHeader(r *lineReader, m *Message, d dialect) error {
	line, _ := r.peek()
	rest, ok := strings.CutSuffix(line, d.headerSuffix())
	if !ok {
		return errs.Invalid("message: first line must be \"<domain>%s\"", d.headerSuffix())
	}
	if scheme, domain, found := strings.Cut(rest, "://"); found {
		if err := checkScheme(scheme); err != nil {
			return err
		}
		m.Scheme, rest = scheme, domain
	}
	if err := checkDomain(rest); err != nil {
		return err
	}
	m.Domain = rest
	r.advance()
	return nil
}

func parseAddress(r *lineReader, m *Message, d dialect) error {
	line, ok := r.peek()
	if !ok {
		return errs.Invalid("message: missing address line")
	}
	if err := d.checkAddress(line); err != nil {
		return err
	}
	m.Address = line
	r.advance()
	return r.expectBlank("address")
}

// parseStatement reads the optional statement. EIP-4361's grammar puts two
// blank lines between address and URI when there is no statement; some
// libraries (siwe-go among them) write one. Both are accepted: the
// signature covers the exact bytes, so the leniency cannot be abused.
func parseStatement(r *lineReader, m *Message, _ dialect) error {
	line, ok := r.peek()
	switch {
	case !ok:
		return errs.Invalid("message: missing URI line")
	case line == "":
		r.advance()
		return nil
	case fieldTagOf(line) != "":
		return nil
	}
	m.Statement = line
	r.advance()
	return r.expectBlank("statement")
}

// parseFields reads the "Tag: value" lines in their fixed order; optional
// ones may be skipped but never reordered.
func parseFields(r *lineReader, m *Message, d dialect) error {
	for _, f := range messageFields(d) {
		line, ok := r.peek()
		value, matched := strings.CutPrefix(line, f.tag+": ")
		if !ok || !matched {
			if f.required {
				return missingField(r, f.tag)
			}
			continue
		}
		if err := f.set(m, value); err != nil {
			return err
		}
		r.advance()
	}
	return nil
}

func missingField(r *lineReader, tag string) error {
	line, ok := r.peek()
	if !ok {
		return errs.Invalid("message: missing %s line", tag)
	}
	if found := fieldTagOf(line); found != "" {
		return errs.Invalid("message: missing %s line (line %d is %s)", tag, r.lineNo(), found)
	}
	return errs.Invalid("message: missing %s line (line %d is not a field)", tag, r.lineNo())
}

// parseResources reads "Resources:" and its "- <uri>" lines.
func parseResources(r *lineReader, m *Message, _ dialect) error {
	if line, ok := r.peek(); !ok || line != resourcesTag+":" {
		return nil
	}
	r.advance()
	for {
		line, ok := r.peek()
		uri, isItem := strings.CutPrefix(line, "- ")
		if !ok || !isItem {
			return nil
		}
		if len(m.Resources) == MaxResources {
			return errs.Invalid("message: more than %d resources", MaxResources)
		}
		if err := checkURI("resource", uri); err != nil {
			return err
		}
		m.Resources = append(m.Resources, uri)
		r.advance()
	}
}

// parseEnd insists that nothing follows the last field, not even a
// newline, and names a field that came out of order.
func parseEnd(r *lineReader, _ *Message, _ dialect) error {
	line, ok := r.peek()
	switch {
	case !ok:
		return nil
	case line == "":
		return errs.Invalid("message: unexpected blank line %d (nothing may follow the last field)", r.lineNo())
	case fieldTagOf(line) != "":
		return errs.Invalid("message: %s line %d is out of order or repeated", fieldTagOf(line), r.lineNo())
	}
	return errs.Invalid("message: unexpected line %d", r.lineNo())
}
