package chains

import (
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/ethereum/go-ethereum/common"
	"github.com/mr-tron/base58"
)

// TestBundledAddresses: every EVM address is a valid EIP-55 checksum (a
// typo in a hand-written address breaks it), every Solana mint decodes
// to 32 bytes, and no token repeats a network.
func TestBundledAddresses(t *testing.T) {
	for chain, tokens := range bundled {
		for _, tok := range tokens {
			seen := map[int64]bool{}
			for _, a := range tok.Addresses {
				if seen[a.NetworkID] {
					t.Errorf("%s %s: network %d twice", chain, tok.Symbol, a.NetworkID)
				}
				seen[a.NetworkID] = true
				switch chain {
				case "EVM":
					if !common.IsHexAddress(a.ContractAddress) || common.HexToAddress(a.ContractAddress).Hex() != a.ContractAddress {
						t.Errorf("%s on %d: %s is not a checksummed address (want %s)", tok.Symbol, a.NetworkID,
							a.ContractAddress, common.HexToAddress(a.ContractAddress).Hex())
					}
				case "SOL":
					if b, err := base58.Decode(a.ContractAddress); err != nil || len(b) != 32 {
						t.Errorf("%s: %s is not a Solana address", tok.Symbol, a.ContractAddress)
					}
				}
			}
		}
	}
}

func TestTokens(t *testing.T) {
	all, err := Tokens("EVM", nil)
	if err != nil || len(all) != len(bundled["EVM"]) {
		t.Fatalf("Tokens(EVM) = %d, %v", len(all), err)
	}
	eth, _ := Tokens("ETH", nil)
	if len(eth) != len(all) {
		t.Errorf("ETH lists %d tokens, EVM %d", len(eth), len(all))
	}
	base := int64(8453)
	onBase, _ := Tokens("EVM", &base)
	if len(onBase) != 2 {
		t.Errorf("tokens on Base: %+v", onBase)
	}
	for _, tok := range onBase {
		if len(tok.Addresses) != 1 || tok.Addresses[0].NetworkID != base {
			t.Errorf("%s on Base carries %+v", tok.Symbol, tok.Addresses)
		}
	}
	none := int64(999999)
	if l, _ := Tokens("EVM", &none); len(l) != 0 {
		t.Errorf("an unknown network lists %+v", l)
	}
	if l, err := Tokens("BTC", nil); err != nil || l == nil || len(l) != 0 {
		t.Errorf("a chain without a list: %v %v", l, err)
	}
	if _, err := Tokens("DOGE", nil); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("an unknown chain: %v", err)
	}
}
