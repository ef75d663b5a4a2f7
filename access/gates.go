package access

import (
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/dynamicauth/dynamicauth/errs"
)

// Gate admits, blocks or scopes users by what their wallets hold.
type Gate struct {
	ID            string
	EnvironmentID string
	Name          string
	Outcome       Outcome
	Scope         string
	Rules         []Rule
	EnabledAt     *time.Time
	CreatedAt     time.Time
}

// Rule types (GateRuleType).
const (
	RuleNFT   = "nft"   // ERC-721 or ERC-1155 (told apart by ERC-165)
	RuleToken = "token" // ERC-20, or the native coin at the zero address
)

// Rule is one condition of a gate: a minimum balance of a contract on a
// network, or (nft with TokenID) the ownership of one token.
type Rule struct {
	Type            string `json:"type"`
	NetworkID       int64  `json:"networkId"`
	ContractAddress string `json:"contractAddress"`
	TokenID         string `json:"tokenId,omitempty"`
	// Amount is the minimum, in whole tokens for "token" rules (scaled by
	// the contract's decimals; 18 for the native coin) and in items for
	// "nft" ones; empty means 1 item or any positive balance.
	Amount string `json:"amount,omitempty"`
	Chain  string `json:"chain,omitempty"`
}

// Native is the contractAddress of a rule on the network's own coin.
const Native = "0x0000000000000000000000000000000000000000"

func validateGate(g *Gate) error {
	if err := validateList(g.Name, g.Scope, g.Outcome); err != nil {
		return err
	}
	if g.Outcome == "" {
		return errs.Invalid("outcome: required")
	}
	if len(g.Rules) == 0 {
		return errs.Unprocessable("invalid_gate", "rules: a gate needs at least one rule", nil)
	}
	if len(g.Rules) > maxRules {
		return errs.Unprocessable("invalid_gate", "rules: at most 20 rules per gate", nil)
	}
	for i := range g.Rules {
		if err := g.Rules[i].normalize(); err != nil {
			return err
		}
	}
	return nil
}

func (r *Rule) normalize() error {
	bad := func(msg string) error { return errs.Unprocessable("invalid_gate", "rules: "+msg, nil) }
	if r.Chain != "" && r.Chain != "EVM" && r.Chain != "ETH" {
		return errs.Unprocessable("nft_token_gating_not_supported_for_chain", "rules: gating is supported on EVM chains only", nil)
	}
	if r.Type != RuleNFT && r.Type != RuleToken {
		return bad("type must be nft or token")
	}
	if r.NetworkID <= 0 {
		return bad("address.networkId must be a positive chain id")
	}
	if !common.IsHexAddress(r.ContractAddress) || !strings.HasPrefix(strings.ToLower(r.ContractAddress), "0x") {
		return bad("address.contractAddress must be a 0x address")
	}
	r.ContractAddress = common.HexToAddress(r.ContractAddress).Hex()
	if r.Type == RuleNFT && r.ContractAddress == Native {
		return bad("an nft rule needs a contract address")
	}
	if r.TokenID != "" {
		if r.Type != RuleNFT {
			return bad("filter.tokenId applies to nft rules only")
		}
		// a uint256: a sign or more than 256 bits has no token to name
		// (call data carries 32 bytes of the absolute value)
		if id, ok := new(big.Int).SetString(r.TokenID, 10); !ok || id.Sign() < 0 || id.BitLen() > 256 {
			return bad("filter.tokenId must be a decimal integer from 0 to 2^256-1")
		}
	}
	if r.Amount != "" {
		f, ok := new(big.Float).SetString(r.Amount)
		if !ok || f.Sign() < 0 {
			return bad("filter.amount must be a non-negative number")
		}
		// big.Float reads "Inf" (and overflows a huge exponent to it),
		// which has no integer minimum; no uint256 balance reaches 2^256
		// whole tokens either, and a larger amount would only cost a huge
		// integer at every sign-in.
		if f.IsInf() || f.MantExp(nil) > 256 {
			return bad("filter.amount is larger than any balance can be")
		}
	}
	return nil
}

// minimum is the rule's threshold in base units, given the token's
// decimals (0 for NFTs).
func (r *Rule) minimum(decimals uint8) *big.Int {
	if r.Amount == "" {
		return big.NewInt(1)
	}
	f, _ := new(big.Float).SetPrec(256).SetString(r.Amount)
	f.Mul(f, new(big.Float).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decimals)), nil)))
	n, acc := f.Int(nil)
	if acc == big.Below { // 0.5 of an NFT, or dust below one base unit: round up
		n.Add(n, big.NewInt(1))
	}
	if n.Sign() == 0 {
		n.SetInt64(1) // "amount: 0" still means holding some
	}
	return n
}
