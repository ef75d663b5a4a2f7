package wallets

import (
	"context"
	"math/big"
	"strconv"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
)

// ChainCaller is the read-only slice of an EVM node that contract-wallet
// checks need. go-ethereum's *ethclient.Client satisfies it, and so does
// the client of its simulated backend.
type ChainCaller interface {
	CodeAt(ctx context.Context, account common.Address, blockNumber *big.Int) ([]byte, error)
	CallContract(ctx context.Context, call ethereum.CallMsg, blockNumber *big.Int) ([]byte, error)
}

// VerifyEVM checks that signature (0x-hex) proves address signed message
// with EIP-191 personal_sign. rpc, which may be nil, is a node of the
// chain the message names; with it, smart-contract wallets are verified
// too: deployed ones through EIP-1271, counterfactual ones through an
// EIP-6492 wrapped signature.
//
// Order: a 6492 wrapper goes to the chain; otherwise a 65-byte signature
// is tried as an EOA's first (no RPC round trip, and it also covers
// EIP-7702 accounts, which have code but a key), then EIP-1271 if the
// address has code.
//
// Errors: errs.Invalid for malformed signatures, errs.Unprocessable with
// CodeInvalidWalletAddress for a malformed address and CodeVerifyFailure
// for a signature that does not verify; chain failures are errs.Internal.
func VerifyEVM(ctx context.Context, address, message, signature string, rpc ChainCaller) error {
	if !isEVMAddress(address) {
		return invalidAddress("address: want 0x and 40 hex digits")
	}
	addr := common.HexToAddress(address)
	sig, err := decodeEVMSignature(signature)
	if err != nil {
		return err
	}
	hash := personalMessageHash(message)
	if isERC6492(sig) {
		if rpc == nil {
			return noRPC(message)
		}
		return verifyERC6492(ctx, rpc, addr, hash, sig)
	}
	eoaErr := verifyEOA(addr, hash, sig)
	if eoaErr == nil || rpc == nil {
		return eoaErr
	}
	code, err := rpc.CodeAt(ctx, addr, nil)
	if err != nil {
		return errs.Internal("evm: read wallet code", err)
	}
	if len(code) == 0 {
		return eoaErr
	}
	return verifyERC1271(ctx, rpc, addr, hash, sig)
}

// MaxEVMSignatureBytes bounds a signature. Contract-wallet signatures
// (WebAuthn assertions, EIP-6492 wrappers with factory calldata) run to a
// few KiB; the bound keeps hostile input from costing more than that.
const MaxEVMSignatureBytes = 16 << 10

func decodeEVMSignature(signature string) ([]byte, error) {
	if len(signature) > 2+2*MaxEVMSignatureBytes {
		return nil, errs.Invalid("signature: longer than %d bytes", MaxEVMSignatureBytes)
	}
	sig, err := hexutil.Decode(signature)
	if err != nil {
		return nil, errs.Invalid("signature: not 0x-prefixed hex: %v", err)
	}
	return sig, nil
}

// personalMessageHash is EIP-191 version 0x45, what personal_sign signs:
// keccak256("\x19Ethereum Signed Message:\n" + len(message) + message).
func personalMessageHash(message string) common.Hash {
	return crypto.Keccak256Hash([]byte(personalPrefix(len(message))), []byte(message))
}

func personalPrefix(n int) string {
	return "\x19Ethereum Signed Message:\n" + strconv.Itoa(n)
}

// noRPC explains why a contract-wallet signature cannot be checked,
// naming the chain when the message says which.
func noRPC(message string) error {
	chain := "this chain"
	if id := chainIDHint(message); id != "" {
		chain = "chain " + id
	}
	return errs.Unprocessable(CodeVerifyFailure,
		"smart-contract wallet signatures need an RPC URL configured for "+chain, nil)
}

// chainIDHint finds the "Chain ID:" line of a SIWE message without
// parsing it all; the message may be of any shape here.
func chainIDHint(message string) string {
	for line := range strings.SplitSeq(message, "\n") {
		if id, ok := strings.CutPrefix(line, "Chain ID: "); ok && checkEVMChainID(id) == nil {
			return id
		}
	}
	return ""
}
