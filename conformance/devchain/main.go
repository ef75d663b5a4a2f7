// Command devchain runs go-ethereum's simulated backend as a JSON-RPC node
// on loopback for the browser tests: a chain with the given id (1 by
// default, so a wallet on Ethereum mainnet reads real balances from it)
// whose genesis funds the given accounts. Like a development node, it
// mines a block as soon as a transaction is pending, so a test deploys
// and calls contracts with an ordinary client (ethers) over JSON-RPC. It
// prints "RPC <url>" once the node answers and runs until its standard
// input closes or it is signalled. With --nft OWNER (repeatable) it first
// deploys a test ERC-721 collection, mints token 1 to the first owner, 2
// to the second and so on, and prints "NFT <contract>" after the RPC line
// (the README's NFT-gated example runs on it). `devchain sign KEY` signs
// standard input as a wallet's personal_sign does and prints the signature.
//
//	go run ./conformance/devchain --fund 0xADDR=1500000000000000000
//	go run ./conformance/devchain --nft 0xADDR
package main

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/params"

	"github.com/dynamicauth/dynamicauth/access/accesstest"
)

type funds types.GenesisAlloc

type owners []common.Address

func (o *owners) String() string { return "" }

func (o *owners) Set(v string) error {
	if !common.IsHexAddress(v) {
		return fmt.Errorf("want an address, got %q", v)
	}
	*o = append(*o, common.HexToAddress(v))
	return nil
}

func (f funds) String() string { return "" }

func (f funds) Set(v string) error {
	addr, wei, ok := strings.Cut(v, "=")
	amount, good := new(big.Int).SetString(wei, 10)
	if !ok || !common.IsHexAddress(addr) || !good {
		return fmt.Errorf("want ADDRESS=WEI, got %q", v)
	}
	f[common.HexToAddress(addr)] = types.Account{Balance: amount}
	return nil
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "sign" {
		if err := sign(os.Args[2:], os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "devchain:", err)
			os.Exit(2)
		}
		return
	}
	alloc := funds{}
	chainID := flag.Int64("chain-id", 1, "chain id")
	flag.Var(alloc, "fund", "ADDRESS=WEI funded at genesis (repeatable)")
	var holders owners
	flag.Var(&holders, "nft", "OWNER of a token of a test ERC-721 deployed at start (repeatable: token 1, 2, … in order)")
	flag.Parse()
	deployer, err := crypto.GenerateKey()
	if err != nil {
		fmt.Fprintln(os.Stderr, "devchain:", err)
		os.Exit(1)
	}
	if len(holders) > 0 {
		alloc[crypto.PubkeyToAddress(deployer.PublicKey)] = types.Account{Balance: big.NewInt(1e18)}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "devchain:", err)
		os.Exit(1)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()

	cfg := *params.AllDevChainProtocolChanges // a copy: the package value is shared
	cfg.ChainID = big.NewInt(*chainID)
	b := simulated.NewBackend(types.GenesisAlloc(alloc), func(n *node.Config, e *ethconfig.Config) {
		n.HTTPHost, n.HTTPPort = "127.0.0.1", port
		n.HTTPModules = []string{"eth", "net", "web3"}
		n.HTTPCors = []string{"*"}
		n.HTTPVirtualHosts = []string{"*"}
		e.Genesis.Config = &cfg
		e.NetworkId = uint64(*chainID)
	})
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := indexed(ctx, b); err != nil {
		fmt.Fprintln(os.Stderr, "devchain:", err)
		os.Exit(1)
	}
	var nft common.Address
	if len(holders) > 0 {
		if nft, err = deployNFT(ctx, b, deployer, holders); err != nil {
			fmt.Fprintln(os.Stderr, "devchain:", err)
			os.Exit(1)
		}
	}
	go automine(ctx, b)
	fmt.Printf("RPC http://127.0.0.1:%d\n", port)
	if len(holders) > 0 {
		fmt.Printf("NFT %s\n", nft.Hex())
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	stdin := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stdin) }()
	select {
	case <-sig:
	case <-stdin:
	}
}

// indexed seals a first block and waits for the transaction indexer to
// catch up: until it has, the node answers a receipt lookup with
// "transaction indexing is in progress" instead of "not found", which
// clients waiting for a receipt (ethers) take as a failure.
func indexed(ctx context.Context, b *simulated.Backend) error {
	b.Commit()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		_, err := b.Client().TransactionReceipt(ctx, common.Hash{1})
		if errors.Is(err, ethereum.NotFound) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("transaction indexer not ready: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// deployNFT deploys the test ERC-721 from key and mints token i+1 to
// holders[i], each transaction sealed at once.
func deployNFT(ctx context.Context, b *simulated.Backend, key *ecdsa.PrivateKey, holders []common.Address) (common.Address, error) {
	code, err := accesstest.ERC721Creation()
	if err != nil {
		return common.Address{}, err
	}
	r, err := send(ctx, b, key, 0, nil, code)
	if err != nil {
		return common.Address{}, fmt.Errorf("deploy the NFT: %w", err)
	}
	mint := crypto.Keccak256([]byte("mint(address,uint256)"))[:4]
	for i, h := range holders {
		data := append(append(append([]byte{}, mint...), accesstest.Addr(h)...), accesstest.U256(int64(i+1))...)
		if _, err := send(ctx, b, key, uint64(i+1), &r.ContractAddress, data); err != nil {
			return common.Address{}, fmt.Errorf("mint token %d to %s: %w", i+1, h.Hex(), err)
		}
	}
	return r.ContractAddress, nil
}

// send signs, sends and seals one transaction and returns its receipt.
func send(ctx context.Context, b *simulated.Backend, key *ecdsa.PrivateKey, nonce uint64, to *common.Address, data []byte) (*types.Receipt, error) {
	c := b.Client()
	id, err := c.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := types.SignTx(types.NewTx(&types.DynamicFeeTx{ChainID: id, Nonce: nonce, To: to, Data: data, Gas: 3_000_000,
		GasTipCap: big.NewInt(1e9), GasFeeCap: big.NewInt(100e9)}), types.LatestSignerForChainID(id), key)
	if err != nil {
		return nil, err
	}
	if err := c.SendTransaction(ctx, tx); err != nil {
		return nil, err
	}
	b.Commit()
	r, err := c.TransactionReceipt(ctx, tx.Hash())
	if err != nil {
		return nil, err
	}
	if r.Status != types.ReceiptStatusSuccessful {
		return nil, errors.New("transaction reverted")
	}
	return r, nil
}

// automine seals a block whenever the pool holds a transaction, polling
// every 20ms (the simulated backend only mines on Commit), and an empty
// one when none came for emptyBlockEvery. A client waiting for a receipt
// or a contract's code (ethers) looks again at each new block: if its
// look at the transaction's block came before the node had indexed it
// (a loaded machine), it waited for a next block that never came, and
// the conformance run hung.
func automine(ctx context.Context, b *simulated.Backend) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	client := b.Client()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := client.PendingTransactionCount(ctx)
		if (err == nil && n > 0) || time.Since(last) >= emptyBlockEvery {
			b.Commit()
			last = time.Now()
		}
	}
}

// emptyBlockEvery: how often automine seals a block with no transaction.
const emptyBlockEvery = 250 * time.Millisecond
