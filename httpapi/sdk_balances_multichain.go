package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/dynamicauth/dynamicauth/balances"
	"github.com/dynamicauth/dynamicauth/errs"
)

// multichainRequest is the contract's MultichainAccountBalancesRequest.
type multichainRequest struct {
	// FilterSpamTokens is accepted and has nothing to do: only the
	// native coin and the listed contracts are read.
	FilterSpamTokens bool `json:"filterSpamTokens"`
	BalanceRequests  []struct {
		Address              string    `json:"address"`
		Chain                string    `json:"chain"`
		NetworkIDs           []float64 `json:"networkIds"`
		WhitelistedContracts []string  `json:"whitelistedContracts"`
	} `json:"balanceRequests"`
}

type chainBalances struct {
	WalletAddress string            `json:"walletAddress"`
	Chain         string            `json:"chain"`
	Networks      []networkBalances `json:"networks"`
}

type networkBalances struct {
	NetworkID int64          `json:"networkId"`
	Balances  []tokenBalance `json:"balances"`
}

// postMultichainBalances answers POST /sdk/{environmentId}/balances (the
// JS SDK's getMultichainTokenBalances): for each address, its native coin
// and listed tokens on each network it names, read as GET
// chains/{chain}/balances reads one.
func (s *Server) postMultichainBalances(w http.ResponseWriter, r *http.Request) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	var req multichainRequest
	if err := s.decode(w, r, "MultichainAccountBalancesRequest", &req); err != nil {
		return err
	}
	fresh := strings.Contains(r.Header.Get("Cache-Control"), "no-cache")
	var reads []balances.Request
	out := make([]chainBalances, len(req.BalanceRequests))
	for i, a := range req.BalanceRequests {
		name := fmt.Sprintf("balanceRequests[%d].networkIds", i)
		if len(a.NetworkIDs) == 0 {
			return errs.Invalid("%s: at least one network", name)
		}
		out[i] = chainBalances{WalletAddress: a.Address, Chain: a.Chain, Networks: make([]networkBalances, len(a.NetworkIDs))}
		for j, f := range a.NetworkIDs {
			n, err := networkNumber(name, f)
			if err != nil {
				return err
			}
			out[i].Networks[j].NetworkID = n
			reads = append(reads, balances.Request{Chain: a.Chain, Account: a.Address, Network: n, Native: true,
				Contracts: a.WhitelistedContracts, Fresh: fresh})
		}
	}
	if s.balances == nil {
		return errNoBalances
	}
	got, err := s.balances.ReadMany(r.Context(), envID, reads)
	if err != nil {
		return err
	}
	k := 0
	for i := range out {
		for j := range out[i].Networks {
			out[i].Networks[j].Balances = wireTokens(got[k])
			k++
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"chainBalances": out})
	return nil
}
