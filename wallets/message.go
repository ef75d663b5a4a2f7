package wallets

import (
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
)

// Message is a parsed sign-in message (EIP-4361, or its Solana form).
type Message struct {
	Scheme         string // optional "scheme://" before the domain; "" when absent
	Domain         string // RFC 3986 authority that asks for the sign-in
	Address        string // as written in the message
	Statement      string // "" when absent
	URI            string
	Version        string // always "1"
	ChainID        string // decimal for Ethereum; any token (cluster name, id) for Solana
	Nonce          string
	IssuedAt       time.Time
	ExpirationTime *time.Time
	NotBefore      *time.Time
	RequestID      string // "" when absent; Dynamic puts the environment id here
	Resources      []string
}

// Size limits. The format has no bounds of its own; these keep a hostile
// message from costing more than a real one (Dynamic's is ~600 bytes).
const (
	MaxMessageBytes = 8 << 10
	MaxLineBytes    = 2 << 10
	MaxResources    = 32
)

// ValidAt checks the message's time window at now. skew tolerates clocks
// that disagree: Issued At may be up to skew in the future, and the
// Expiration Time and Not Before bounds are widened by it.
func (m *Message) ValidAt(now time.Time, skew time.Duration) error {
	if m.IssuedAt.After(now.Add(skew)) {
		return errs.Invalid("message: Issued At is in the future")
	}
	if m.ExpirationTime != nil && !now.Before(m.ExpirationTime.Add(skew)) {
		return errs.Invalid("message: expired at %s", m.ExpirationTime.Format(time.RFC3339))
	}
	if m.NotBefore != nil && now.Add(skew).Before(*m.NotBefore) {
		return errs.Invalid("message: not valid before %s", m.NotBefore.Format(time.RFC3339))
	}
	return nil
}
