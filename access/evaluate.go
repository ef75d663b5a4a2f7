package access

import (
	"context"
	"fmt"
	"math/big"
	"sync"

	"github.com/dynamicauth/dynamicauth/internal/safe"
	"github.com/ethereum/go-ethereum/common"
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

// atLeast sums the wallets' balances, read concurrently, against min.
func (b *Balances) atLeast(ctx context.Context, wallets []common.Address, min *big.Int, read func(common.Address) (*big.Int, error)) (bool, error) {
	vals := make([]*big.Int, len(wallets))
	errs := make([]error, len(wallets))
	var wg sync.WaitGroup
	for i, w := range wallets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = safe.Call(func() (err error) {
				vals[i], err = read(w)
				return err
			})
		}()
	}
	wg.Wait()
	sum := new(big.Int)
	for i := range wallets {
		if errs[i] != nil {
			return false, errs[i]
		}
		sum.Add(sum, vals[i])
	}
	return sum.Cmp(min) >= 0, nil
}

// matchGates returns the gates whose rules all hold for the wallets. Every
// rule of every gate is read at once, under the reader's deadline; any
// failure fails the whole evaluation.
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
	type result struct {
		ok  bool
		err error
	}
	res := make([][]result, len(gates))
	var wg sync.WaitGroup
	for gi, g := range gates {
		res[gi] = make([]result, len(g.Rules))
		for ri, r := range g.Rules {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var ok bool
				err := safe.Call(func() (err error) {
					ok, err = b.holds(ctx, sources[r.NetworkID], r, wallets)
					return err
				})
				res[gi][ri] = result{ok, err}
			}()
		}
	}
	wg.Wait()
	var out []Gate
	for gi, g := range gates {
		all := true
		for ri := range g.Rules {
			if err := res[gi][ri].err; err != nil {
				return nil, fmt.Errorf("gate %q: %w", g.Name, err)
			}
			all = all && res[gi][ri].ok
		}
		if all {
			out = append(out, g)
		}
	}
	return out, nil
}
