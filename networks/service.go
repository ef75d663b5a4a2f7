package networks

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/ethereum/go-ethereum/common"
	"github.com/mr-tron/base58"
)

// Settings reads an environment's public ProjectSettings
// (tenant.Service.PublicSettings); a missing environment is a not-found.
type Settings interface {
	PublicSettings(ctx context.Context, envID string) (json.RawMessage, error)
}

// Service answers the SDK's network questions for an environment.
type Service struct {
	cfg      Config
	settings Settings
}

// New builds the service.
func New(cfg Config, settings Settings) *Service { return &Service{cfg: cfg, settings: settings} }

// Config is the server-wide part of the networks' description.
func (s *Service) Config() Config { return s.cfg }

// List is an environment's networks by chain (GET /sdk/{env}/networks).
func (s *Service) List(ctx context.Context, envID string) ([]Chain, error) {
	settings, err := s.settings.PublicSettings(ctx, envID)
	if err != nil {
		return nil, err
	}
	return s.cfg.Resolve(settings), nil
}

// chains are the ChainEnum values (contract).
var chains = map[string]bool{"ETH": true, "EVM": true, "FLOW": true, "SOL": true, "ALGO": true, "STARK": true,
	"COSMOS": true, "BTC": true, "ECLIPSE": true, "SUI": true, "SPARK": true, "TRON": true, "APTOS": true, "TON": true}

// CheckAddress refuses a wallet address that cannot be one of chain's:
// EVM addresses are 0x and 40 hex digits, Solana's 32 bytes in base58;
// other chains' are checked for length and printable characters only.
func CheckAddress(chain, address string) error {
	if !chains[chain] {
		return errs.Invalid("chain: must be one of ETH, EVM, FLOW, SOL, ALGO, STARK, COSMOS, BTC, ECLIPSE, SUI, SPARK, TRON, APTOS, TON")
	}
	switch chain {
	case "EVM", "ETH":
		if !strings.HasPrefix(address, "0x") || !common.IsHexAddress(address) {
			return errs.Invalid("publicWalletAddress: not an EVM address (0x and 40 hex digits)")
		}
	case "SOL", "ECLIPSE":
		if b, err := base58.Decode(address); err != nil || len(b) != 32 {
			return errs.Invalid("publicWalletAddress: not a Solana address (32 bytes in base58)")
		}
	default:
		if address == "" || len(address) > 256 || strings.ContainsFunc(address, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return errs.Invalid("publicWalletAddress: must be 1 to 256 printable characters")
		}
	}
	return nil
}

// Prefetch is the SDK announcing a wallet it is about to sign in with
// (POST /sdk/{env}/prefetch). Nothing here is slow enough to warm ahead,
// so it only checks the environment and the address.
func (s *Service) Prefetch(ctx context.Context, envID, chain, address string) error {
	if err := CheckAddress(chain, address); err != nil {
		return err
	}
	_, err := s.settings.PublicSettings(ctx, envID)
	return err
}
