package chains

// EVM network ids of the bundled addresses.
const (
	ethereum = 1
	optimism = 10
	polygon  = 137
	base     = 8453
	arbitrum = 42161
	// solanaMainnet is Dynamic's network id for Solana's mainnet-beta.
	solanaMainnet = 101
)

func on(pairs ...any) []Address {
	out := make([]Address, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, Address{NetworkID: int64(pairs[i].(int)), ContractAddress: pairs[i+1].(string)})
	}
	return out
}

// bundled are the lists by chain. EVM addresses are EIP-55 checksummed
// (a test checks each); Solana's are SPL mint addresses.
var bundled = map[string][]Token{
	"EVM": {
		{Name: "USD Coin", Symbol: "USDC", Addresses: on(
			ethereum, "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
			optimism, "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85",
			polygon, "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359",
			base, "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
			arbitrum, "0xaf88d065e77c8cC2239327C5EDb3A432268e5831")},
		{Name: "Tether USD", Symbol: "USDT", Addresses: on(
			ethereum, "0xdAC17F958D2ee523a2206206994597C13D831ec7",
			optimism, "0x94b008aA00579c1307B0EF2c499aD98a8ce58e58",
			polygon, "0xc2132D05D31c914a87C6611C10748AEb04B58e8F",
			arbitrum, "0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9")},
		{Name: "Dai Stablecoin", Symbol: "DAI", Addresses: on(
			ethereum, "0x6B175474E89094C44Da98b954EedeAC495271d0F",
			optimism, "0xDA10009cBd5D07dd0CeCc66161FC93D7c9000da1",
			polygon, "0x8f3Cf7ad23Cd3CaDbD9735AFf958023239c6A063",
			arbitrum, "0xDA10009cBd5D07dd0CeCc66161FC93D7c9000da1")},
		{Name: "Wrapped Ether", Symbol: "WETH", Addresses: on(
			ethereum, "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
			optimism, "0x4200000000000000000000000000000000000006",
			polygon, "0x7ceB23fD6bC0adD59E62ac25578270cFf1b9f619",
			base, "0x4200000000000000000000000000000000000006",
			arbitrum, "0x82aF49447D8a07e3bd95BD0d56f35241523fBab1")},
		{Name: "Wrapped BTC", Symbol: "WBTC", Addresses: on(
			ethereum, "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599")},
		{Name: "ChainLink Token", Symbol: "LINK", Addresses: on(
			ethereum, "0x514910771AF9Ca656af840dff83E8264EcF986CA")},
	},
	"SOL": {
		{Name: "USD Coin", Symbol: "USDC", Addresses: on(solanaMainnet, "EPjFWdd5AufqSSqeM2qN1xxybapC8G4wEGGkZwyTDt1v")},
		{Name: "Tether USD", Symbol: "USDT", Addresses: on(solanaMainnet, "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB")},
		{Name: "Wrapped SOL", Symbol: "SOL", Addresses: on(solanaMainnet, "So11111111111111111111111111111111111111112")},
	},
}
