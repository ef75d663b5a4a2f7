package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/dynamicauth/dynamicauth/internal/evmnode"
	"github.com/dynamicauth/dynamicauth/wallets"
)

// keysCmd manages JWT signing keys: `dynamicauth keys rotate --env ID`.
func keysCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		args = []string{"rotate", "-h"} // its one subcommand's flags
	}
	if len(args) == 0 || args[0] != "rotate" {
		return fmt.Errorf("usage: dynamicauth keys rotate --env ENVIRONMENT_ID [flags]")
	}
	var env string
	o, log, err := command("keys rotate", args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&env, "env", "", "environment whose signing key to rotate")
	})
	if err != nil {
		return err
	}
	auth, st, err := o.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	k, err := auth.RotateSigningKey(ctx, env)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "environment %s now signs with key %s (%s); the previous key stays published for its tokens\n",
		env, k.ID, k.Algorithm)
	return nil
}

// evmRPCURLs parses --evm-rpc into URLs by chain id (the networks the
// SDK is offered by default; a loopback node's URL is published).
func evmRPCURLs(spec string) (map[int64]string, error) {
	out := map[int64]string{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		chainID, url, _ := strings.Cut(part, "=")
		id, err := strconv.ParseInt(chainID, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("--evm-rpc: chain id %q is not a positive number", chainID)
		}
		out[id] = url
	}
	return out, nil
}

// dialEVM parses --evm-rpc "CHAIN_ID=URL,CHAIN_ID=URL" and connects to each
// node; smart-contract wallet signatures on those chains are then verified.
func dialEVM(ctx context.Context, spec string) (map[string]wallets.ChainCaller, error) {
	out := map[string]wallets.ChainCaller{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		chainID, url, ok := strings.Cut(part, "=")
		if !ok || chainID == "" || url == "" {
			return nil, fmt.Errorf("--evm-rpc: want CHAIN_ID=URL, got %q", part)
		}
		c, err := evmnode.Dial(ctx, url) // its errors leave out the URL's API key
		if err != nil {
			return nil, fmt.Errorf("--evm-rpc: chain %s: %w", chainID, err)
		}
		out[chainID] = c
	}
	return out, nil
}
