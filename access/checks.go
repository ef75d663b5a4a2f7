package access

import (
	"context"
	"slices"
	"time"

	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/ids"
)

// Check results, the contract's ChainalysisCheckResultEnum.
const (
	CheckOK      = "OK"
	CheckBlocked = "BLOCKED"
	CheckFailed  = "FAILED"
)

// Check is one sanctions screening of a wallet (chainalysisChecks on the
// admin user). A wallet keeps its latest check per result, so a wallet
// screened at every refresh keeps at most three rows.
type Check struct {
	ID              string
	EnvironmentID   string
	WalletKey       string // walletKey(WalletPublicKey)
	WalletPublicKey string
	Result          string
	Response        string
	CreatedAt       time.Time
	// Event, when set, is written with the check in its transaction: a
	// refusal (BLOCKED) or an outage (FAILED) an operator's webhook hears.
	Event string
}

// CheckStore keeps the checks.
type CheckStore interface {
	// RecordCheck stores c, replacing the wallet's previous check with the
	// same result (its id stays), and c.Event if set, in one transaction.
	RecordCheck(ctx context.Context, c *Check) error
	// ChecksOf lists envID's checks of the wallets with these keys,
	// newest first.
	ChecksOf(ctx context.Context, envID string, walletKeys []string) ([]Check, error)
}

// checkEvents are the events of the check results an operator acts on.
var checkEvents = map[string]string{CheckBlocked: events.WalletSanctionsBlocked, CheckFailed: events.WalletSanctionsFailed}

// record stores a check; a failure is logged, never a decision of its
// own (a blocked or unscreened wallet is refused either way).
func (s *Service) record(ctx context.Context, envID string, w Wallet, result, response string) {
	if s.checks == nil {
		return
	}
	c := &Check{ID: ids.New(), EnvironmentID: envID, WalletKey: walletKey(w.Address), WalletPublicKey: w.Address,
		Result: result, Response: response, CreatedAt: s.stamp(), Event: checkEvents[result]}
	if err := s.checks.RecordCheck(ctx, c); err != nil {
		s.log.WarnContext(ctx, "access: sanctions check not recorded", "wallet", w.Address, "result", result, "err", err)
	}
}

// ChecksByWallet reads the sanctions checks of many wallets in envID in
// one query (a page of admin users): each address given maps to its
// checks, newest first; an address never checked is absent.
func (s *Service) ChecksByWallet(ctx context.Context, envID string, addresses []string) (map[string][]Check, error) {
	out := map[string][]Check{}
	if s.checks == nil || len(addresses) == 0 {
		return out, nil
	}
	byKey := map[string][]string{}
	keys := make([]string, 0, len(addresses))
	for _, a := range addresses {
		k := walletKey(a)
		if _, seen := byKey[k]; !seen {
			keys = append(keys, k)
		}
		if !slices.Contains(byKey[k], a) {
			byKey[k] = append(byKey[k], a)
		}
	}
	checks, err := s.checks.ChecksOf(ctx, envID, keys)
	if err != nil {
		return nil, err
	}
	for _, c := range checks {
		for _, a := range byKey[c.WalletKey] {
			out[a] = append(out[a], c)
		}
	}
	return out, nil
}

// ChecksOf lists the sanctions checks of these wallet addresses in envID,
// newest first.
func (s *Service) ChecksOf(ctx context.Context, envID string, addresses []string) ([]Check, error) {
	if s.checks == nil || len(addresses) == 0 {
		return []Check{}, nil
	}
	keys := make([]string, len(addresses))
	for i, a := range addresses {
		keys[i] = walletKey(a)
	}
	return s.checks.ChecksOf(ctx, envID, keys)
}
