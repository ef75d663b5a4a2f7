package access

import (
	"context"
	"fmt"
	"math/big"

	"github.com/dynamicauth/dynamicauth/internal/safe"
	"github.com/ethereum/go-ethereum/common"
	"golang.org/x/sync/errgroup"
)

// holds reports whether the wallets together meet the rule: balances are
// summed over the wallets; a tokenId of an ERC-721 must be owned by one.
func (b *Balances) holds(ctx context.Context, src source, r Rule, wallets []common.Address) (bool, error) {
	if len(wallets) == 0 {
		return false, nil
	}
	if r.Type == RuleNFT && r.TokenID != "" {
		id, _ := new(big.Int).SetString(r.TokenID, 10)
		is1155, err := b.is1155(ctx, src, r.ContractAddress)
		if err != nil {
			return false, err
		}
		if !is1155 {
			owner, err := b.ownerOf(ctx, src, r.ContractAddress, id)
			if err != nil {
				return false, err
			}
			for _, w := range wallets {
				if owner.Cmp(new(big.Int).SetBytes(w.Bytes())) == 0 {
					return true, nil
				}
			}
			return false, nil
		}
		return b.atLeast(ctx, wallets, r.minimum(0), func(w common.Address) (*big.Int, error) {
			return b.balanceOf1155(ctx, src, r.ContractAddress, id, w)
		})
	}
	var decimals uint8
	switch {
	case r.Type == RuleToken && r.ContractAddress == Native:
		return b.atLeast(ctx, wallets, r.minimum(18), func(w common.Address) (*big.Int, error) {
			return b.native(ctx, src, w)
		})
	case r.Type == RuleToken:
		d, err := b.decimals(ctx, src, r.ContractAddress)
		if err != nil {
			return false, err
		}
		decimals = d
	}
	return b.atLeast(ctx, wallets, r.minimum(decimals), func(w common.Address) (*big.Int, error) {
		return b.balanceOf(ctx, src, r.ContractAddress, w)
	})
}

// atLeast sums the wallets' balances, read concurrently (at most
// maxWalletReads at once), against min.
func (b *Balances) atLeast(ctx context.Context, wallets []common.Address, min *big.Int, read func(common.Address) (*big.Int, error)) (bool, error) {
	vals := make([]*big.Int, len(wallets))
	var g errgroup.Group
	g.SetLimit(maxWalletReads)
	for i, w := range wallets {
		g.Go(func() error {
			return safe.Call(func() (err error) {
				vals[i], err = read(w)
				return err
			})
		})
	}
	if err := g.Wait(); err != nil {
		return false, err
	}
	sum := new(big.Int)
	for _, v := range vals {
		sum.Add(sum, v)
	}
	return sum.Cmp(min) >= 0, nil
}

// matchGates returns the gates whose rules all hold for the wallets. The
// rules are read concurrently, at most maxRuleReads at once, under the
// reader's deadline; any failure fails the whole evaluation.
func (b *Balances) matchGates(ctx context.Context, envID string, gates []Gate, wallets []common.Address) ([]Gate, error) {
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	sources := map[int64]source{}
	for _, g := range gates {
		for _, r := range g.Rules {
			if _, ok := sources[r.NetworkID]; ok {
				continue
			}
			src, err := b.source(ctx, envID, r.NetworkID)
			if err != nil {
				return nil, fmt.Errorf("gate %q: %w", g.Name, err)
			}
			sources[r.NetworkID] = src
		}
	}
	held := make([][]bool, len(gates))
	g, gctx := errgroup.WithContext(ctx) // any failure fails the whole evaluation
	g.SetLimit(maxRuleReads)
	for gi, gate := range gates {
		held[gi] = make([]bool, len(gate.Rules))
		for ri, r := range gate.Rules {
			g.Go(func() error {
				err := safe.Call(func() (err error) {
					held[gi][ri], err = b.holds(gctx, sources[r.NetworkID], r, wallets)
					return err
				})
				if err != nil {
					return fmt.Errorf("gate %q: %w", gate.Name, err)
				}
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []Gate
	for gi, gate := range gates {
		all := true
		for _, ok := range held[gi] {
			all = all && ok
		}
		if all {
			out = append(out, gate)
		}
	}
	return out, nil
}

// A decision reads at most maxRuleReads rules at once, and each rule at
// most maxWalletReads wallets at once.
const (
	maxRuleReads   = 8
	maxWalletReads = 4
)
