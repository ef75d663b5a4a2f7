package verifier

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/claims"
)

// Claims are a verified token's claims. Embedding the full claim set lets
// both the minified token (what backends should receive) and the full one
// decode; fields absent from the minified token stay zero.
type Claims struct {
	claims.Full
	// NotBefore is the standard nbf claim. Dynamic does not set it, but a
	// token that does must be honoured.
	NotBefore int64 `json:"nbf,omitempty"`

	payload []byte // as signed, for Custom
}

// Custom decodes the top-level claim name into v: meant for the custom
// claims an application's OnSignIn hook added (they are in both tokens).
// found is false when the token has no such claim.
func (c *Claims) Custom(name string, v any) (found bool, err error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(c.payload, &all); err != nil {
		return false, fmt.Errorf("%w: claims: %w", ErrMalformed, err)
	}
	raw, ok := all[name]
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("claim %q: %w", name, err)
	}
	return true, nil
}

// HasScope reports whether the space-separated scope claim contains s.
func (c *Claims) HasScope(s string) bool {
	return s != "" && slices.Contains(strings.Fields(c.Scope), s)
}

// ExpiresAt is the exp claim as a time.
func (c *Claims) ExpiresAt() time.Time {
	return time.Unix(c.Exp, 0)
}
