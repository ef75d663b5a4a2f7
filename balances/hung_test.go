package balances_test

import (
	"context"
	"math/big"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
)

// hung is a node that answers only when the caller gives up.
type hung struct{}

func (hung) CallContract(ctx context.Context, _ ethereum.CallMsg, _ *big.Int) ([]byte, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func (hung) BalanceAt(ctx context.Context, _ common.Address, _ *big.Int) (*big.Int, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}
