package balances_test

import (
	"context"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/access/accesstest"
	"github.com/dynamicauth/dynamicauth/balances"
	"github.com/ethereum/go-ethereum/common"
)

var eth = &balances.Currency{Name: "Ether", Symbol: "ETH", Decimals: 18}

// Balances read from go-ethereum's simulated backend: the native coin and
// ERC-20s the test deploys and mints, cached for the TTL unless fresh.
func TestReadFromSimulatedChain(t *testing.T) {
	chain := accesstest.NewChain(t)
	now := time.Unix(1_700_000_000, 0)
	r := balances.New(balances.Config{Nodes: map[int64]balances.Node{accesstest.ChainID: chain.Client}, Now: func() time.Time { return now }})
	ctx := context.Background()
	holder := common.HexToAddress("0x00000000000000000000000000000000000000a1")
	usd := chain.DeployERC20(t, 6)
	plain := chain.DeployERC20(t, 0)
	chain.Pay(t, holder, new(big.Int).Mul(big.NewInt(15), big.NewInt(1e17))) // 1.5 ETH
	chain.MintERC20(t, usd, holder, 2_500_000)                               // 2.5
	chain.MintERC20(t, plain, holder, 7)

	q := balances.Query{Network: accesstest.ChainID, Account: holder, Native: eth,
		Contracts: []common.Address{common.HexToAddress(usd), common.HexToAddress(plain), common.HexToAddress(usd)}}
	got, err := r.Read(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d balances, want native + 2 (a repeated contract once): %+v", len(got), got)
	}
	want := []struct {
		balance, raw string
		decimals     int
		native       bool
	}{{"1.5", "1500000000000000000", 18, true}, {"2.5", "2500000", 6, false}, {"7", "7", 0, false}}
	for i, w := range want {
		g := got[i]
		if g.Balance != w.balance || g.RawBalance != w.raw || g.Decimals != w.decimals || g.IsNative != w.native || g.NetworkID != accesstest.ChainID {
			t.Errorf("balance %d = %+v, want %+v", i, g, w)
		}
	}
	if got[0].Symbol != "ETH" || got[0].Address != balances.NativeAddress {
		t.Errorf("native = %+v", got[0])
	}
	if got[1].Address != common.HexToAddress(usd).Hex() || got[1].Name == "" {
		t.Errorf("a token without name() is named by its address: %+v", got[1])
	}

	// Cached: a new mint is not seen until the TTL passes or a fresh read.
	chain.MintERC20(t, usd, holder, 1_000_000)
	if again, _ := r.Read(ctx, q); again[1].Balance != "2.5" {
		t.Fatalf("cached read = %s", again[1].Balance)
	}
	q.Fresh = true
	if fresh, _ := r.Read(ctx, q); fresh[1].Balance != "3.5" {
		t.Fatalf("fresh read = %s", fresh[1].Balance)
	}
	q.Fresh = false
	chain.MintERC20(t, usd, holder, 500_000)
	now = now.Add(11 * time.Second)
	if later, _ := r.Read(ctx, q); later[1].Balance != "4" {
		t.Fatalf("read after the TTL = %s", later[1].Balance)
	}
}

func TestRefusals(t *testing.T) {
	chain := accesstest.NewChain(t)
	r := balances.New(balances.Config{Nodes: map[int64]balances.Node{accesstest.ChainID: chain.Client}})
	ctx := context.Background()
	holder := common.HexToAddress("0x00000000000000000000000000000000000000a1")
	if _, err := r.Read(ctx, balances.Query{Network: 1, Account: holder, Native: eth}); !errors.Is(err, balances.ErrNoNode) {
		t.Fatalf("a network without a node: %v", err)
	}
	// An account (no code) listed as a token is an error, not a zero.
	if _, err := r.Read(ctx, balances.Query{Network: accesstest.ChainID, Account: holder, Contracts: []common.Address{holder}}); err == nil {
		t.Fatal("an address without code read as a token")
	}
	many := make([]common.Address, balances.MaxContracts+1)
	if _, err := r.Read(ctx, balances.Query{Network: accesstest.ChainID, Account: holder, Contracts: many}); err == nil {
		t.Fatal("too many contracts read")
	}
}

// A node that never answers makes a Read fail after the timeout.
func TestHungNodeTimesOut(t *testing.T) {
	r := balances.New(balances.Config{Nodes: map[int64]balances.Node{1: hung{}}, Timeout: 50 * time.Millisecond})
	start := time.Now()
	_, err := r.Read(context.Background(), balances.Query{Network: 1, Account: common.Address{1}, Native: eth})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
}
