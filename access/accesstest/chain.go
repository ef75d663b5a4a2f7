// Package accesstest runs token contracts on go-ethereum's simulated
// backend for tests of token gates: an ERC-20, an ERC-721 and an ERC-1155
// (contracts/testdata/TestTokens.sol, compiled by contracts/build.sh),
// deployed and minted by the test.
package accesstest

import (
	"context"
	"crypto/ecdsa"
	_ "embed"
	"encoding/hex"
	"fmt"
	"math/big"
	"net"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"
)

var (
	//go:embed contracts/testdata/TestERC20.bin
	erc20Hex string
	//go:embed contracts/testdata/TestERC721.bin
	erc721Hex string
	//go:embed contracts/testdata/TestERC1155.bin
	erc1155Hex string
)

// ChainID is the simulated backend's chain id.
const ChainID = 1337

// Chain is a simulated chain with one funded account that deploys, mints
// and pays.
type Chain struct {
	backend *simulated.Backend
	// Client reads the chain (an access.Node).
	Client simulated.Client
	key    *ecdsa.PrivateKey
	nonce  uint64
}

// NewChain starts a chain, closed when the test ends.
func NewChain(t testing.TB) *Chain {
	t.Helper()
	return newChain(t)
}

// NewHTTPChain starts a chain that also answers JSON-RPC over HTTP on
// 127.0.0.1, and returns it with its URL (a node the server reaches by
// URL, as it does one named in an environment's settings).
func NewHTTPChain(t testing.TB) (*Chain, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close() // the node listens there next
	c := newChain(t, func(n *node.Config, _ *ethconfig.Config) {
		n.HTTPHost, n.HTTPPort = "127.0.0.1", port
		n.HTTPModules = []string{"eth", "net", "web3"}
		n.HTTPVirtualHosts = []string{"*"}
	})
	return c, fmt.Sprintf("http://127.0.0.1:%d", port)
}

func newChain(t testing.TB, opts ...func(*node.Config, *ethconfig.Config)) *Chain {
	t.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	funds := new(big.Int).Mul(big.NewInt(1000), big.NewInt(1e18))
	b := simulated.NewBackend(types.GenesisAlloc{crypto.PubkeyToAddress(key.PublicKey): {Balance: funds}}, opts...)
	t.Cleanup(func() { _ = b.Close() })
	return &Chain{backend: b, Client: b.Client(), key: key}
}

// Send mines one transaction (to nil: a deployment) and returns its receipt.
func (c *Chain) Send(t testing.TB, to *common.Address, value *big.Int, data []byte) *types.Receipt {
	t.Helper()
	ctx := context.Background()
	id, err := c.Client.ChainID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tx := types.NewTx(&types.DynamicFeeTx{ChainID: id, Nonce: c.nonce, To: to, Value: value, Data: data, Gas: 3_000_000,
		GasTipCap: big.NewInt(1e9), GasFeeCap: big.NewInt(100e9)})
	signed, err := types.SignTx(tx, types.LatestSignerForChainID(id), c.key)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Client.SendTransaction(ctx, signed); err != nil {
		t.Fatal(err)
	}
	c.backend.Commit()
	c.nonce++
	r, err := c.Client.TransactionReceipt(ctx, signed.Hash())
	if err != nil || r.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("transaction failed: %v %+v", err, r)
	}
	return r
}

func (c *Chain) deploy(t testing.TB, hexCode string, args ...[]byte) string {
	t.Helper()
	code, err := hex.DecodeString(strings.TrimSpace(hexCode))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range args {
		code = append(code, a...)
	}
	return c.Send(t, nil, nil, code).ContractAddress.Hex()
}

// DeployERC20 deploys a token with the given decimals.
func (c *Chain) DeployERC20(t testing.TB, decimals int64) string {
	return c.deploy(t, erc20Hex, U256(decimals))
}

// ERC721Creation is the test NFT collection's creation code (mint(address,
// uint256) by anyone, burn(uint256)), for tools that deploy it on a chain
// of their own (conformance/devchain --nft).
func ERC721Creation() ([]byte, error) { return hex.DecodeString(strings.TrimSpace(erc721Hex)) }

// DeployERC721 deploys an NFT collection.
func (c *Chain) DeployERC721(t testing.TB) string { return c.deploy(t, erc721Hex) }

// DeployERC1155 deploys a multi-token contract.
func (c *Chain) DeployERC1155(t testing.TB) string { return c.deploy(t, erc1155Hex) }

// Call sends a transaction calling the function sig with ABI words.
func (c *Chain) Call(t testing.TB, contract, sig string, words ...[]byte) {
	t.Helper()
	to := common.HexToAddress(contract)
	data := crypto.Keccak256([]byte(sig))[:4]
	for _, w := range words {
		data = append(data, w...)
	}
	c.Send(t, &to, nil, data)
}

// MintERC20 gives to amount base units.
func (c *Chain) MintERC20(t testing.TB, contract string, to common.Address, amount int64) {
	c.Call(t, contract, "mint(address,uint256)", Addr(to), U256(amount))
}

// MintERC721 gives to the token id.
func (c *Chain) MintERC721(t testing.TB, contract string, to common.Address, id int64) {
	c.Call(t, contract, "mint(address,uint256)", Addr(to), U256(id))
}

// MintERC1155 gives to amount of token id.
func (c *Chain) MintERC1155(t testing.TB, contract string, to common.Address, id, amount int64) {
	c.Call(t, contract, "mint(address,uint256,uint256)", Addr(to), U256(id), U256(amount))
}

// Pay sends wei of the native coin.
func (c *Chain) Pay(t testing.TB, to common.Address, wei *big.Int) { c.Send(t, &to, wei, nil) }

// U256 is an ABI uint256 word.
func U256(v int64) []byte { return common.LeftPadBytes(big.NewInt(v).Bytes(), 32) }

// Addr is an ABI address word.
func Addr(a common.Address) []byte { return common.LeftPadBytes(a.Bytes(), 32) }

// BurnERC721 destroys the token id (its holder "sold" it).
func (c *Chain) BurnERC721(t testing.TB, contract string, id int64) {
	c.Call(t, contract, "burn(uint256)", U256(id))
}
