package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"
)

// sign is `devchain sign KEY`: it signs standard input as a wallet's
// personal_sign does (EIP-191) and prints the 65-byte signature in hex,
// so the README's worked example signs in with nothing but curl and this
// binary. A test key only: never one that holds anything real.
func sign(args []string, in io.Reader, out io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: devchain sign 0xPRIVATE_KEY < message")
	}
	raw, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(args[0]), "0x"))
	if err != nil {
		return fmt.Errorf("private key: %w", err)
	}
	key, err := crypto.ToECDSA(raw)
	if err != nil {
		return fmt.Errorf("private key: %w", err)
	}
	msg, err := io.ReadAll(in)
	if err != nil {
		return fmt.Errorf("read message: %w", err)
	}
	sig, err := crypto.Sign(accounts.TextHash(msg), key)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	sig[crypto.RecoveryIDOffset] += 27 // personal_sign's v is 27 or 28
	_, err = fmt.Fprintf(out, "0x%x\n", sig)
	return err
}
