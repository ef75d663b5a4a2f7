package wallets

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
)

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func addressOf(key *ecdsa.PrivateKey) string { return crypto.PubkeyToAddress(key.PublicKey).Hex() }

// signHash signs a 32-byte hash raw and returns r||s||v with v as 27/28,
// the form wallets return.
func signHash(t *testing.T, key *ecdsa.PrivateKey, hash common.Hash) []byte {
	t.Helper()
	sig, err := crypto.Sign(hash[:], key)
	if err != nil {
		t.Fatal(err)
	}
	sig[64] += 27
	return sig
}

// personalSign is what a wallet's personal_sign returns.
func personalSign(t *testing.T, key *ecdsa.PrivateKey, message string) []byte {
	t.Helper()
	return signHash(t, key, personalMessageHash(message))
}

// wantCode fails unless err is a domain error of kind k (and code, if set).
func wantCode(t *testing.T, err error, k errs.Kind, code string) {
	t.Helper()
	var e *errs.E
	if !errors.As(err, &e) || e.Kind != k || (code != "" && e.Code != code) {
		t.Fatalf("err = %#v, want kind %v code %q", err, k, code)
	}
}

func TestPersonalMessageHash(t *testing.T) {
	// keccak256("\x19Ethereum Signed Message:\n11hello world"), as ethers'
	// hashMessage("hello world") returns it.
	want := common.HexToHash("0xd9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68")
	if got := personalMessageHash("hello world"); got != want {
		t.Errorf("hash = %s, want %s", got, want)
	}
}

func TestVerifyEVMEOA(t *testing.T) {
	ctx := context.Background()
	key := newKey(t)
	addr := addressOf(key)
	msg := dynamicSIWE()
	sig := personalSign(t, key, msg)

	t.Run("v 27/28", func(t *testing.T) {
		if err := VerifyEVM(ctx, addr, msg, hexutil.Encode(sig), nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("v 0/1", func(t *testing.T) {
		raw := append([]byte(nil), sig...)
		raw[64] -= 27
		if err := VerifyEVM(ctx, addr, msg, hexutil.Encode(raw), nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("address in any case", func(t *testing.T) {
		for _, a := range []string{strings.ToLower(addr), "0x" + strings.ToUpper(addr[2:])} {
			if err := VerifyEVM(ctx, a, msg, hexutil.Encode(sig), nil); err != nil {
				t.Errorf("%s: %v", a, err)
			}
		}
	})
	t.Run("uppercase hex signature", func(t *testing.T) {
		if err := VerifyEVM(ctx, addr, msg, "0x"+strings.ToUpper(hexutil.Encode(sig)[2:]), nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("another key", func(t *testing.T) {
		other := personalSign(t, newKey(t), msg)
		wantCode(t, VerifyEVM(ctx, addr, msg, hexutil.Encode(other), nil), errs.KindUnprocessable, CodeVerifyFailure)
	})
	t.Run("tampered message", func(t *testing.T) {
		tampered := strings.Replace(msg, "Chain ID: 1", "Chain ID: 10", 1)
		wantCode(t, VerifyEVM(ctx, addr, tampered, hexutil.Encode(sig), nil), errs.KindUnprocessable, CodeVerifyFailure)
	})
	t.Run("raw hash signed instead of personal_sign", func(t *testing.T) {
		raw := signHash(t, key, crypto.Keccak256Hash([]byte(msg)))
		wantCode(t, VerifyEVM(ctx, addr, msg, hexutil.Encode(raw), nil), errs.KindUnprocessable, CodeVerifyFailure)
	})
}

func TestVerifyEVMMalformed(t *testing.T) {
	ctx := context.Background()
	key := newKey(t)
	addr := addressOf(key)
	msg := dynamicSIWE()
	sig := personalSign(t, key, msg)
	good := hexutil.Encode(sig)

	withV := func(v byte) string {
		s := append([]byte(nil), sig...)
		s[64] = v
		return hexutil.Encode(s)
	}
	highS := func() string {
		// (r, n-s) with the other recovery id is the same point: a valid
		// but non-canonical signature.
		s := append([]byte(nil), sig...)
		n := crypto.S256().Params().N
		copy(s[32:64], common.LeftPadBytes(new(big.Int).Sub(n, new(big.Int).SetBytes(s[32:64])).Bytes(), 32))
		s[64] = 27 + (1 - (s[64] - 27))
		return hexutil.Encode(s)
	}

	for name, tc := range map[string]struct{ sig, wantErr string }{
		"no 0x":     {good[2:], "not 0x-prefixed hex"},
		"bad hex":   {"0xzz" + good[4:], "not 0x-prefixed hex"},
		"odd hex":   {good[:len(good)-1], "not 0x-prefixed hex"},
		"empty":     {"", "not 0x-prefixed hex"},
		"just 0x":   {"0x", "want 65 bytes, got 0"},
		"short":     {good[:len(good)-2], "want 65 bytes, got 64"},
		"long":      {good + "00", "want 65 bytes, got 66"},
		"v=5":       {withV(5), "v must be 0, 1, 27 or 28, got 5"},
		"v=29":      {withV(29), "got 29"},
		"high s":    {highS(), "lower half"},
		"huge":      {"0x" + strings.Repeat("00", MaxEVMSignatureBytes+1), "longer than 16384 bytes"},
		"zero r, s": {hexutil.Encode(append(make([]byte, 64), 27)), "out of range"},
	} {
		t.Run(name, func(t *testing.T) {
			err := VerifyEVM(ctx, addr, msg, tc.sig, nil)
			wantCode(t, err, errs.KindInvalid, "")
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not contain %q", err, tc.wantErr)
			}
		})
	}

	for _, bad := range []string{"", "0x", "0x1234", addr[2:], addr + "00", "0xZZ" + addr[4:], " " + addr} {
		wantCode(t, VerifyEVM(ctx, bad, msg, good, nil), errs.KindUnprocessable, CodeInvalidWalletAddress)
	}
}

// fakeChain is a ChainCaller with canned answers that records its calls.
type fakeChain struct {
	code    []byte
	codeErr error
	out     []byte
	callErr error
	calls   int
}

func (f *fakeChain) CodeAt(context.Context, common.Address, *big.Int) ([]byte, error) {
	f.calls++
	return f.code, f.codeErr
}

func (f *fakeChain) CallContract(context.Context, ethereum.CallMsg, *big.Int) ([]byte, error) {
	f.calls++
	return f.out, f.callErr
}

// codedError looks like go-ethereum's JSON-RPC errors.
type codedError struct{ code int }

func (e codedError) Error() string  { return "rpc error" }
func (e codedError) ErrorCode() int { return e.code }

func TestVerifyEVMWithChain(t *testing.T) {
	ctx := context.Background()
	key := newKey(t)
	addr := addressOf(key)
	msg := dynamicSIWE()
	good := hexutil.Encode(personalSign(t, key, msg))
	forged := hexutil.Encode(personalSign(t, newKey(t), msg))
	magic := common.RightPadBytes(erc1271Magic(), 32)

	t.Run("EOA signature needs no call", func(t *testing.T) {
		chain := &fakeChain{}
		if err := VerifyEVM(ctx, addr, msg, good, chain); err != nil || chain.calls != 0 {
			t.Fatalf("err %v, %d calls", err, chain.calls)
		}
	})
	t.Run("no code: EOA verdict stands", func(t *testing.T) {
		wantCode(t, VerifyEVM(ctx, addr, msg, forged, &fakeChain{}), errs.KindUnprocessable, CodeVerifyFailure)
		wantCode(t, VerifyEVM(ctx, addr, msg, "0x1234", &fakeChain{}), errs.KindInvalid, "")
	})
	t.Run("code read fails", func(t *testing.T) {
		wantCode(t, VerifyEVM(ctx, addr, msg, forged, &fakeChain{codeErr: errors.New("dial tcp: refused")}), errs.KindInternal, "")
	})
	t.Run("contract says yes", func(t *testing.T) {
		if err := VerifyEVM(ctx, addr, msg, "0x1234", &fakeChain{code: []byte{1}, out: magic}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("contract answers otherwise", func(t *testing.T) {
		for _, out := range [][]byte{nil, magic[:4], common.RightPadBytes([]byte{0xff, 0xff, 0xff, 0xff}, 32), append(magic[:31:31], 1)} {
			wantCode(t, VerifyEVM(ctx, addr, msg, forged, &fakeChain{code: []byte{1}, out: out}), errs.KindUnprocessable, CodeVerifyFailure)
		}
	})
	t.Run("contract reverts", func(t *testing.T) {
		for _, e := range []error{codedError{3}, errors.New("execution reverted")} {
			wantCode(t, VerifyEVM(ctx, addr, msg, forged, &fakeChain{code: []byte{1}, callErr: e}), errs.KindUnprocessable, CodeVerifyFailure)
		}
	})
	t.Run("node fails", func(t *testing.T) {
		for _, e := range []error{codedError{-32603}, context.DeadlineExceeded} {
			wantCode(t, VerifyEVM(ctx, addr, msg, forged, &fakeChain{code: []byte{1}, callErr: e}), errs.KindInternal, "")
		}
	})
}

func TestVerifyEVM6492WithoutRPC(t *testing.T) {
	ctx := context.Background()
	sig := hexutil.Encode(append(make([]byte, 96), erc6492Suffix()...))
	err := VerifyEVM(ctx, testAddress, dynamicSIWE(), sig, nil)
	wantCode(t, err, errs.KindUnprocessable, CodeVerifyFailure)
	if !strings.Contains(err.Error(), "smart-contract wallet signatures need an RPC URL configured for chain 1") {
		t.Errorf("message: %v", err)
	}
	err = VerifyEVM(ctx, testAddress, "not a SIWE message", sig, nil)
	if err == nil || !strings.Contains(err.Error(), "configured for this chain") {
		t.Errorf("message: %v", err)
	}
}

func TestVerifyEVM6492Malformed(t *testing.T) {
	ctx := context.Background()
	for name, body := range map[string][]byte{
		"empty wrapper":  nil,
		"short wrapper":  make([]byte, 64),
		"offset too far": append(append(make([]byte, 32), common.LeftPadBytes([]byte{0xff, 0xff}, 32)...), make([]byte, 64)...),
	} {
		t.Run(name, func(t *testing.T) {
			chain := &fakeChain{}
			sig := hexutil.Encode(append(body, erc6492Suffix()...))
			wantCode(t, VerifyEVM(ctx, testAddress, dynamicSIWE(), sig, chain), errs.KindInvalid, "")
			if chain.calls != 0 {
				t.Errorf("%d chain calls for a malformed wrapper", chain.calls)
			}
		})
	}
}
