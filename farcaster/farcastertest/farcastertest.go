// Package farcastertest runs a stand-in for Farcaster's ID registry
// (contracts/testdata/TestIdRegistry.sol, compiled by contracts/build.sh)
// on go-ethereum's simulated backend, and builds Sign In With Farcaster
// messages as Farcaster's auth-kit does, for tests.
package farcastertest

import (
	"context"
	_ "embed"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/access/accesstest"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
)

//go:embed contracts/testdata/TestIdRegistry.bin
var registryHex string

// Registry is a deployed TestIdRegistry.
type Registry struct {
	Chain   *accesstest.Chain
	Address common.Address
}

// NewRegistry starts a simulated chain and deploys the registry on it.
func NewRegistry(t testing.TB) *Registry {
	t.Helper()
	chain := accesstest.NewChain(t)
	code, err := hex.DecodeString(strings.TrimSpace(registryHex))
	if err != nil {
		t.Fatal(err)
	}
	return &Registry{Chain: chain, Address: chain.Send(t, nil, nil, code).ContractAddress}
}

// Register gives custody a new fid and returns it.
func (r *Registry) Register(t testing.TB, custody common.Address) uint64 {
	t.Helper()
	r.Chain.Call(t, r.Address.Hex(), "register(address)", accesstest.Addr(custody))
	return r.IDOf(t, custody)
}

// Transfer moves fid to a new custody address.
func (r *Registry) Transfer(t testing.TB, fid uint64, to common.Address) {
	t.Helper()
	r.Chain.Call(t, r.Address.Hex(), "transfer(uint256,address)", accesstest.U256(int64(fid)), accesstest.Addr(to))
}

// IDOf reads idOf(custody).
func (r *Registry) IDOf(t testing.TB, custody common.Address) uint64 {
	t.Helper()
	data := append([]byte{0xd9, 0x4f, 0xe8, 0x32}, common.LeftPadBytes(custody.Bytes(), 32)...)
	out, err := r.Chain.Client.CallContract(context.Background(), ethereum.CallMsg{To: &r.Address, Data: data}, nil)
	if err != nil || len(out) != 32 {
		t.Fatalf("idOf(%s): %v (%d bytes)", custody.Hex(), err, len(out))
	}
	return new(big.Int).SetBytes(out).Uint64()
}

// Message is a SIWF message's variable parts.
type Message struct {
	Domain    string // "localhost:3000" when empty
	Address   string
	FID       uint64
	Nonce     string
	IssuedAt  time.Time // now when zero
	Statement string    // "Farcaster Auth" when empty
	ChainID   string    // "10" when empty
	RequestID string
}

// String writes the message as auth-kit does: EIP-4361 with the fid as a
// farcaster://fid/ resource.
func (m Message) String() string {
	if m.Domain == "" {
		m.Domain = "localhost:3000"
	}
	if m.IssuedAt.IsZero() {
		m.IssuedAt = time.Now()
	}
	if m.Statement == "" {
		m.Statement = "Farcaster Auth"
	}
	if m.ChainID == "" {
		m.ChainID = "10"
	}
	s := fmt.Sprintf("%s wants you to sign in with your Ethereum account:\n%s\n\n%s\n\nURI: http://%s/login\nVersion: 1\nChain ID: %s\nNonce: %s\nIssued At: %s",
		m.Domain, m.Address, m.Statement, m.Domain, m.ChainID, m.Nonce, m.IssuedAt.UTC().Format("2006-01-02T15:04:05.000Z"))
	if m.RequestID != "" {
		s += "\nRequest ID: " + m.RequestID
	}
	return s + fmt.Sprintf("\nResources:\n- farcaster://fid/%d", m.FID)
}
