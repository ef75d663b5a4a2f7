// Command devchain runs go-ethereum's simulated backend as a JSON-RPC node
// on loopback for the browser tests: a chain with the given id (1 by
// default, so a wallet on Ethereum mainnet reads real balances from it)
// whose genesis funds the given accounts. Like a development node, it
// mines a block as soon as a transaction is pending, so a test deploys
// and calls contracts with an ordinary client (ethers) over JSON-RPC. It
// prints "RPC <url>" once the node answers and runs until its standard
// input closes or it is signalled.
//
//	go run ./conformance/devchain --fund 0xADDR=1500000000000000000
package main

import (
	"context"
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
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/params"
)

type funds types.GenesisAlloc

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
	alloc := funds{}
	chainID := flag.Int64("chain-id", 1, "chain id")
	flag.Var(alloc, "fund", "ADDRESS=WEI funded at genesis (repeatable)")
	flag.Parse()

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
	go automine(ctx, b)
	fmt.Printf("RPC http://127.0.0.1:%d\n", port)

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

// automine seals a block whenever the pool holds a transaction, polling
// every 20ms (the simulated backend only mines on Commit).
func automine(ctx context.Context, b *simulated.Backend) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	client := b.Client()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := client.PendingTransactionCount(ctx)
		if err == nil && n > 0 {
			b.Commit()
		}
	}
}
