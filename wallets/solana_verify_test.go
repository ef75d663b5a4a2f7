package wallets

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/mr-tron/base58"
)

func TestVerifySolana(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := base58.Encode(pub)
	msg := solanaMessage(addr, "mainnet")
	sig := ed25519.Sign(priv, []byte(msg))
	_, otherPriv, _ := ed25519.GenerateKey(nil)

	t.Run("encodings", func(t *testing.T) {
		for name, s := range map[string]string{
			"base58": base58.Encode(sig),
			"base64": base64.StdEncoding.EncodeToString(sig),
			"0x-hex": "0x" + hex.EncodeToString(sig),
		} {
			if err := VerifySolana(addr, msg, s); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
	t.Run("another key", func(t *testing.T) {
		forged := base58.Encode(ed25519.Sign(otherPriv, []byte(msg)))
		wantCode(t, VerifySolana(addr, msg, forged), errs.KindUnprocessable, CodeVerifyFailure)
	})
	t.Run("tampered message", func(t *testing.T) {
		tampered := strings.Replace(msg, "mainnet", "devnet", 1)
		wantCode(t, VerifySolana(addr, tampered, base58.Encode(sig)), errs.KindUnprocessable, CodeVerifyFailure)
	})
	t.Run("malformed signature", func(t *testing.T) {
		for name, s := range map[string]string{
			"empty":          "",
			"short base58":   base58.Encode(sig[:63]),
			"long base58":    base58.Encode(append(sig, 1)),
			"not base58":     "0OIl" + base58.Encode(sig)[4:],
			"short hex":      "0x" + hex.EncodeToString(sig[:63]),
			"bad hex":        "0xzz" + hex.EncodeToString(sig)[2:],
			"bad base64":     "!" + base64.StdEncoding.EncodeToString(sig)[1:],
			"unpadded b64":   base64.RawStdEncoding.EncodeToString(sig),
			"very long":      strings.Repeat("2", 4000),
			"short base64":   base64.StdEncoding.EncodeToString(sig[:61]),
			"base64url form": base64.URLEncoding.EncodeToString(sig) + "-_",
		} {
			wantKind(t, name, VerifySolana(addr, msg, s), errs.KindInvalid)
		}
	})
	t.Run("malformed address", func(t *testing.T) {
		for _, a := range []string{"", "0x" + hex.EncodeToString(pub), base58.Encode(pub[:31]), base58.Encode(append(pub[:len(pub):len(pub)], 7)), "0OIl" + addr[4:]} {
			wantCode(t, VerifySolana(a, msg, base58.Encode(sig)), errs.KindUnprocessable, CodeInvalidWalletAddress)
		}
	})
}

func wantKind(t *testing.T, name string, err error, k errs.Kind) {
	t.Helper()
	if !errs.Is(err, k) {
		t.Errorf("%s: err = %v, want kind %v", name, err, k)
	}
}
