// Package chains holds the bundled token lists of GET
// /chains/{chainName}/tokens: the widely held tokens of each chain's main
// networks, with their contract address per network, for dashboards and
// gate editors to pick from. The lists ship with the binary; nothing is
// fetched.
package chains

import (
	"slices"

	"github.com/dynamicauth/dynamicauth/errs"
)

// Names is the contract's ChainEnum.
var Names = []string{"ETH", "EVM", "FLOW", "SOL", "ALGO", "STARK", "COSMOS", "BTC", "ECLIPSE", "SUI", "SPARK", "TRON", "APTOS", "TON"}

// Address is a token's contract on one network.
type Address struct {
	NetworkID       int64
	ContractAddress string
}

// Token is one token of a chain, on every network it is bundled for.
type Token struct {
	Name      string
	Symbol    string
	Addresses []Address
}

// Tokens lists chain's bundled tokens, only those on networkID when it is
// set (a token not on that network is left out). A chain of the enum
// without a bundled list has none; a name outside the enum is invalid.
func Tokens(chain string, networkID *int64) ([]Token, error) {
	if !slices.Contains(Names, chain) {
		return nil, errs.Invalid("chainName must be one of %v", Names)
	}
	out := []Token{}
	for _, t := range bundled[listOf(chain)] {
		if networkID != nil {
			var on []Address
			for _, a := range t.Addresses {
				if a.NetworkID == *networkID {
					on = append(on, a)
				}
			}
			if len(on) == 0 {
				continue
			}
			t.Addresses = on
		}
		out = append(out, t)
	}
	return out, nil
}

// listOf names the list a chain reads: ETH is Dynamic's older name for
// the EVM chains.
func listOf(chain string) string {
	if chain == "ETH" {
		return "EVM"
	}
	return chain
}
