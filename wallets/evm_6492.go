package wallets

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
)

// validatorHex is the creation code of contracts/UniversalSigValidator.sol,
// compiled by contracts/build.sh.
//
//go:embed contracts/UniversalSigValidator.bin
var validatorHex string

// erc6492Suffix ends every EIP-6492 wrapped signature.
func erc6492Suffix() []byte { return bytes.Repeat([]byte{0x64, 0x92}, 16) }

func isERC6492(sig []byte) bool {
	return len(sig) >= 32 && bytes.Equal(sig[len(sig)-32:], erc6492Suffix())
}

// erc6492Wrapper is abi.encode(factory, factoryCalldata, signature).
type erc6492Wrapper struct {
	Factory         common.Address
	FactoryCalldata []byte
	Signature       []byte
}

func unwrapERC6492(sig []byte) (*erc6492Wrapper, error) {
	args, err := abiArguments("address", "bytes", "bytes")
	if err != nil {
		return nil, errs.Internal("evm: EIP-6492 arguments", err)
	}
	values, err := args.Unpack(sig[:len(sig)-32])
	if err != nil {
		return nil, errs.Invalid("signature: malformed EIP-6492 wrapper: %v", err)
	}
	var w erc6492Wrapper
	var ok [3]bool
	w.Factory, ok[0] = values[0].(common.Address)
	w.FactoryCalldata, ok[1] = values[1].([]byte)
	w.Signature, ok[2] = values[2].([]byte)
	if ok != [3]bool{true, true, true} {
		return nil, errs.Internal("evm: EIP-6492 unpack", fmt.Errorf("unexpected types %T %T %T", values...))
	}
	return &w, nil
}

// encode writes the wrapper back in canonical ABI form. The validator's
// abi.decode reverts on non-canonical input, and a revert must only ever
// come from the chain, never from the signature's layout.
func (w *erc6492Wrapper) encode() ([]byte, error) {
	args, err := abiArguments("address", "bytes", "bytes")
	if err != nil {
		return nil, err
	}
	packed, err := args.Pack(w.Factory, w.FactoryCalldata, w.Signature)
	if err != nil {
		return nil, err
	}
	return append(packed, erc6492Suffix()...), nil
}

// verifyERC6492 runs the deployless validator in one eth_call: it deploys
// the wallet through its factory if needed, in simulation only, then asks
// the wallet (EIP-1271) and returns a bool from its constructor.
func verifyERC6492(ctx context.Context, rpc ChainCaller, addr common.Address, hash common.Hash, sig []byte) error {
	w, err := unwrapERC6492(sig)
	if err != nil {
		return err
	}
	canonical, err := w.encode()
	if err != nil {
		return errs.Internal("evm: re-encode EIP-6492 wrapper", err)
	}
	data, err := validatorCall(addr, hash, canonical)
	if err != nil {
		return err
	}
	out, err := rpc.CallContract(ctx, ethereum.CallMsg{Data: data}, nil) // no To: a creation
	if err != nil {
		return callFailure("evm: run EIP-6492 validator", err)
	}
	if !isTrueWord(out) {
		return badSignature()
	}
	return nil
}

// validatorCall is the validator's creation code followed by its
// constructor arguments (signer, hash, signature).
func validatorCall(signer common.Address, hash common.Hash, sig []byte) ([]byte, error) {
	code, err := hex.DecodeString(strings.TrimSpace(validatorHex))
	if err != nil {
		return nil, errs.Internal("evm: validator bytecode", err)
	}
	args, err := abiArguments("address", "bytes32", "bytes")
	if err != nil {
		return nil, errs.Internal("evm: validator arguments", err)
	}
	packed, err := args.Pack(signer, hash, sig)
	if err != nil {
		return nil, errs.Internal("evm: encode validator arguments", err)
	}
	return append(code, packed...), nil
}

// isTrueWord reports an ABI-encoded true.
func isTrueWord(out []byte) bool {
	want := make([]byte, 32)
	want[31] = 1
	return bytes.Equal(out, want)
}
