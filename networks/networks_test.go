package networks

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/dynamicauth/dynamicauth/tenant"
)

func resolve(t *testing.T, c Config, settings string) map[string][]map[string]any {
	t.Helper()
	b, err := json.Marshal(c.Resolve(json.RawMessage(settings)))
	if err != nil {
		t.Fatal(err)
	}
	var chains []struct {
		ChainName string           `json:"chainName"`
		Networks  []map[string]any `json:"networks"`
	}
	if err := json.Unmarshal(b, &chains); err != nil {
		t.Fatal(err)
	}
	out := map[string][]map[string]any{}
	for _, ch := range chains {
		if _, dup := out[ch.ChainName]; dup {
			t.Fatalf("chain %s listed twice", ch.ChainName)
		}
		out[ch.ChainName] = ch.Networks
	}
	return out
}

func ids(ns []map[string]any) []string {
	out := []string{}
	for _, n := range ns {
		out = append(out, n["chainId"].(string))
	}
	return out
}

func TestDefaultsOfANewEnvironment(t *testing.T) {
	got := resolve(t, Config{}, string(tenant.DefaultSettings("sandbox", "Demo")))
	if !reflect.DeepEqual(ids(got[EVM]), []string{"1"}) || !reflect.DeepEqual(ids(got[Solana]), []string{"101"}) {
		t.Fatalf("networks = %v", got)
	}
	mainnet := got[EVM][0]
	if mainnet["name"] != "Ethereum" || mainnet["networkId"] != "1" || mainnet["isTestnet"] != false {
		t.Fatalf("mainnet = %v", mainnet)
	}
	cur := mainnet["nativeCurrency"].(map[string]any)
	if cur["symbol"] != "ETH" || cur["decimals"] != float64(18) {
		t.Fatalf("currency = %v", cur)
	}
	for _, k := range []string{"rpcUrls", "blockExplorerUrls"} {
		if l := mainnet[k].([]any); len(l) != 1 {
			t.Fatalf("%s = %v", k, l)
		}
	}
	if sol := got[Solana][0]; sol["cluster"] != "mainnet" || sol["nativeCurrency"].(map[string]any)["decimals"] != float64(9) {
		t.Fatalf("solana = %v", sol)
	}
}

func TestServerNodesAreOfferedAndOnlyLocalOnesPublished(t *testing.T) {
	c := Config{RPCURLs: map[int64]string{
		31337: "http://127.0.0.1:8545",
		777:   "https://node.example.com/v3/SECRETKEY", // a paid node: never shown
		1:     "https://mainnet.example.com/KEY",       // mainnet keeps its public RPC
		5000:  "http://user:pw@127.0.0.1:9000",         // credentials: never shown
	}}
	got := resolve(t, c, `{"chains":[{"name":"EVM","enabled":true}]}`)
	if !reflect.DeepEqual(ids(got[EVM]), []string{"1", "777", "5000", "31337"}) {
		t.Fatalf("ids = %v", ids(got[EVM]))
	}
	rpc := map[string][]any{}
	for _, n := range got[EVM] {
		rpc[n["chainId"].(string)] = n["rpcUrls"].([]any)
	}
	if !reflect.DeepEqual(rpc["31337"], []any{"http://127.0.0.1:8545"}) {
		t.Fatalf("local node not published: %v", rpc["31337"])
	}
	if len(rpc["777"]) != 0 || len(rpc["5000"]) != 0 || reflect.DeepEqual(rpc["1"], []any{"https://mainnet.example.com/KEY"}) {
		t.Fatalf("a node URL leaked: %v", rpc)
	}
	if _, ok := got[Solana]; ok {
		t.Fatal("Solana listed without its chain in the settings")
	}
}

func TestSettingsChooseNetworksRPCsAndOverrides(t *testing.T) {
	settings := `{
	  "chains":[
	    {"name":"EVM","enabled":true,"networks":[
	      {"networkId":8453,"chainName":"Base","enabled":true},
	      {"networkId":1,"chainName":"Ethereum","enabled":false},
	      {"networkId":4242,"chainName":"Acme Chain","enabled":true,"rpcUrl":"https://rpc.acme.example","iconUrl":"https://acme.example/i.png"},
	      {"networkId":4242,"chainName":"dup","enabled":true}
	    ]},
	    {"name":"SOL","enabled":false}
	  ],
	  "networks":[{"chainName":"evm","networks":[
	    {"chainId":"4242","nativeCurrency":{"decimals":6,"name":"Acme","symbol":"ACM"},"blockExplorerUrls":["https://scan.acme.example"],"networkId":"999"}
	  ]}]
	}`
	got := resolve(t, Config{}, settings)
	if !reflect.DeepEqual(ids(got[EVM]), []string{"8453", "4242"}) {
		t.Fatalf("ids = %v", ids(got[EVM]))
	}
	if _, ok := got[Solana]; ok {
		t.Fatal("a disabled chain is listed")
	}
	acme := got[EVM][1]
	want := map[string]any{
		"name": "Acme Chain", "vanityName": "Acme Chain", "networkId": "4242",
		"rpcUrls":           []any{"https://rpc.acme.example"},
		"iconUrls":          []any{"https://acme.example/i.png"},
		"blockExplorerUrls": []any{"https://scan.acme.example"},
		"nativeCurrency":    map[string]any{"decimals": float64(6), "name": "Acme", "symbol": "ACM"},
	}
	for k, v := range want {
		if !reflect.DeepEqual(acme[k], v) {
			t.Errorf("%s = %v, want %v", k, acme[k], v)
		}
	}
	if base := got[EVM][0]; base["name"] != "Base" || base["vanityName"] != "Base" {
		t.Errorf("base = %v", base)
	}
}

func TestMalformedSettingsGiveNoNetworks(t *testing.T) {
	for _, s := range []string{``, `null`, `[]`, `{"chains":"x"}`, `{"chains":[{"name":"EVM","enabled":true,"networks":[{"networkId":"x","enabled":true}]}]}`} {
		got := Config{}.Resolve(json.RawMessage(s))
		for _, ch := range got {
			if len(ch.Networks) != 0 {
				t.Errorf("%q: %v", s, got)
			}
		}
	}
}

func TestCheckAddress(t *testing.T) {
	for _, c := range []struct {
		chain, addr string
		ok          bool
	}{
		{"EVM", "0x52908400098527886E0F7030069857D2E4169EE7", true},
		{"ETH", "0x52908400098527886e0f7030069857d2e4169ee7", true},
		{"EVM", "52908400098527886E0F7030069857D2E4169EE7", false},
		{"EVM", "0x5290840009852788", false},
		{"SOL", "11111111111111111111111111111111", true},
		{"SOL", "0x52908400098527886E0F7030069857D2E4169EE7", false},
		{"BTC", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", true},
		{"BTC", "with space", false},
		{"DOGE", "D5x", false},
	} {
		if err := CheckAddress(c.chain, c.addr); (err == nil) != c.ok {
			t.Errorf("%s %s: %v", c.chain, c.addr, err)
		}
	}
}

func TestSettingsRPC(t *testing.T) {
	cases := []struct {
		name, settings string
		id             int64
		want           string
	}{
		{"the chain's network rpcUrl", `{"chains":[{"name":"EVM","enabled":true,"networks":[{"networkId":1337,"enabled":true,"rpcUrl":"https://node.example/a"}]}]}`, 1337, "https://node.example/a"},
		{"a disabled network", `{"chains":[{"name":"EVM","enabled":true,"networks":[{"networkId":1337,"enabled":false,"rpcUrl":"https://node.example/a"}]}]}`, 1337, ""},
		{"a disabled chain", `{"chains":[{"name":"EVM","enabled":false,"networks":[{"networkId":1337,"enabled":true,"rpcUrl":"https://node.example/a"}]}]}`, 1337, ""},
		{"another network", `{"chains":[{"name":"EVM","enabled":true,"networks":[{"networkId":1337,"enabled":true,"rpcUrl":"https://node.example/a"}]}]}`, 1, ""},
		{"the catalog's public RPC is not the settings'", `{"chains":[{"name":"EVM","enabled":true}]}`, 1, ""},
		{"an override's rpcUrls", `{"chains":[{"name":"EVM","enabled":true}],"networks":[{"chainName":"evm","networks":[{"chainId":"1","rpcUrls":["https://node.example/b"]}]}]}`, 1, "https://node.example/b"},
		{"an override of a network not offered", `{"chains":[{"name":"EVM","enabled":true}],"networks":[{"chainName":"evm","networks":[{"chainId":"5","rpcUrls":["https://node.example/b"]}]}]}`, 5, ""},
		{"malformed", `{"chains":"x"}`, 1, ""},
	}
	for _, tc := range cases {
		if got := SettingsRPC(json.RawMessage(tc.settings), tc.id); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
