package verifier

import (
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
}

// HasScope reports whether the space-separated scope claim contains s.
func (c *Claims) HasScope(s string) bool {
	return s != "" && slices.Contains(strings.Fields(c.Scope), s)
}

// ExpiresAt is the exp claim as a time.
func (c *Claims) ExpiresAt() time.Time {
	return time.Unix(c.Exp, 0)
}
