package balances

import (
	"strings"

	"github.com/ethereum/go-ethereum/common"
)

// The token calls read here and by access's token gates: one set of
// selectors for both.

var (
	selBalanceOf = []byte{0x70, 0xa0, 0x82, 0x31} // balanceOf(address)
	selDecimals  = []byte{0x31, 0x3c, 0xe5, 0x67} // decimals()
	selName      = []byte{0x06, 0xfd, 0xde, 0x03} // name()
	selSymbol    = []byte{0x95, 0xd8, 0x9b, 0x41} // symbol()
)

// BalanceOfCall is the calldata of balanceOf(account), ERC-20's and
// ERC-721's.
func BalanceOfCall(account common.Address) []byte {
	return append(append(make([]byte, 0, 36), selBalanceOf...), common.LeftPadBytes(account.Bytes(), 32)...)
}

// DecimalsCall is the calldata of ERC-20's decimals().
func DecimalsCall() []byte { return append([]byte{}, selDecimals...) }

// Reverted tells a contract that refused a call (no such function, no
// such token) from a node that failed.
func Reverted(err error) bool {
	return err != nil && strings.Contains(strings.ToLower(err.Error()), "revert")
}
