package farcaster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ethereum/go-ethereum/common"
)

// Deps build a Verifier.
type Deps struct {
	// Node is an Optimism node (--evm-rpc 10=URL); required.
	Node Caller
	// Registry is the ID registry's address; zero means IDRegistryAddress.
	Registry common.Address
	// Names finds usernames; nil leaves credentials without one.
	Names Names
	// Log hears failed name lookups; nil discards.
	Log *slog.Logger
}

// Verifier tells whose Farcaster account a verified SIWF message proves.
type Verifier struct {
	registry *Registry
	names    Names
	log      *slog.Logger
}

// NewVerifier builds a verifier; nil when d has no node (no Farcaster
// sign-in without one).
func NewVerifier(d Deps) *Verifier {
	if d.Node == nil {
		return nil
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Verifier{registry: NewRegistry(d.Node, d.Registry), names: d.Names, log: d.Log}
}

// Account is a Farcaster account a message proved.
type Account struct {
	FID      uint64
	Custody  common.Address
	Username string // "" when unknown
}

// ErrNotCustody is a signer that is not (or no longer) the custody
// address of the fid its message names.
var ErrNotCustody = errors.New("farcaster: the signer is not the custody address of the fid")

// Account checks, with the registry, that the message's signer is its
// fid's custody address now (the signature is checked before, by the
// caller) and looks its username up. A failed registry read wraps
// ErrRegistry and is logged (the node's error may name its URL, so the
// caller shows less); a failed name lookup is logged and leaves Username
// empty.
func (v *Verifier) Account(ctx context.Context, m *Message) (*Account, error) {
	custody := common.HexToAddress(m.Address)
	id, err := v.registry.IDOf(ctx, custody)
	if err != nil {
		v.log.Warn("farcaster: the ID registry could not be read; Farcaster sign-ins fail until the Optimism node answers",
			"fid", m.FID, "err", err)
		return nil, err
	}
	if id != m.FID {
		return nil, fmt.Errorf("%w: fid %d (the registry has %s at fid %d)", ErrNotCustody, m.FID, custody.Hex(), id)
	}
	a := &Account{FID: id, Custody: custody}
	if v.names != nil {
		name, err := v.names.Username(ctx, id)
		if err != nil {
			v.log.Warn("farcaster username lookup failed; the credential has none", "fid", id, "err", err)
		}
		a.Username = name
	}
	return a, nil
}
