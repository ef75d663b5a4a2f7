package main

import (
	"flag"
	"fmt"
	"log/slog"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/farcaster"
	"github.com/dynamicauth/dynamicauth/wallets"
	"github.com/ethereum/go-ethereum/common"
)

// farcasterFlags configure Sign In With Farcaster.
type farcasterFlags struct {
	registry string
	names    string
}

func (f *farcasterFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.registry, "farcaster-registry", farcaster.IDRegistryAddress.Hex(),
		"address of Farcaster's ID registry on the --evm-rpc 10= node (Sign In With Farcaster checks custody addresses there)")
	fs.StringVar(&f.names, "farcaster-names", farcaster.DefaultNameServer,
		"Farcaster name server giving Farcaster credentials their username; off for none")
}

func (f *farcasterFlags) config(rpc map[string]wallets.ChainCaller, log *slog.Logger) (dynamicauth.FarcasterConfig, error) {
	var c dynamicauth.FarcasterConfig
	if !common.IsHexAddress(f.registry) {
		return c, fmt.Errorf("--farcaster-registry: %q is not an address (0x and 40 hex digits)", f.registry)
	}
	c.Registry = common.HexToAddress(f.registry)
	if f.names != "off" {
		ns, err := farcaster.NewNameServer(f.names, nil)
		if err != nil {
			return c, fmt.Errorf("--farcaster-names: %w", err)
		}
		c.Names = ns
	}
	if rpc[farcaster.ChainID] == nil {
		log.Debug("Sign In With Farcaster is off: no Optimism node (--evm-rpc 10=URL)")
	}
	return c, nil
}
