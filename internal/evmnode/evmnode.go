// Package evmnode is the client of the EVM nodes the server reads from
// (--evm-rpc, and the rpcUrl of environments' chain settings): go-ethereum's,
// with errors that name the node by scheme and host only. Node providers
// put their API key in the URL's path (Alchemy's /v2/KEY, Infura's
// /v3/KEY) or query, and net/http quotes the whole URL in its errors,
// which reach the log and, for some sign-ins, the client.
package evmnode

import (
	"context"
	"errors"
	"math/big"
	"net/url"
	"strings"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
)

// Client is a node's read-only calls: a wallets.ChainCaller, a
// balances.Node (access.Node) and a farcaster.Caller.
type Client struct {
	eth   *ethclient.Client
	raw   string // the URL as configured, key included
	shown string // what errors say instead
}

// Dial makes the client of the node at rawURL (an HTTP client connects
// at each call, a WebSocket one now).
func Dial(ctx context.Context, rawURL string, opts ...rpc.ClientOption) (*Client, error) {
	shown := Shown(rawURL)
	rc, err := rpc.DialOptions(ctx, rawURL, opts...)
	if err != nil {
		return nil, hide(err, rawURL, shown)
	}
	return &Client{eth: ethclient.NewClient(rc), raw: rawURL, shown: shown}, nil
}

// Shown is a node URL as errors name it: scheme and host.
func Shown(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return "the node"
	}
	return u.Scheme + "://" + u.Host
}

// CodeAt returns the code of account.
func (c *Client) CodeAt(ctx context.Context, account common.Address, block *big.Int) ([]byte, error) {
	b, err := c.eth.CodeAt(ctx, account, block)
	return b, c.hide(err)
}

// CallContract runs a read-only contract call.
func (c *Client) CallContract(ctx context.Context, call ethereum.CallMsg, block *big.Int) ([]byte, error) {
	b, err := c.eth.CallContract(ctx, call, block)
	return b, c.hide(err)
}

// BalanceAt returns the native balance of account.
func (c *Client) BalanceAt(ctx context.Context, account common.Address, block *big.Int) (*big.Int, error) {
	n, err := c.eth.BalanceAt(ctx, account, block)
	return n, c.hide(err)
}

// Close closes the connection, if any.
func (c *Client) Close() { c.eth.Close() }

func (c *Client) hide(err error) error { return hide(err, c.raw, c.shown) }

// hide is err with the node's URL, as configured or as net/http quotes
// it, replaced by shown in its message; it still wraps err, so that
// errors.Is and errors.As see what they saw (a deadline, an rpc.Error).
func hide(err error, raw, shown string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) && ue.URL != "" {
		msg = strings.ReplaceAll(msg, ue.URL, shown)
	}
	if raw != "" {
		msg = strings.ReplaceAll(msg, raw, shown)
	}
	if msg == err.Error() {
		return err
	}
	return &hidden{msg: msg, err: err}
}

type hidden struct {
	msg string
	err error
}

func (h *hidden) Error() string { return h.msg }
func (h *hidden) Unwrap() error { return h.err }
