// Package networks says which blockchain networks an environment offers
// Dynamic's SDKs: the EVM and Solana networks of its settings' chains, each
// described the way the SDK needs it (chain id, name, native currency, RPC
// and block explorer URLs) from a catalog of well-known networks, the
// server's own nodes (--evm-rpc) and what the operator wrote into the
// settings. The widget compares a connected wallet's chain against this
// list: a network missing here shows the user a "Switch Network" warning.
package networks

import (
	"encoding/json"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// NativeCurrency is a network's coin (contract NativeCurrency).
type NativeCurrency struct {
	Decimals int    `json:"decimals"`
	Name     string `json:"name"`
	Symbol   string `json:"symbol"`
	IconURL  string `json:"iconUrl,omitempty"`
}

// Network is one network as the SDK reads it (contract NetworkConfiguration).
type Network struct {
	Key               string         `json:"key,omitempty"`
	ChainName         string         `json:"chainName,omitempty"`
	Name              string         `json:"name"`
	ShortName         string         `json:"shortName"`
	VanityName        string         `json:"vanityName,omitempty"`
	IsTestnet         bool           `json:"isTestnet"`
	Chain             string         `json:"chain"`
	ChainID           string         `json:"chainId"`
	NetworkID         string         `json:"networkId"`
	IconURLs          []string       `json:"iconUrls"`
	NativeCurrency    NativeCurrency `json:"nativeCurrency"`
	RPCURLs           []string       `json:"rpcUrls"`
	BlockExplorerURLs []string       `json:"blockExplorerUrls"`
	Cluster           string         `json:"cluster,omitempty"`
	GenesisHash       string         `json:"genesisHash,omitempty"`
}

func (n *Network) setID(id int64) {
	n.ChainID = strconv.FormatInt(id, 10)
	n.NetworkID = n.ChainID
}

// Chain is one chain's networks (contract NetworkConfigurationResponse).
type Chain struct {
	ChainName string            `json:"chainName"`
	Networks  []json.RawMessage `json:"networks"`
}

// Config is what the server knows beyond an environment's settings.
type Config struct {
	// RPCURLs are the server's own EVM nodes by chain id (--evm-rpc). Their
	// chains are offered by default, and a node on a loopback address is
	// published as the network's RPC where nothing else is known (a
	// remote node's URL may carry an API key, so it is never published).
	RPCURLs map[int64]string
}

// settingsDoc is the part of ProjectSettings this package reads.
type settingsDoc struct {
	Chains []struct {
		Name     string `json:"name"`
		Enabled  bool   `json:"enabled"`
		Networks []struct {
			NetworkID json.Number `json:"networkId"`
			ChainName string      `json:"chainName"`
			Enabled   bool        `json:"enabled"`
			RPCURL    string      `json:"rpcUrl"`
			IconURL   string      `json:"iconUrl"`
		} `json:"networks"`
	} `json:"chains"`
	Networks []struct {
		ChainName string                       `json:"chainName"`
		Networks  []map[string]json.RawMessage `json:"networks"`
	} `json:"networks"`
}

// The networks' chainName values (the SDKs' apiChainName).
const (
	EVM    = "evm"
	Solana = "solana"
)

// chainFamily maps the settings' chain names (ChainEnum) and the
// networks' own chainName to EVM or Solana.
func chainFamily(name string) string {
	switch strings.ToUpper(name) {
	case "EVM", "ETH":
		return EVM
	case "SOL", "SOLANA":
		return Solana
	}
	return ""
}

// Resolve lists an environment's networks from its ProjectSettings: for
// each enabled EVM or Solana chain, the enabled networks its settings
// list, or by default Ethereum mainnet plus the chains of the server's
// nodes (EVM) and Solana mainnet. An entry of the settings' own networks
// member with the same chain id overrides the fields it sets, so an
// operator can describe a custom network completely. Malformed settings
// give what can be read of them; the settings are validated when written.
func (c Config) Resolve(settings json.RawMessage) []Chain {
	var doc settingsDoc
	_ = json.Unmarshal(settings, &doc)
	out := []Chain{}
	done := map[string]bool{}
	for _, ch := range doc.Chains {
		fam := chainFamily(ch.Name)
		if fam == "" || !ch.Enabled || done[fam] {
			continue
		}
		done[fam] = true
		var list []Network
		if len(ch.Networks) == 0 {
			for _, id := range c.defaultIDs(fam) {
				list = append(list, c.describe(fam, id, "", "", ""))
			}
		}
		seen := map[int64]bool{}
		for _, n := range ch.Networks {
			id, err := n.NetworkID.Int64()
			if err != nil || id <= 0 || !n.Enabled || seen[id] {
				continue
			}
			seen[id] = true
			list = append(list, c.describe(fam, id, n.ChainName, n.RPCURL, n.IconURL))
		}
		out = append(out, Chain{ChainName: fam, Networks: overlay(list, overridesFor(doc, fam))})
	}
	return out
}

func (c Config) defaultIDs(fam string) []int64 {
	if fam == Solana {
		return []int64{101}
	}
	ids := []int64{1}
	for id := range c.RPCURLs {
		if id != 1 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids[1:])
	return ids
}

// describe builds one network: the catalog's description, or a plain one
// named after the settings, with the settings' RPC first.
func (c Config) describe(fam string, id int64, name, rpc, icon string) Network {
	catalog := knownEVM
	if fam == Solana {
		catalog = knownSolana
	}
	n, ok := catalog[id]
	if !ok {
		n = evm(id, "Chain "+strconv.FormatInt(id, 10), "chain"+strconv.FormatInt(id, 10), false, eth, "", "")
		if fam == Solana {
			n.Chain, n.NativeCurrency = "SOL", sol
		}
	}
	n.RPCURLs = slices.Clone(n.RPCURLs)
	n.IconURLs = slices.Clone(n.IconURLs)
	n.BlockExplorerURLs = slices.Clone(n.BlockExplorerURLs)
	if name != "" {
		n.VanityName = name
		if !ok {
			n.Name = name
		}
	}
	if icon != "" {
		n.IconURLs = append([]string{icon}, n.IconURLs...)
	}
	switch {
	case rpc != "":
		n.RPCURLs = []string{rpc}
	case len(n.RPCURLs) == 0 && fam == EVM && publishable(c.RPCURLs[id]):
		n.RPCURLs = []string{c.RPCURLs[id]}
	}
	return n
}

// publishable tells whether a node URL of the server's may be shown to
// browsers: only a node on this machine (a developer's local chain).
func publishable(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || raw == "" || u.User != nil || u.RawQuery != "" {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func overridesFor(doc settingsDoc, fam string) []map[string]json.RawMessage {
	var out []map[string]json.RawMessage
	for _, e := range doc.Networks {
		if chainFamily(e.ChainName) == fam {
			out = append(out, e.Networks...)
		}
	}
	return out
}

// overlay marshals the networks, laying over each the fields the override
// whose chainId (or networkId) names the same network sets (an empty
// value sets nothing).
func overlay(list []Network, overrides []map[string]json.RawMessage) []json.RawMessage {
	byID := map[string]map[string]json.RawMessage{}
	for _, o := range overrides {
		if id := idOf(o); id != "" {
			byID[id] = o
		}
	}
	out := make([]json.RawMessage, 0, len(list))
	for _, n := range list {
		b, _ := json.Marshal(n) // plain struct: cannot fail
		if o := byID[n.ChainID]; o != nil {
			var m map[string]json.RawMessage
			_ = json.Unmarshal(b, &m)
			for k, v := range o {
				if !blank(v) {
					m[k] = v
				}
			}
			m["chainId"], _ = json.Marshal(n.ChainID)
			m["networkId"], _ = json.Marshal(n.NetworkID)
			b, _ = json.Marshal(m)
		}
		out = append(out, b)
	}
	return out
}

// blank is an override's value that sets nothing: null, "" or [].
func blank(v json.RawMessage) bool {
	switch strings.Join(strings.Fields(string(v)), "") {
	case "null", `""`, "[]":
		return true
	}
	return false
}

// idOf reads an override's chainId or networkId, a string or a number.
func idOf(o map[string]json.RawMessage) string {
	for _, k := range []string{"chainId", "networkId"} {
		raw := o[k]
		var s string
		if json.Unmarshal(raw, &s) == nil && s != "" {
			return s
		}
		var n json.Number
		if json.Unmarshal(raw, &n) == nil && n != "" {
			return n.String()
		}
	}
	return ""
}

// Find returns a network of the resolved list by family and id.
func Find(chains []Chain, fam string, id int64) (Network, bool) {
	want := strconv.FormatInt(id, 10)
	for _, ch := range chains {
		if ch.ChainName != fam {
			continue
		}
		for _, raw := range ch.Networks {
			var n Network
			if json.Unmarshal(raw, &n) == nil && n.ChainID == want {
				return n, true
			}
		}
	}
	return Network{}, false
}

// EVMIDs are the chain ids of the resolved EVM networks, in order.
func EVMIDs(chains []Chain) []int64 {
	var out []int64
	for _, ch := range chains {
		if ch.ChainName != EVM {
			continue
		}
		for _, raw := range ch.Networks {
			var n struct {
				ChainID string `json:"chainId"`
			}
			if json.Unmarshal(raw, &n) != nil {
				continue
			}
			if id, err := strconv.ParseInt(n.ChainID, 10, 64); err == nil {
				out = append(out, id)
			}
		}
	}
	return out
}

// SettingsRPC is the RPC URL an environment's own settings name for one
// of its EVM networks: the rpcUrl of the network in its chains, else the
// first rpcUrls of its networks member's entry for that chain id; "" when
// the settings name none (the catalog's public RPC and the server's own
// nodes are not the settings'), or the network is not one it offers.
func SettingsRPC(settings json.RawMessage, id int64) string {
	var doc settingsDoc
	if json.Unmarshal(settings, &doc) != nil {
		return ""
	}
	if _, ok := Find(Config{}.Resolve(settings), EVM, id); !ok {
		return ""
	}
	for _, ch := range doc.Chains {
		if chainFamily(ch.Name) != EVM || !ch.Enabled {
			continue
		}
		for _, n := range ch.Networks {
			if got, err := n.NetworkID.Int64(); err == nil && got == id && n.Enabled && n.RPCURL != "" {
				return n.RPCURL
			}
		}
	}
	want := strconv.FormatInt(id, 10)
	for _, o := range overridesFor(doc, EVM) {
		if idOf(o) != want {
			continue
		}
		var urls []string
		if json.Unmarshal(o["rpcUrls"], &urls) == nil && len(urls) > 0 {
			return urls[0]
		}
	}
	return ""
}
