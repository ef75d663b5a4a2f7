package balances

import (
	"context"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/internal/safe"
	"github.com/ethereum/go-ethereum/common"
	"golang.org/x/sync/errgroup"
)

// MaxReads caps the (account, network) reads of one ReadMany: each may
// cost a node several calls.
const MaxReads = 25

// MaxTokens caps the balances one ReadMany looks up (each listed
// contract costs its node four calls), so one request cannot spend
// thousands of an operator's node calls.
const MaxTokens = 250

// parallelReads is how many of one ReadMany's reads wait on nodes at once.
const parallelReads = 4

// ReadMany reads several accounts or networks in one call (POST
// /sdk/{env}/balances, and GET's networkIds): each request is one
// account on one network, answered in the order asked. Every request is
// checked before any node is asked; one failing read fails the call, as
// a partial portfolio would read as a zero balance.
func (s *Service) ReadMany(ctx context.Context, envID string, reqs []Request) ([][]Token, error) {
	if len(reqs) == 0 {
		return nil, errs.Invalid("no balances asked for")
	}
	if len(reqs) > MaxReads {
		return nil, errs.Invalid("at most %d account and network pairs per call, %d asked", MaxReads, len(reqs))
	}
	contracts := make([][]common.Address, len(reqs))
	tokens := 0
	for i, req := range reqs {
		var err error
		if contracts[i], err = check(req); err != nil {
			return nil, err
		}
		tokens += len(contracts[i])
		if req.Native {
			tokens++
		}
	}
	if tokens > MaxTokens {
		return nil, errs.Invalid("at most %d balances per call (each network's native coin and listed contracts), %d asked", MaxTokens, tokens)
	}
	chains, err := s.networks.List(ctx, envID)
	if err != nil {
		return nil, err
	}
	out := make([][]Token, len(reqs))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(parallelReads)
	for i, req := range reqs {
		g.Go(func() error {
			return safe.Call(func() (err error) {
				out[i], err = s.read(ctx, envID, chains, req, contracts[i])
				return err
			})
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}
