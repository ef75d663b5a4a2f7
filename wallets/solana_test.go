package wallets

import (
	"crypto/ed25519"
	"strings"
	"testing"

	"github.com/mr-tron/base58"
)

func solanaMessage(address, chainID string) string {
	return strings.Join([]string{
		"app.example.com wants you to sign in with your Solana account:",
		address,
		"",
		"Welcome to Example.",
		"",
		"URI: https://app.example.com/",
		"Version: 1",
		"Chain ID: " + chainID,
		"Nonce: 0123456789abcdef0123456789abcdef",
		"Issued At: 2024-05-01T12:34:56.789Z",
		"Request ID: 2762a57b-faa4-41ce-9f16-abff9300e2c9",
	}, "\n")
}

func testSolanaAddress(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return base58.Encode(pub)
}

func TestParseSIWS(t *testing.T) {
	addr := testSolanaAddress(t)
	for _, chain := range []string{"mainnet", "devnet", "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", "101"} {
		m, err := ParseSIWS(solanaMessage(addr, chain))
		if err != nil {
			t.Fatalf("chain %q: %v", chain, err)
		}
		if m.Address != addr || m.ChainID != chain || m.Statement != "Welcome to Example." {
			t.Errorf("got %+v", m)
		}
	}
}

func TestParseSIWSRejects(t *testing.T) {
	addr := testSolanaAddress(t)
	cases := map[string]struct{ text, wantErr string }{
		"ethereum header":  {strings.Replace(solanaMessage(addr, "mainnet"), "Solana account", "Ethereum account", 1), "first line must be"},
		"evm address":      {solanaMessage(testAddress, "mainnet"), "base58 Solana public key"},
		"short key":        {solanaMessage(base58.Encode(make([]byte, 31)), "mainnet"), "base58 Solana public key"},
		"not base58":       {solanaMessage("0OIl"+addr[4:], "mainnet"), "base58 Solana public key"},
		"two-word chain":   {solanaMessage(addr, "main net"), "Chain ID must be one token"},
		"empty chain":      {solanaMessage(addr, ""), "Chain ID must be one token"},
		"nonce too short":  {strings.Replace(solanaMessage(addr, "mainnet"), "0123456789abcdef0123456789abcdef", "abc", 1), "at least 8"},
		"SIWE parser used": {solanaMessage(addr, "mainnet"), ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			parse := ParseSIWS
			if tc.wantErr == "" { // the Ethereum parser must refuse the Solana form
				parse, tc.wantErr = ParseSIWE, "first line must be"
			}
			_, err := parse(tc.text)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestParseSIWSWithoutChainID(t *testing.T) {
	addr := testSolanaAddress(t)
	text := strings.Replace(solanaMessage(addr, "mainnet"), "Chain ID: mainnet\n", "", 1)
	m, err := ParseSIWS(text)
	if err != nil {
		t.Fatalf("SIWS without Chain ID refused: %v", err)
	}
	if m.ChainID != "" || m.Address != addr {
		t.Fatalf("parsed %+v", m)
	}
	// Ethereum messages still need it.
	eth := strings.Replace(strings.Replace(text, "Solana", "Ethereum", 1), addr, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", 1)
	if _, err := ParseSIWE(eth); err == nil {
		t.Fatal("SIWE without Chain ID accepted")
	}
}
