package access

import (
	"context"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"golang.org/x/sync/singleflight"

	"github.com/dynamicauth/dynamicauth/balances"
	"github.com/dynamicauth/dynamicauth/internal/safe"
)

// Node is the read-only slice of an EVM node a gate needs (the one
// package balances reads the SDK's balances with); *ethclient.Client is
// one.
type Node = balances.Node

// ErrNoNode is a gate rule on a network without a configured node (the
// decision maps it to unable_to_fetch_balances).
var ErrNoNode = balances.ErrNoNode

// Balances reads token balances from one node per network id, caching
// each answer for TTL so a burst of sign-ins costs one read.
type Balances struct {
	nodes   map[int64]Node
	env     EnvNodes
	ttl     time.Duration
	timeout time.Duration
	now     func() time.Time

	mu     sync.Mutex
	cache  map[string]cached
	flight singleflight.Group // one node read per answer wanted at once
}

type cached struct {
	v   *big.Int
	exp time.Time
}

// BalancesConfig configures NewBalances.
type BalancesConfig struct {
	Nodes map[int64]Node
	// Env, when set, finds the node an environment's chain settings name
	// for a network Nodes has none for.
	Env     EnvNodes
	TTL     time.Duration // how long an answer is reused; 0 means 15s, negative none
	Timeout time.Duration // deadline of one decision's reads; 0 means 5s
	Now     func() time.Time
}

// NewBalances builds a reader over the given nodes.
func NewBalances(c BalancesConfig) *Balances {
	if c.TTL == 0 {
		c.TTL = 15 * time.Second
	}
	if c.Timeout == 0 {
		c.Timeout = 5 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Balances{nodes: c.Nodes, env: c.Env, ttl: c.TTL, timeout: c.Timeout, now: c.Now, cache: map[string]cached{}}
}

// Function selectors of the calls package balances does not make.
var (
	selBalanceOf1155 = []byte{0x00, 0xfd, 0xd5, 0x8e} // balanceOf(address,uint256)
	selOwnerOf       = []byte{0x63, 0x52, 0x21, 0x1e} // ownerOf(uint256)
	selSupports      = []byte{0x01, 0xff, 0xc9, 0xa7} // supportsInterface(bytes4)
	iface1155        = []byte{0xd9, 0xb6, 0x7a, 0x26}
)

func word(b []byte) []byte { return common.LeftPadBytes(b, 32) }

// EnvNodes finds the node an environment's own settings name for a
// network (the rpcUrl of its chain settings), shared with the SDK's
// balance reads.
type EnvNodes = balances.EnvNodes

// source is the node one network's balances are read from.
type source struct {
	network int64
	node    Node
	key     string // names the node in cache keys: "" for the server's own
}

// source picks the node for an environment's network: the server's own
// (--evm-rpc) first, else the one the environment's settings name.
func (b *Balances) source(ctx context.Context, envID string, network int64) (source, error) {
	if n := b.nodes[network]; n != nil {
		return source{network: network, node: n}, nil
	}
	if b.env != nil {
		n, key, err := b.env.EnvNode(ctx, envID, network)
		if err != nil {
			return source{}, fmt.Errorf("network %d: the environment's RPC: %w", network, err)
		}
		if n != nil {
			return source{network: network, node: n, key: key}, nil
		}
	}
	return source{}, fmt.Errorf("network %d: %w", network, ErrNoNode)
}

// cacheKey names one answer of the source.
func (s source) cacheKey(kind string, parts ...any) string {
	return fmt.Sprintf("%s|%d|%q|%v", kind, s.network, s.key, parts)
}

// read returns a cached answer or calls fetch, once for all the callers
// that want the answer at the same time. fetch runs under the reader's
// deadline but not under its caller's cancellation, which would fail the
// callers sharing it (a client hanging up must not fail other sign-ins);
// each caller still stops waiting when its own context ends.
func (b *Balances) read(ctx context.Context, key string, fetch func(context.Context) (*big.Int, error)) (*big.Int, error) {
	now := b.now()
	if v, ok := b.cached(key, now); ok {
		return v, nil
	}
	ch := b.flight.DoChan(key, func() (any, error) {
		// A read that ended between the check above and this flight
		// has cached its answer.
		if v, ok := b.cached(key, now); ok {
			return v, nil
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.timeout)
		defer cancel()
		var v *big.Int
		err := safe.Call(func() (err error) {
			v, err = fetch(fctx)
			return err
		})
		if err != nil {
			return nil, err
		}
		b.remember(key, v, now)
		return v, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*big.Int), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// cached is the answer cached for key, if still fresh at now.
func (b *Balances) cached(key string, now time.Time) (*big.Int, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.cache[key]
	if !ok || !now.Before(c.exp) {
		return nil, false
	}
	return c.v, true
}

// remember caches an answer for the TTL.
func (b *Balances) remember(key string, v *big.Int, now time.Time) {
	if b.ttl <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.cache) > 100_000 { // bounded: drop everything rather than grow without end
		b.cache = map[string]cached{}
	}
	b.cache[key] = cached{v: v, exp: now.Add(b.ttl)}
}

// reverted tells a contract that refused the call from a node that failed.
func reverted(err error) bool { return balances.Reverted(err) }

func (b *Balances) call(ctx context.Context, src source, contract string, data []byte) ([]byte, error) {
	network := src.network
	to := common.HexToAddress(contract)
	out, err := src.node.CallContract(ctx, ethereum.CallMsg{To: &to, Data: data}, nil)
	if err != nil && !reverted(err) {
		return nil, fmt.Errorf("network %d: call %s: %w", network, contract, err)
	}
	return out, err
}

// uintResult decodes a uint256 answer; a revert or a short answer is an
// error naming the contract (a rule on the wrong kind of contract).
func uintResult(out []byte, err error, what, contract string) (*big.Int, error) {
	if err != nil {
		return nil, fmt.Errorf("%s of %s: %w", what, contract, err)
	}
	if len(out) < 32 {
		return nil, fmt.Errorf("%s of %s: not a token contract (empty answer)", what, contract)
	}
	return new(big.Int).SetBytes(out[:32]), nil
}

func (b *Balances) native(ctx context.Context, src source, w common.Address) (*big.Int, error) {
	return b.read(ctx, src.cacheKey("n", w), func(ctx context.Context) (*big.Int, error) {
		v, err := src.node.BalanceAt(ctx, w, nil)
		if err != nil {
			return nil, fmt.Errorf("network %d: balance of %s: %w", src.network, w, err)
		}
		return v, nil
	})
}

func (b *Balances) balanceOf(ctx context.Context, src source, contract string, w common.Address) (*big.Int, error) {
	return b.read(ctx, src.cacheKey("b", contract, w), func(ctx context.Context) (*big.Int, error) {
		out, err := b.call(ctx, src, contract, balances.BalanceOfCall(w))
		return uintResult(out, err, "balanceOf", contract)
	})
}

func (b *Balances) balanceOf1155(ctx context.Context, src source, contract string, id *big.Int, w common.Address) (*big.Int, error) {
	return b.read(ctx, src.cacheKey("m", contract, id, w), func(ctx context.Context) (*big.Int, error) {
		data := append(append(append([]byte{}, selBalanceOf1155...), word(w.Bytes())...), word(id.Bytes())...)
		out, err := b.call(ctx, src, contract, data)
		return uintResult(out, err, "balanceOf", contract)
	})
}

// ownerOf is the owner of an ERC-721 token as a number (0: none).
func (b *Balances) ownerOf(ctx context.Context, src source, contract string, id *big.Int) (*big.Int, error) {
	return b.read(ctx, src.cacheKey("o", contract, id), func(ctx context.Context) (*big.Int, error) {
		out, err := b.call(ctx, src, contract, append(append([]byte{}, selOwnerOf...), word(id.Bytes())...))
		if reverted(err) {
			return new(big.Int), nil // not minted or burnt: nobody holds it
		}
		return uintResult(out, err, "ownerOf", contract)
	})
}

func (b *Balances) decimals(ctx context.Context, src source, contract string) (uint8, error) {
	v, err := b.read(ctx, src.cacheKey("d", contract), func(ctx context.Context) (*big.Int, error) {
		out, err := b.call(ctx, src, contract, balances.DecimalsCall())
		if reverted(err) || (err == nil && len(out) == 0) {
			return big.NewInt(0), nil // decimals() is optional in ERC-20
		}
		return uintResult(out, err, "decimals", contract)
	})
	if err != nil {
		return 0, err
	}
	if !v.IsUint64() || v.Uint64() > 77 {
		return 0, fmt.Errorf("decimals of %s: %s is out of range", contract, v)
	}
	return uint8(v.Uint64()), nil
}

// is1155 asks the contract, through ERC-165, whether it is an ERC-1155.
func (b *Balances) is1155(ctx context.Context, src source, contract string) (bool, error) {
	v, err := b.read(ctx, src.cacheKey("i", contract), func(ctx context.Context) (*big.Int, error) {
		out, err := b.call(ctx, src, contract, append(append([]byte{}, selSupports...), common.RightPadBytes(iface1155, 32)...))
		if reverted(err) || (err == nil && len(out) < 32) {
			return big.NewInt(0), nil // no ERC-165: not an ERC-1155
		}
		return uintResult(out, err, "supportsInterface", contract)
	})
	return err == nil && v.Sign() != 0, err
}
