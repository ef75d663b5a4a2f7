// Package farcaster checks Sign In With Farcaster (SIWF): an EIP-4361
// message that a Farcaster account's custody address signs, naming the
// account (its fid) in a "farcaster://fid/N" resource, on Optimism (Chain
// ID 10), with the statement "Farcaster Auth". The message proves only
// that the signer holds the address; the account is the signer's only if
// Farcaster's ID registry (an Optimism contract, read over JSON-RPC) says
// that address is the fid's custody address now. Usernames (fnames) are
// kept off chain by Farcaster's name server (names.go).
//
// The checks every signed message must pass besides these (nonce, domain,
// freshness, signature) are sign-in's, shared with wallet sign-in.
package farcaster

import (
	"strconv"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/wallets"
)

// ChainID is Optimism's: Farcaster's registries live there, and a SIWF
// message names it.
const ChainID = "10"

// Statements a SIWF message carries: "Farcaster Auth" since auth-kit 1.0,
// "Farcaster Connect" before it.
var Statements = []string{"Farcaster Auth", "Farcaster Connect"}

const resourcePrefix = "farcaster://fid/"

// Message is a parsed SIWF message.
type Message struct {
	*wallets.Message
	FID uint64
}

// ParseMessage parses text as EIP-4361 and applies Farcaster's rules: the
// statement, Chain ID 10 and exactly one fid resource. Errors are
// errs.Invalid and say what is wrong.
func ParseMessage(text string) (*Message, error) {
	m, err := wallets.ParseSIWE(text)
	if err != nil {
		return nil, err
	}
	if !contains(Statements, m.Statement) {
		return nil, errs.Invalid("message: not a Sign In With Farcaster message (statement %q)", m.Statement)
	}
	if m.ChainID != ChainID {
		return nil, errs.Invalid("message: Chain ID must be %s (Optimism), got %s", ChainID, m.ChainID)
	}
	var fid uint64
	for _, r := range m.Resources {
		v, ok := strings.CutPrefix(r, resourcePrefix)
		if !ok {
			continue
		}
		v = strings.TrimSuffix(v, "/")
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 || v[0] == '0' {
			return nil, errs.Invalid("message: resource %q is not farcaster://fid/ and a positive number", r)
		}
		if fid != 0 {
			return nil, errs.Invalid("message: more than one farcaster://fid/ resource")
		}
		fid = n
	}
	if fid == 0 {
		return nil, errs.Invalid("message: no farcaster://fid/ resource names the account")
	}
	return &Message{Message: m, FID: fid}, nil
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
