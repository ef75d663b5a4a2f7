package networks

// known are the networks an environment can list by id alone: their
// names, native currency, a public RPC and block explorer. A network
// missing here is served from what the settings and --evm-rpc give.
var knownEVM = map[int64]Network{
	1:        evm(1, "Ethereum", "eth", false, eth, "https://cloudflare-eth.com", "https://etherscan.io"),
	10:       evm(10, "Optimism", "opt", false, eth, "https://mainnet.optimism.io", "https://optimistic.etherscan.io"),
	56:       evm(56, "BNB Smart Chain", "bnb", false, NativeCurrency{Decimals: 18, Name: "BNB", Symbol: "BNB"}, "https://bsc-dataseed.bnbchain.org", "https://bscscan.com"),
	137:      evm(137, "Polygon", "matic", false, NativeCurrency{Decimals: 18, Name: "POL", Symbol: "POL"}, "https://polygon-rpc.com", "https://polygonscan.com"),
	8453:     evm(8453, "Base", "base", false, eth, "https://mainnet.base.org", "https://basescan.org"),
	42161:    evm(42161, "Arbitrum One", "arb1", false, eth, "https://arb1.arbitrum.io/rpc", "https://arbiscan.io"),
	43114:    evm(43114, "Avalanche", "avax", false, NativeCurrency{Decimals: 18, Name: "Avalanche", Symbol: "AVAX"}, "https://api.avax.network/ext/bc/C/rpc", "https://snowtrace.io"),
	84532:    evm(84532, "Base Sepolia", "basesep", true, eth, "https://sepolia.base.org", "https://sepolia.basescan.org"),
	11155111: evm(11155111, "Sepolia", "sep", true, eth, "https://rpc.sepolia.org", "https://sepolia.etherscan.io"),
	1337:     evm(1337, "Local Devnet", "dev", true, eth, "", ""),
	31337:    evm(31337, "Hardhat", "hardhat", true, eth, "", ""),
}

var eth = NativeCurrency{Decimals: 18, Name: "Ether", Symbol: "ETH"}

func evm(id int64, name, short string, testnet bool, cur NativeCurrency, rpc, explorer string) Network {
	n := Network{Name: name, ShortName: short, IsTestnet: testnet, NativeCurrency: cur,
		RPCURLs: []string{}, BlockExplorerURLs: []string{}, IconURLs: []string{}}
	n.setID(id)
	n.Chain = "EVM"
	if rpc != "" {
		n.RPCURLs = []string{rpc}
	}
	if explorer != "" {
		n.BlockExplorerURLs = []string{explorer}
	}
	return n
}

var sol = NativeCurrency{Decimals: 9, Name: "Solana", Symbol: "SOL"}

// knownSolana are Solana's clusters under the network ids Dynamic gives
// them (101 mainnet, 102 testnet, 103 devnet).
var knownSolana = map[int64]Network{
	101: solana(101, "Solana", "mainnet", false, "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d", "https://api.mainnet-beta.solana.com"),
	102: solana(102, "Solana Testnet", "testnet", true, "4uhcVJyU9pJkvQyS88uRDiswHXSCkY3zQawwpjk2NsNY", "https://api.testnet.solana.com"),
	103: solana(103, "Solana Devnet", "devnet", true, "EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG", "https://api.devnet.solana.com"),
}

func solana(id int64, name, cluster string, testnet bool, genesis, rpc string) Network {
	n := Network{Name: name, ShortName: "sol", IsTestnet: testnet, NativeCurrency: sol, Cluster: cluster, GenesisHash: genesis,
		RPCURLs: []string{rpc}, BlockExplorerURLs: []string{"https://explorer.solana.com"}, IconURLs: []string{}}
	n.setID(id)
	n.Chain = "SOL"
	return n
}
