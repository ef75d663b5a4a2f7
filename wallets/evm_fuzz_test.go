package wallets

import (
	"context"
	"testing"

	"github.com/ethereum/go-ethereum/common/hexutil"
)

// FuzzVerifyEVM throws arbitrary signature bytes (wrapped in EIP-6492 or
// not) at the verifier: it must answer with an error, never panic, and
// never reach the chain for a wrapper it cannot decode.
func FuzzVerifyEVM(f *testing.F) {
	f.Add([]byte{}, false)
	f.Add(make([]byte, 65), false)
	f.Add(make([]byte, 96), true)
	f.Add(append(make([]byte, 31), 0x20), true)
	f.Fuzz(func(t *testing.T, sig []byte, wrap bool) {
		if wrap {
			sig = append(sig, erc6492Suffix()...)
		}
		chain := &fakeChain{code: []byte{1}}
		if err := VerifyEVM(context.Background(), testAddress, "message", hexutil.Encode(sig), chain); err == nil {
			t.Fatalf("accepted %x", sig)
		}
		_ = VerifySolana("9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM", "message", string(sig))
	})
}
