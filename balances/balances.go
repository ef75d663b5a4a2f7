// Package balances reads wallets' token balances from the server's EVM
// nodes for Dynamic's SDK (GET /sdk/{env}/chains/EVM/balances): the native
// coin and the ERC-20 contracts a caller lists, each with its name, symbol
// and decimals, cached briefly so a widget's polling costs the node little.
// A network without a node is a clear refusal, never a hang: every read is
// bounded by a timeout.
package balances

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
)

// Node is the read-only slice of an EVM node balances and token gates
// need (access.Node is this type); *ethclient.Client is one.
type Node interface {
	CallContract(ctx context.Context, msg ethereum.CallMsg, block *big.Int) ([]byte, error)
	BalanceAt(ctx context.Context, account common.Address, block *big.Int) (*big.Int, error)
}

// ErrNoNode is a network the server has no node for.
var ErrNoNode = errors.New("no EVM node is configured for this network")

// NativeAddress stands for the native coin in a Token's Address (the
// convention of EVM token lists for "not a contract").
const NativeAddress = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE"

// MaxContracts caps the ERC-20 contracts of one read.
const MaxContracts = 50

// Token is one balance (contract TokenBalance). Balance is the amount in
// whole tokens as an exact decimal, RawBalance in base units.
type Token struct {
	NetworkID  int64
	Address    string
	Name       string
	Symbol     string
	Decimals   int
	Balance    string
	RawBalance string
	IsNative   bool
	// Price (USD) and MarketValue (Balance times Price) are set when
	// prices were asked for and the price source knows the token.
	Price, MarketValue *float64
}

// Currency names a network's native coin.
type Currency struct {
	Name, Symbol string
	Decimals     int
}

// EnvNodes finds the node an environment's own settings name for a
// network (the rpcUrl of its chain settings); token gates read through
// the same one (access.EnvNodes is this type).
type EnvNodes interface {
	// EnvNode returns the node and a key naming it (its URL), or a nil
	// node when the settings name none. Answers are cached per node, so
	// one environment's node never answers another environment's reads.
	EnvNode(ctx context.Context, envID string, network int64) (Node, string, error)
}

// Reader reads balances from one node per network id: the server's own,
// else the one the environment's settings name.
type Reader struct {
	nodes   map[int64]Node
	env     EnvNodes
	ttl     time.Duration
	timeout time.Duration
	now     func() time.Time

	mu    sync.Mutex
	cache map[string]entry
}

type entry struct {
	tok Token
	exp time.Time
}

// Config configures New.
type Config struct {
	Nodes map[int64]Node
	// Env, when set, finds the node an environment's chain settings name
	// for a network Nodes has none for.
	Env     EnvNodes
	TTL     time.Duration // how long an answer is reused; 0 means 10s, negative never
	Timeout time.Duration // bound of one Read; 0 means 5s
	Now     func() time.Time
}

// New builds a reader.
func New(c Config) *Reader {
	if c.TTL == 0 {
		c.TTL = 10 * time.Second
	}
	if c.Timeout == 0 {
		c.Timeout = 5 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Reader{nodes: c.Nodes, env: c.Env, ttl: c.TTL, timeout: c.Timeout, now: c.Now, cache: map[string]entry{}}
}

// node picks the node of the query's network: the server's own
// (--evm-rpc) first, else the one the environment's settings name; key
// names it in cache keys ("" for the server's own).
func (r *Reader) node(ctx context.Context, q Query) (Node, string, error) {
	if n := r.nodes[q.Network]; n != nil {
		return n, "", nil
	}
	if r.env != nil && q.EnvironmentID != "" {
		n, key, err := r.env.EnvNode(ctx, q.EnvironmentID, q.Network)
		if err != nil {
			return nil, "", fmt.Errorf("network %d: the environment's RPC: %w", q.Network, err)
		}
		if n != nil {
			return n, key, nil
		}
	}
	return nil, "", fmt.Errorf("network %d: %w", q.Network, ErrNoNode)
}

// Query is one Read.
type Query struct {
	// EnvironmentID is whose chain settings may name the node.
	EnvironmentID string
	Network       int64
	Account       common.Address
	Native        *Currency // the native coin, or nil to leave it out
	Contracts     []common.Address
	// Fresh skips the cache (the SDK's forceRefresh).
	Fresh bool
}

// Read returns the native balance (first, when asked) and each listed
// contract's, in order.
func (r *Reader) Read(ctx context.Context, q Query) ([]Token, error) {
	if len(q.Contracts) > MaxContracts {
		return nil, fmt.Errorf("at most %d contracts", MaxContracts)
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	node, nodeKey, err := r.node(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]Token, 0, len(q.Contracts)+1)
	if q.Native != nil {
		t, err := r.cached(q, nodeKey, "native", func() (Token, error) {
			v, err := node.BalanceAt(ctx, q.Account, nil)
			if err != nil {
				return Token{}, fmt.Errorf("network %d: balance of %s: %w", q.Network, q.Account, err)
			}
			return amount(Token{NetworkID: q.Network, Address: NativeAddress, Name: q.Native.Name, Symbol: q.Native.Symbol,
				Decimals: q.Native.Decimals, IsNative: true}, v), nil
		})
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	seen := map[common.Address]bool{}
	for _, c := range q.Contracts {
		if seen[c] {
			continue
		}
		seen[c] = true
		t, err := r.cached(q, nodeKey, c.Hex(), func() (Token, error) { return erc20(ctx, node, q.Network, c, q.Account) })
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func (r *Reader) cached(q Query, nodeKey, what string, fetch func() (Token, error)) (Token, error) {
	key := fmt.Sprintf("%d|%q|%s|%s", q.Network, nodeKey, q.Account.Hex(), what)
	now := r.now()
	if !q.Fresh {
		r.mu.Lock()
		e, ok := r.cache[key]
		r.mu.Unlock()
		if ok && now.Before(e.exp) {
			return e.tok, nil
		}
	}
	t, err := fetch()
	if err != nil || r.ttl < 0 {
		return t, err
	}
	r.mu.Lock()
	if len(r.cache) > 100_000 { // bounded: forget rather than grow
		r.cache = map[string]entry{}
	}
	r.cache[key] = entry{tok: t, exp: now.Add(r.ttl)}
	r.mu.Unlock()
	return t, nil
}

// amount fills the raw and decimal balances.
func amount(t Token, raw *big.Int) Token {
	t.RawBalance = raw.String()
	t.Balance = decimal(raw, t.Decimals)
	return t
}

// decimal writes raw / 10^decimals exactly, without trailing zeros.
func decimal(raw *big.Int, decimals int) string {
	s := new(big.Rat).SetFrac(raw, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decimals)), nil)).FloatString(decimals)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func call(ctx context.Context, node Node, contract common.Address, data []byte) ([]byte, error) {
	return node.CallContract(ctx, ethereum.CallMsg{To: &contract, Data: data}, nil)
}

// erc20 reads a token's balance and description. balanceOf must answer; a
// contract without decimals() has 0 decimals and one without name() or
// symbol() is named by its address, as ERC-20 makes them optional.
func erc20(ctx context.Context, node Node, network int64, c, account common.Address) (Token, error) {
	out, err := call(ctx, node, c, BalanceOfCall(account))
	if err == nil && len(out) < 32 {
		err = errors.New("not an ERC-20 contract (empty answer)")
	}
	if err != nil {
		return Token{}, fmt.Errorf("network %d: balanceOf of %s: %w", network, c.Hex(), err)
	}
	raw := new(big.Int).SetBytes(out[:32])
	t := Token{NetworkID: network, Address: c.Hex()}
	out, err = call(ctx, node, c, DecimalsCall())
	switch {
	case err == nil && len(out) >= 32:
		d := new(big.Int).SetBytes(out[:32])
		if !d.IsUint64() || d.Uint64() > 77 {
			return Token{}, fmt.Errorf("network %d: decimals of %s: %s is out of range", network, c.Hex(), d)
		}
		t.Decimals = int(d.Uint64())
	case err != nil && !Reverted(err):
		return Token{}, fmt.Errorf("network %d: decimals of %s: %w", network, c.Hex(), err)
	}
	short := c.Hex()[:6] + "…" + c.Hex()[38:]
	t.Name, err = text(ctx, node, c, selName, short)
	if err != nil {
		return Token{}, fmt.Errorf("network %d: name of %s: %w", network, c.Hex(), err)
	}
	t.Symbol, err = text(ctx, node, c, selSymbol, "")
	if err != nil {
		return Token{}, fmt.Errorf("network %d: symbol of %s: %w", network, c.Hex(), err)
	}
	return amount(t, raw), nil
}

// text reads a string() function: an ABI string, or the bytes32 some old
// tokens return; fallback when the contract lacks it.
func text(ctx context.Context, node Node, c common.Address, sel []byte, fallback string) (string, error) {
	out, err := call(ctx, node, c, sel)
	if Reverted(err) || (err == nil && len(out) == 0) {
		return fallback, nil
	}
	if err != nil {
		return "", err
	}
	s := abiString(out)
	if s == "" {
		return fallback, nil
	}
	return s, nil
}

// The offset and length are the contract's numbers, compared with what is
// left of out rather than added to (an offset near 2^64 wraps a sum to a
// small number, and slicing with it panics).
func abiString(out []byte) string {
	if len(out) >= 64 {
		off := new(big.Int).SetBytes(out[:32])
		if off.IsUint64() && off.Uint64() <= uint64(len(out)-32) {
			o := off.Uint64()
			n := new(big.Int).SetBytes(out[o : o+32])
			if n.IsUint64() && n.Uint64() <= 256 && n.Uint64() <= uint64(len(out))-o-32 {
				return clean(out[o+32 : o+32+n.Uint64()])
			}
		}
	}
	if len(out) == 32 { // bytes32
		return clean([]byte(strings.TrimRight(string(out), "\x00")))
	}
	return ""
}

// clean keeps a printable UTF-8 string of at most 64 characters.
func clean(b []byte) string {
	if !utf8.Valid(b) {
		return ""
	}
	s := strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, string(b))
	if utf8.RuneCountInString(s) > 64 {
		s = string([]rune(s)[:64])
	}
	return strings.TrimSpace(s)
}
