package main

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"
)

// TestSignRecoversToTheKeysAddress: the signature devchain sign prints
// recovers, as the server's EIP-191 check does, to the key's address and
// only for the exact message.
func TestSignRecoversToTheKeysAddress(t *testing.T) {
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	msg := "localhost wants you to sign in with your Ethereum account:\n"
	var out bytes.Buffer
	if err := sign([]string{"0x" + hex.EncodeToString(crypto.FromECDSA(key))}, strings.NewReader(msg), &out); err != nil {
		t.Fatal(err)
	}
	sig, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(out.String()), "0x"))
	if err != nil || len(sig) != 65 || (sig[64] != 27 && sig[64] != 28) {
		t.Fatalf("signature %q: %v", out.String(), err)
	}
	sig[64] -= 27
	for _, m := range []struct {
		text string
		same bool
	}{{msg, true}, {msg + " ", false}} {
		pub, err := crypto.SigToPub(accounts.TextHash([]byte(m.text)), sig)
		if err != nil {
			t.Fatal(err)
		}
		if got := crypto.PubkeyToAddress(*pub) == crypto.PubkeyToAddress(key.PublicKey); got != m.same {
			t.Errorf("message %q recovers to the key's address: %v, want %v", m.text, got, m.same)
		}
	}
	if err := sign([]string{"0xnothex"}, strings.NewReader(msg), &out); err == nil {
		t.Error("a malformed key was accepted")
	}
}
