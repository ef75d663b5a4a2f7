package farcaster_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/farcaster"
	"github.com/dynamicauth/dynamicauth/farcaster/farcastertest"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

const addr = "0x8ba1f109551bD432803012645Ac136ddd64DBA72"

func TestParseMessage(t *testing.T) {
	good := farcastertest.Message{Address: addr, FID: 42, Nonce: "abcdef1234567890"}
	m, err := farcaster.ParseMessage(good.String())
	if err != nil {
		t.Fatalf("a SIWF message: %v", err)
	}
	if m.FID != 42 || m.Address != addr || m.Domain != "localhost:3000" || m.Nonce != good.Nonce {
		t.Fatalf("parsed %+v", m)
	}
	old := good
	old.Statement = "Farcaster Connect"
	if _, err := farcaster.ParseMessage(old.String()); err != nil {
		t.Fatalf("the older statement: %v", err)
	}
	resources := func(rs ...string) string {
		s := good.String()
		s = s[:strings.Index(s, "\nResources:")]
		if len(rs) == 0 {
			return s
		}
		return s + "\nResources:\n- " + strings.Join(rs, "\n- ")
	}
	for _, tc := range []struct{ name, text, want string }{
		{"a plain SIWE statement", strings.Replace(good.String(), "Farcaster Auth", "Sign in to the app", 1), "not a Sign In With Farcaster"},
		{"mainnet", strings.Replace(good.String(), "Chain ID: 10", "Chain ID: 1", 1), "Chain ID must be 10"},
		{"no fid", resources(), "no farcaster://fid/"},
		{"another resource only", resources("https://example.com/x"), "no farcaster://fid/"},
		{"two fids", resources("farcaster://fid/42", "farcaster://fid/43"), "more than one"},
		{"fid zero", resources("farcaster://fid/0"), "positive number"},
		{"leading zero", resources("farcaster://fid/042"), "positive number"},
		{"not a number", resources("farcaster://fid/42a"), "positive number"},
		{"overflow", resources("farcaster://fid/99999999999999999999999"), "positive number"},
		{"not EIP-4361", "hello", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := farcaster.ParseMessage(tc.text)
			if !errs.Is(err, errs.KindInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an invalid error saying %q", err, tc.want)
			}
		})
	}
	if m, err := farcaster.ParseMessage(resources("https://example.com/x", "farcaster://fid/7/")); err != nil || m.FID != 7 {
		t.Fatalf("fid among other resources, trailing slash: %v %+v", err, m)
	}
}

func TestVerifierChecksCustodyInTheRegistry(t *testing.T) {
	reg := farcastertest.NewRegistry(t)
	alice, bob := newAddress(t), newAddress(t)
	fid := reg.Register(t, alice)
	other := reg.Register(t, bob)
	names := fakeNames{fid: "alice"}
	v := farcaster.NewVerifier(farcaster.Deps{Node: reg.Chain.Client, Registry: reg.Address, Names: names})
	ctx := context.Background()
	parse := func(a common.Address, fid uint64) *farcaster.Message {
		m, err := farcaster.ParseMessage(farcastertest.Message{Address: a.Hex(), FID: fid, Nonce: "abcdef1234567890"}.String())
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	acct, err := v.Account(ctx, parse(alice, fid))
	if err != nil || acct.FID != fid || acct.Custody != alice || acct.Username != "alice" {
		t.Fatalf("custody's own fid: %+v %v", acct, err)
	}
	if _, err := v.Account(ctx, parse(bob, fid)); !errors.Is(err, farcaster.ErrNotCustody) {
		t.Fatalf("another fid's custody claiming fid %d: %v", fid, err)
	}
	if _, err := v.Account(ctx, parse(newAddress(t), fid)); !errors.Is(err, farcaster.ErrNotCustody) {
		t.Fatalf("an address without an fid: %v", err)
	}
	acct, err = v.Account(ctx, parse(bob, other))
	if err != nil || acct.Username != "" {
		t.Fatalf("an fid without a name: %+v %v", acct, err)
	}
	carol := newAddress(t)
	reg.Transfer(t, fid, carol)
	if _, err := v.Account(ctx, parse(alice, fid)); !errors.Is(err, farcaster.ErrNotCustody) {
		t.Fatalf("the former custody address after a transfer: %v", err)
	}
	if acct, err := v.Account(ctx, parse(carol, fid)); err != nil || acct.FID != fid {
		t.Fatalf("the new custody address: %+v %v", acct, err)
	}

	// a registry address without the contract is the node's failure, not the user's
	wrong := farcaster.NewVerifier(farcaster.Deps{Node: reg.Chain.Client, Registry: newAddress(t)})
	if _, err := wrong.Account(ctx, parse(carol, fid)); !errors.Is(err, farcaster.ErrRegistry) {
		t.Fatalf("no contract at the registry address: %v", err)
	}
	if farcaster.NewVerifier(farcaster.Deps{}) != nil {
		t.Fatal("a verifier without a node")
	}
}

type fakeNames map[uint64]string

func (f fakeNames) Username(_ context.Context, fid uint64) (string, error) { return f[fid], nil }

func newAddress(t *testing.T) common.Address {
	t.Helper()
	k, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return crypto.PubkeyToAddress(k.PublicKey)
}
