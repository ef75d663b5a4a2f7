package farcaster

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
)

// IDRegistryAddress is Farcaster's ID registry on Optimism.
var IDRegistryAddress = common.HexToAddress("0x00000000Fc6c5F01Fc30151999387Bb99A9f489b")

// Caller is the read-only slice of an Optimism node the registry reads;
// *ethclient.Client (and wallets.ChainCaller) satisfy it.
type Caller interface {
	CallContract(ctx context.Context, call ethereum.CallMsg, blockNumber *big.Int) ([]byte, error)
}

// Registry reads Farcaster's ID registry.
type Registry struct {
	node    Caller
	address common.Address
}

// NewRegistry reads the registry at address (the zero address means
// IDRegistryAddress) through node.
func NewRegistry(node Caller, address common.Address) *Registry {
	if address == (common.Address{}) {
		address = IDRegistryAddress
	}
	return &Registry{node: node, address: address}
}

// selIDOf is idOf(address).
var selIDOf = []byte{0xd9, 0x4f, 0xe8, 0x32}

// ErrRegistry is a registry read that failed (the node, not the user).
var ErrRegistry = errors.New("farcaster: the ID registry could not be read")

// IDOf returns the fid whose custody address is custody, 0 for none.
func (r *Registry) IDOf(ctx context.Context, custody common.Address) (uint64, error) {
	data := append(append([]byte{}, selIDOf...), common.LeftPadBytes(custody.Bytes(), 32)...)
	out, err := r.node.CallContract(ctx, ethereum.CallMsg{To: &r.address, Data: data}, nil)
	if err != nil {
		return 0, fmt.Errorf("%w: idOf(%s): %w", ErrRegistry, custody.Hex(), err)
	}
	if len(out) != 32 {
		return 0, fmt.Errorf("%w: idOf(%s) answered %d bytes (is %s the ID registry?)", ErrRegistry, custody.Hex(), len(out), r.address.Hex())
	}
	v := new(big.Int).SetBytes(out)
	if !v.IsUint64() {
		return 0, fmt.Errorf("%w: idOf(%s) = %s is out of range", ErrRegistry, custody.Hex(), v)
	}
	return v.Uint64(), nil
}
