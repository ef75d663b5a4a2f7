package wallets

import (
	"context"
	"crypto/ecdsa"
	_ "embed"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
)

// Creation code of contracts/testdata/TestWallet.sol (contracts/build.sh).
var (
	//go:embed contracts/testdata/TestSmartWallet.bin
	testWalletHex string
	//go:embed contracts/testdata/TestWalletFactory.bin
	testFactoryHex string
)

// testChain is a simulated chain with one funded account that deploys.
type testChain struct {
	backend  *simulated.Backend
	client   simulated.Client
	deployer *ecdsa.PrivateKey
	nonce    uint64
}

func newTestChain(t *testing.T) *testChain {
	t.Helper()
	key := newKey(t)
	funds := new(big.Int).Mul(big.NewInt(100), big.NewInt(1e18))
	backend := simulated.NewBackend(types.GenesisAlloc{crypto.PubkeyToAddress(key.PublicKey): {Balance: funds}})
	t.Cleanup(func() { _ = backend.Close() })
	return &testChain{backend: backend, client: backend.Client(), deployer: key}
}

// send mines a transaction (to nil: a deployment) and returns its receipt.
func (c *testChain) send(t *testing.T, to *common.Address, data []byte) *types.Receipt {
	t.Helper()
	ctx := context.Background()
	chainID, err := c.client.ChainID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tx := types.NewTx(&types.DynamicFeeTx{
		ChainID: chainID, Nonce: c.nonce, To: to, Data: data, Gas: 3_000_000,
		GasTipCap: big.NewInt(1e9), GasFeeCap: big.NewInt(100e9),
	})
	signed, err := types.SignTx(tx, types.LatestSignerForChainID(chainID), c.deployer)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.client.SendTransaction(ctx, signed); err != nil {
		t.Fatal(err)
	}
	c.backend.Commit()
	c.nonce++
	receipt, err := c.client.TransactionReceipt(ctx, signed.Hash())
	if err != nil {
		t.Fatal(err)
	}
	if receipt.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("transaction failed: %+v", receipt)
	}
	return receipt
}

func (c *testChain) deploy(t *testing.T, creation []byte) common.Address {
	t.Helper()
	return c.send(t, nil, creation).ContractAddress
}

func (c *testChain) hasCode(t *testing.T, addr common.Address) bool {
	t.Helper()
	code, err := c.client.CodeAt(context.Background(), addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	return len(code) > 0
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func abiEncode(t *testing.T, types []string, values ...any) []byte {
	t.Helper()
	args, err := abiArguments(types...)
	if err != nil {
		t.Fatal(err)
	}
	out, err := args.Pack(values...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// walletCreation is TestSmartWallet's init code for owner.
func walletCreation(t *testing.T, owner common.Address) []byte {
	return append(mustHex(t, testWalletHex), abiEncode(t, []string{"address"}, owner)...)
}

// counterfactual is the wallet the factory would CREATE2 for (owner,
// salt), with the calldata that deploys it.
func counterfactual(t *testing.T, factory, owner common.Address, salt common.Hash) (common.Address, []byte) {
	addr := crypto.CreateAddress2(factory, salt, crypto.Keccak256(walletCreation(t, owner)))
	selector := crypto.Keccak256([]byte("deploy(address,bytes32)"))[:4]
	return addr, append(selector, abiEncode(t, []string{"address", "bytes32"}, owner, salt)...)
}

// wrap6492 builds an EIP-6492 signature.
func wrap6492(t *testing.T, factory common.Address, calldata, sig []byte) string {
	wrapped := abiEncode(t, []string{"address", "bytes", "bytes"}, factory, calldata, sig)
	return hexutil.Encode(append(wrapped, erc6492Suffix()...))
}

func TestVerifyEVMSmartWallets(t *testing.T) {
	ctx := context.Background()
	chain := newTestChain(t)
	owner, stranger := newKey(t), newKey(t)
	ownerAddr := crypto.PubkeyToAddress(owner.PublicKey)
	msg := dynamicSIWE()
	hash := personalMessageHash(msg)
	ownerSig, strangerSig := signHash(t, owner, hash), signHash(t, stranger, hash)
	factory := chain.deploy(t, mustHex(t, testFactoryHex))

	t.Run("EIP-1271 deployed wallet", func(t *testing.T) {
		wallet := chain.deploy(t, walletCreation(t, ownerAddr))
		for _, a := range []string{wallet.Hex(), strings.ToLower(wallet.Hex())} {
			if err := VerifyEVM(ctx, a, msg, hexutil.Encode(ownerSig), chain.client); err != nil {
				t.Fatalf("%s: %v", a, err)
			}
		}
		err := VerifyEVM(ctx, wallet.Hex(), msg, hexutil.Encode(strangerSig), chain.client)
		wantCode(t, err, errs.KindUnprocessable, CodeVerifyFailure)
		err = VerifyEVM(ctx, wallet.Hex(), strings.Replace(msg, "Nonce: 0", "Nonce: 1", 1), hexutil.Encode(ownerSig), chain.client)
		wantCode(t, err, errs.KindUnprocessable, CodeVerifyFailure)
	})

	t.Run("EIP-1271 signature without an RPC", func(t *testing.T) {
		wallet := chain.deploy(t, walletCreation(t, ownerAddr))
		err := VerifyEVM(ctx, wallet.Hex(), msg, hexutil.Encode(ownerSig), nil)
		wantCode(t, err, errs.KindUnprocessable, CodeVerifyFailure)
	})

	t.Run("EIP-6492 counterfactual wallet", func(t *testing.T) {
		wallet, calldata := counterfactual(t, factory, ownerAddr, common.HexToHash("0x01"))
		if chain.hasCode(t, wallet) {
			t.Fatal("wallet deployed already")
		}
		if err := VerifyEVM(ctx, wallet.Hex(), msg, wrap6492(t, factory, calldata, ownerSig), chain.client); err != nil {
			t.Fatal(err)
		}
		if chain.hasCode(t, wallet) {
			t.Error("verification deployed the wallet for real")
		}
		err := VerifyEVM(ctx, wallet.Hex(), msg, wrap6492(t, factory, calldata, strangerSig), chain.client)
		wantCode(t, err, errs.KindUnprocessable, CodeVerifyFailure)
		// Unwrapped, the signature cannot be checked before deployment.
		err = VerifyEVM(ctx, wallet.Hex(), msg, hexutil.Encode(ownerSig), chain.client)
		wantCode(t, err, errs.KindUnprocessable, CodeVerifyFailure)
	})

	t.Run("EIP-6492 wallet someone else's factory call deploys", func(t *testing.T) {
		// The calldata deploys the stranger's wallet, not the one claimed.
		wallet, _ := counterfactual(t, factory, ownerAddr, common.HexToHash("0x02"))
		_, strangersCall := counterfactual(t, factory, crypto.PubkeyToAddress(stranger.PublicKey), common.HexToHash("0x02"))
		err := VerifyEVM(ctx, wallet.Hex(), msg, wrap6492(t, factory, strangersCall, strangerSig), chain.client)
		wantCode(t, err, errs.KindUnprocessable, CodeVerifyFailure)
	})

	t.Run("EIP-6492 failing factory call", func(t *testing.T) {
		wallet, _ := counterfactual(t, factory, ownerAddr, common.HexToHash("0x03"))
		err := VerifyEVM(ctx, wallet.Hex(), msg, wrap6492(t, factory, []byte{0xde, 0xad, 0xbe, 0xef}, ownerSig), chain.client)
		wantCode(t, err, errs.KindUnprocessable, CodeVerifyFailure)
	})

	t.Run("EIP-6492 wrapper for a deployed wallet", func(t *testing.T) {
		wallet, calldata := counterfactual(t, factory, ownerAddr, common.HexToHash("0x04"))
		chain.send(t, &factory, calldata)
		if !chain.hasCode(t, wallet) {
			t.Fatal("factory did not deploy the wallet")
		}
		if err := VerifyEVM(ctx, wallet.Hex(), msg, wrap6492(t, factory, calldata, ownerSig), chain.client); err != nil {
			t.Fatal(err)
		}
		err := VerifyEVM(ctx, wallet.Hex(), msg, wrap6492(t, factory, calldata, strangerSig), chain.client)
		wantCode(t, err, errs.KindUnprocessable, CodeVerifyFailure)
	})

	t.Run("EOA still works with an RPC", func(t *testing.T) {
		if err := VerifyEVM(ctx, ownerAddr.Hex(), msg, hexutil.Encode(personalSign(t, owner, msg)), chain.client); err != nil {
			t.Fatal(err)
		}
	})
}
