package dynamicauth

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/rpc"

	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/internal/evmnode"
	"github.com/dynamicauth/dynamicauth/internal/netguard"
	"github.com/dynamicauth/dynamicauth/networks"
)

// settingsNodes are the EVM nodes environments name in their chain
// settings (chains[].networks[].rpcUrl), for token gates on networks the
// server has no node of its own for. An environment's admin chooses the
// URL, so the server must not be made to reach what it should not: the
// client is netguard's (public addresses only, checked on
// the address actually dialled; no redirects, no proxies) unless the
// operator allows private networks, and answers are cached per URL (one
// environment's node never answers another's gates).
type settingsNodes struct {
	settings     networks.Settings
	allowPrivate bool
	timeout      time.Duration

	mu      sync.Mutex
	clients map[string]*evmnode.Client
}

// maxSettingsNodes bounds the clients kept; past it they are all closed
// and dialled again as needed.
const maxSettingsNodes = 1000

func newSettingsNodes(settings networks.Settings, allowPrivate bool, timeout time.Duration) *settingsNodes {
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	return &settingsNodes{settings: settings, allowPrivate: allowPrivate, timeout: timeout, clients: map[string]*evmnode.Client{}}
}

// EnvNode implements access.EnvNodes.
func (s *settingsNodes) EnvNode(ctx context.Context, envID string, network int64) (access.Node, string, error) {
	doc, err := s.settings.PublicSettings(ctx, envID)
	if err != nil {
		return nil, "", err
	}
	url := networks.SettingsRPC(doc, network)
	if url == "" {
		return nil, "", nil
	}
	// The URL may carry an API key: errors name the network, not the URL.
	if err := netguard.CheckURL(url, s.allowPrivate); err != nil {
		return nil, "", fmt.Errorf("the settings' rpcUrl is refused: %w", err)
	}
	c, err := s.client(url)
	if err != nil {
		return nil, "", err
	}
	return c, url, nil
}

func (s *settingsNodes) client(url string) (*evmnode.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.clients[url]; c != nil {
		return c, nil
	}
	if len(s.clients) >= maxSettingsNodes {
		for _, c := range s.clients {
			c.Close()
		}
		clear(s.clients)
	}
	hc := netguard.NewClient(netguard.ClientOptions{Timeout: s.timeout, AllowPrivate: s.allowPrivate})
	// An HTTP client dials nothing here: each call connects (and is
	// checked) when it is made.
	// Its errors name the node by host: the URL's key stays out of them.
	c, err := evmnode.Dial(context.Background(), url, rpc.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("the settings' rpcUrl: %w", err)
	}
	s.clients[url] = c
	return c, nil
}
