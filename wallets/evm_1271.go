package wallets

import (
	"bytes"
	"context"
	"errors"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
)

// erc1271Magic is isValidSignature's selector, which EIP-1271 also makes
// the "valid" return value.
func erc1271Magic() []byte { return []byte{0x16, 0x26, 0xba, 0x7e} }

// verifyERC1271 asks a deployed contract wallet whether sig is its
// signature over hash.
func verifyERC1271(ctx context.Context, rpc ChainCaller, addr common.Address, hash common.Hash, sig []byte) error {
	args, err := abiArguments("bytes32", "bytes")
	if err != nil {
		return errs.Internal("evm: isValidSignature arguments", err)
	}
	packed, err := args.Pack(hash, sig)
	if err != nil {
		return errs.Internal("evm: encode isValidSignature call", err)
	}
	call := ethereum.CallMsg{To: &addr, Data: append(erc1271Magic(), packed...)}
	out, err := rpc.CallContract(ctx, call, nil)
	if err != nil {
		return callFailure("evm: call isValidSignature", err)
	}
	if !isMagicWord(out) {
		return badSignature()
	}
	return nil
}

// isMagicWord reports whether out starts with the ABI encoding of
// bytes4(0x1626ba7e): the magic, left-aligned in a zero-padded word.
func isMagicWord(out []byte) bool {
	if len(out) < 32 {
		return false
	}
	word := make([]byte, 32)
	copy(word, erc1271Magic())
	return bytes.Equal(out[:32], word)
}

// callFailure tells a contract that said no (a revert: many wallets revert
// on a bad signature) from a node we could not ask.
func callFailure(op string, err error) error {
	if isRevert(err) {
		return badSignature()
	}
	return errs.Internal(op, err)
}

// isRevert recognises an eth_call revert: JSON-RPC error code 3 (geth,
// with revert data) or, failing that, the "execution reverted" text
// nodes use without data.
func isRevert(err error) bool {
	var coded interface{ ErrorCode() int }
	if errors.As(err, &coded) && coded.ErrorCode() == 3 {
		return true
	}
	return strings.Contains(strings.ToLower(err.Error()), "execution reverted")
}

// abiArguments builds an argument list from Solidity type names.
func abiArguments(types ...string) (abi.Arguments, error) {
	args := make(abi.Arguments, len(types))
	for i, name := range types {
		t, err := abi.NewType(name, "", nil)
		if err != nil {
			return nil, err
		}
		args[i] = abi.Argument{Type: t}
	}
	return args, nil
}
