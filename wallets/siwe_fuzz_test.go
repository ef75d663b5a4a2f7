package wallets

import (
	"strings"
	"testing"
)

// FuzzParseSIWE feeds both parsers arbitrary text: they must never panic,
// whatever they accept must respect the limits they promise, and no
// accepted message holds a character outside the allowed classes (see
// allowedRune; the fields other than the statement are printable ASCII).
// The seeds here and in testdata/fuzz/FuzzParseSIWE run with go test.
// Run: go test ./wallets -run '^$' -fuzz FuzzParseSIWE -fuzztime 30s
func FuzzParseSIWE(f *testing.F) {
	f.Add(dynamicSIWE())
	f.Add(fullSIWE())
	f.Add(solanaMessage("9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM", "mainnet"))
	f.Add(strings.Replace(dynamicSIWE(), "Version: 1", "Version: 2", 1))
	f.Add(dynamicSIWE() + "\n")
	f.Add("")
	f.Add("\n\n\n")
	f.Add("a://b wants you to sign in with your Ethereum account:\n")
	f.Add(dynamicSIWE() + "\nResources:\n- %zz\n- a:b")
	f.Fuzz(func(t *testing.T, text string) {
		for _, parse := range []func(string) (*Message, error){ParseSIWE, ParseSIWS} {
			m, err := parse(text)
			if err != nil {
				continue
			}
			if len(text) > MaxMessageBytes || len(m.Resources) > MaxResources {
				t.Fatalf("limits not enforced: %d bytes, %d resources", len(text), len(m.Resources))
			}
			if m.Version != "1" || len(m.Nonce) < 8 || m.Domain == "" || m.URI == "" {
				t.Fatalf("accepted an incomplete message: %+v", m)
			}
			for i, r := range text {
				if !allowedRune(r) {
					t.Fatalf("accepted a message with %U at byte %d: %q", r, i, text)
				}
			}
			fixed := append([]string{m.Scheme, m.Domain, m.Address, m.URI, m.Version, m.ChainID, m.Nonce, m.RequestID}, m.Resources...)
			for _, v := range fixed {
				if v != "" && !printableASCII(v) {
					t.Fatalf("accepted a field outside printable ASCII: %q in %q", v, text)
				}
			}
		}
	})
}
