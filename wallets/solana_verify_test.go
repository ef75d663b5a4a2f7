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

// smallOrderEncodings are encodings of the eight points of small order on
// edwards25519 (libsodium's blocklist, with both signs of x): keys no one
// holds a private key for, and signatures no one needs one for.
func smallOrderEncodings(t *testing.T) [][]byte {
	t.Helper()
	var out [][]byte
	for _, h := range []string{
		"0000000000000000000000000000000000000000000000000000000000000000", // y = 0, order 4
		"0100000000000000000000000000000000000000000000000000000000000000", // y = 1, the identity
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p-1, order 2
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p, non-canonical 0
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p+1, non-canonical 1
	} {
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		neg := append([]byte(nil), b...)
		neg[31] |= 0x80
		out = append(out, b, neg)
	}
	return out
}

// TestVerifySolanaSmallOrderKeys: a key of small order (the System
// Program's 11111111111111111111111111111111 is one) is satisfied by a
// signature with S = 0 and R one of the small-order points, for any
// message, so whoever asks could sign in as that address, pass the token
// gates its holdings meet, or take it from the user it is linked to.
// crypto/ed25519 accepts such signatures (RFC 8032 does not forbid them);
// VerifySolana must not.
func TestVerifySolanaSmallOrderKeys(t *testing.T) {
	points := smallOrderEncodings(t)
	forgedAny := false
	for _, pub := range points {
		addr := base58.Encode(pub)
		// The challenge k decides which R works: a few messages find one.
		forged := false
		for i := 0; i < 64 && !forged; i++ {
			msg := solanaMessage(addr, "mainnet") + strings.Repeat(" ", i)
			for _, r := range points {
				sig := append(append([]byte(nil), r...), make([]byte, 32)...)
				if !ed25519.Verify(ed25519.PublicKey(pub), []byte(msg), sig) {
					continue
				}
				forged, forgedAny = true, true
				if err := VerifySolana(addr, msg, base58.Encode(sig)); err == nil {
					t.Errorf("address %s (%x): a keyless forged signature verified", addr, pub)
				}
				break
			}
		}
	}
	if !forgedAny {
		t.Fatal("no small-order key could be forged for: the test's points are wrong")
	}
	// A real key still verifies (its first byte may be anything).
	pub, priv, _ := ed25519.GenerateKey(nil)
	msg := solanaMessage(base58.Encode(pub), "mainnet")
	if err := VerifySolana(base58.Encode(pub), msg, base58.Encode(ed25519.Sign(priv, []byte(msg)))); err != nil {
		t.Fatal(err)
	}
}
