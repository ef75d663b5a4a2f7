package balances_test

import (
	"bytes"
	"context"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"

	"github.com/dynamicauth/dynamicauth/balances"
)

// scripted is a node whose contract answers each selector with fixed bytes.
type scripted map[string][]byte

func (s scripted) CallContract(_ context.Context, msg ethereum.CallMsg, _ *big.Int) ([]byte, error) {
	return s[string(msg.Data[:4])], nil
}

func (scripted) BalanceAt(context.Context, common.Address, *big.Int) (*big.Int, error) {
	return new(big.Int), nil
}

// A token's name() is whatever its contract returns: anyone may deploy
// one and ask the SDK's balances about it. An ABI offset near 2^64 (which
// wraps when 32 is added to it) is no string, not a crash of the server.
func TestHostileNameIsNoCrash(t *testing.T) {
	word := func(v *big.Int) []byte { return common.LeftPadBytes(v.Bytes(), 32) }
	wrapping := new(big.Int).SetUint64(^uint64(0) - 15) // + 32 wraps to 16
	name := append(word(wrapping), bytes.Repeat([]byte{0}, 64)...)
	node := scripted{
		"\x70\xa0\x82\x31": word(big.NewInt(5)), // balanceOf
		"\x31\x3c\xe5\x67": word(big.NewInt(0)), // decimals
		"\x06\xfd\xde\x03": name,                // name
		"\x95\xd8\x9b\x41": name,                // symbol
	}
	r := balances.New(balances.Config{Nodes: map[int64]balances.Node{1: node}})
	token := common.HexToAddress("0x00000000000000000000000000000000000000c1")
	got, err := r.Read(context.Background(), balances.Query{Network: 1, Account: common.Address{1}, Contracts: []common.Address{token}})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].RawBalance != "5" || got[0].Symbol != "" || got[0].Name == "" {
		t.Fatalf("token = %+v, want its balance, no symbol and the address as its name", got[0])
	}
}
