package balances

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/networks"
	"github.com/ethereum/go-ethereum/common"
)

// Service answers an environment's balance questions: it reads only
// networks the environment offers, with the currency they describe.
type Service struct {
	reader   *Reader
	networks *networks.Service
	prices   Prices
	log      *slog.Logger
}

// ServiceDeps build a Service.
type ServiceDeps struct {
	Reader   *Reader
	Networks *networks.Service
	// Prices, when set, prices tokens for requests with includePrices.
	Prices Prices
	// Log nil discards.
	Log *slog.Logger
}

// NewService builds the service.
func NewService(d ServiceDeps) *Service {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{reader: d.Reader, networks: d.Networks, prices: d.Prices, log: d.Log}
}

// Request is GET /sdk/{env}/chains/{chain}/balances.
type Request struct {
	Chain     string
	Account   string
	Network   int64 // 0: the environment's first EVM network
	Native    bool
	Contracts []string
	Fresh     bool
	Prices    bool // includePrices: USD price and market value where known
}

// Errors the SDK sees (422, with a code to tell them apart).
var (
	ErrChainNotSupported = errs.Unprocessable("chain_not_supported", "balances are read for EVM chains only", nil)
	ErrNoNetworks        = errs.Unprocessable("network_not_enabled", "this environment offers no EVM network", nil)
)

// Read reads the balances of req.Account on one of the environment's EVM
// networks.
func (s *Service) Read(ctx context.Context, envID string, req Request) ([]Token, error) {
	out, err := s.ReadMany(ctx, envID, []Request{req})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// check refuses a request no node should be asked about and returns its
// contracts' addresses.
func check(req Request) ([]common.Address, error) {
	if req.Chain != "EVM" && req.Chain != "ETH" {
		return nil, ErrChainNotSupported
	}
	if err := networks.CheckAddress("EVM", req.Account); err != nil {
		return nil, errs.Invalid("account %q is not an EVM address (0x and 40 hex digits)", short(req.Account))
	}
	if len(req.Contracts) > MaxContracts {
		return nil, errs.Invalid("whitelistedContracts: at most %d", MaxContracts)
	}
	contracts := make([]common.Address, 0, len(req.Contracts))
	for _, c := range req.Contracts {
		if err := networks.CheckAddress("EVM", c); err != nil {
			return nil, errs.Invalid("whitelistedContracts: %q is not an EVM address", short(c))
		}
		contracts = append(contracts, common.HexToAddress(c))
	}
	return contracts, nil
}

// short cuts what a caller sent to a length an error message can repeat.
func short(s string) string {
	if len(s) > 50 {
		return s[:50] + "…"
	}
	return s
}

// read reads a checked request on the environment's networks (chains).
func (s *Service) read(ctx context.Context, envID string, chains []networks.Chain, req Request, contracts []common.Address) ([]Token, error) {
	network, ok := s.network(chains, req.Network)
	if !ok {
		if req.Network == 0 {
			return nil, ErrNoNetworks
		}
		return nil, errs.Unprocessable("network_not_enabled", fmt.Sprintf("network %d is not one of this environment's EVM networks", req.Network), nil)
	}
	q := Query{EnvironmentID: envID, Network: network.id, Account: common.HexToAddress(req.Account), Contracts: contracts, Fresh: req.Fresh}
	if req.Native {
		q.Native = &Currency{Name: network.NativeCurrency.Name, Symbol: network.NativeCurrency.Symbol, Decimals: network.NativeCurrency.Decimals}
	}
	out, err := s.reader.Read(ctx, q)
	switch {
	case errors.Is(err, ErrNoNode):
		return nil, errs.Unprocessable("network_rpc_not_configured",
			fmt.Sprintf("no RPC node is configured for network %d (start the server with --evm-rpc %d=URL, or name an rpcUrl for it in the environment's chain settings)", network.id, network.id), nil)
	case err != nil:
		// The node's error may name its URL (and an API key in it): the
		// log has it, the caller a plain message.
		s.log.Warn("balance read failed", "environment", envID, "network", network.id, "err", err)
		return nil, errs.Unprocessable("balance_unavailable",
			fmt.Sprintf("the balances could not be read from network %d's node; try again", network.id), nil)
	}
	if req.Prices {
		s.withPrices(ctx, envID, network.id, out)
	}
	return out, nil
}

type evmNetwork struct {
	networks.Network
	id int64
}

// network picks the environment's EVM network with the id, or its first.
func (s *Service) network(chains []networks.Chain, id int64) (evmNetwork, bool) {
	for _, want := range networks.EVMIDs(chains) {
		if id == 0 || id == want {
			n, ok := networks.Find(chains, networks.EVM, want)
			return evmNetwork{Network: n, id: want}, ok
		}
	}
	return evmNetwork{}, false
}
