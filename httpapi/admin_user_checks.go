package httpapi

import (
	"context"
	"slices"

	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/users"
)

// The admin user's chainalysisChecks: the sanctions screenings of the
// user's wallets (access.Check), on GET of one user and on every user of
// a users list page.

type wireChainalysisCheck struct {
	ID              string `json:"id"`
	CreatedAt       string `json:"createdAt"`
	Result          string `json:"result"`
	WalletPublicKey string `json:"walletPublicKey"`
	Response        string `json:"response"`
}

// withChecks sets the chainalysisChecks of out[i] (rendered from us[i]):
// the sanctions checks of each user's wallets, newest first, read for all
// of them in one query.
func (s *Server) withChecks(ctx context.Context, envID string, us []users.User, out []wireAdminUser) error {
	if s.access == nil {
		return nil
	}
	var addrs []string
	for i := range us {
		for _, c := range us[i].WalletCredentials() {
			addrs = append(addrs, c.PublicIdentifier)
		}
	}
	byWallet, err := s.access.Service().ChecksByWallet(ctx, envID, addrs)
	if err != nil {
		return err
	}
	for i := range us {
		checks := []wireChainalysisCheck{}
		var mine []access.Check
		for _, c := range us[i].WalletCredentials() {
			mine = append(mine, byWallet[c.PublicIdentifier]...)
		}
		// newest first across the user's wallets, as one read of them would be
		slices.SortStableFunc(mine, func(a, b access.Check) int { return b.CreatedAt.Compare(a.CreatedAt) })
		for _, c := range mine {
			checks = append(checks, wireChainalysisCheck{ID: c.ID, CreatedAt: ts(c.CreatedAt), Result: c.Result,
				WalletPublicKey: c.WalletPublicKey, Response: c.Response})
		}
		out[i].ChainalysisChecks = &checks
	}
	return nil
}
