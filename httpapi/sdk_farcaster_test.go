package httpapi_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/farcaster/farcastertest"
	"github.com/dynamicauth/dynamicauth/wallets"
	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

type farcasterFixture struct {
	h   *harness
	reg *farcastertest.Registry
	env string
}

func newFarcasterFixture(t *testing.T, backend string) *farcasterFixture {
	t.Helper()
	reg := farcastertest.NewRegistry(t)
	h := newHarnessWith(t, backend, func(c *dynamicauth.Config) {
		c.SignIn.RPC = map[string]wallets.ChainCaller{"10": reg.Chain.Client}
		c.Farcaster = dynamicauth.FarcasterConfig{Registry: reg.Address, Names: staticNames{1: "alice"}}
	})
	return &farcasterFixture{h: h, reg: reg, env: h.ids.EnvironmentID}
}

type staticNames map[uint64]string

func (s staticNames) Username(_ context.Context, fid uint64) (string, error) {
	return s[fid], nil
}

func (f *farcasterFixture) enable(t *testing.T) {
	t.Helper()
	st, res := f.h.do(t, "POST", "/environments/"+f.env+"/settings/providers", f.h.token, map[string]any{"provider": "farcaster"})
	wantStatus(t, "enable farcaster", st, 200, res)
}

func (f *farcasterFixture) nonce(t *testing.T) string {
	t.Helper()
	st, res := f.h.do(t, "GET", "/sdk/"+f.env+"/nonce", "", nil)
	wantStatus(t, "nonce", st, 200, res)
	return str(t, res, "nonce")
}

// body signs msg with w and builds a FarcasterSignInRequest for it.
func farcasterBody(t *testing.T, w evmWallet, msg farcastertest.Message) map[string]any {
	t.Helper()
	text := msg.String()
	sig, err := crypto.Sign(accounts.TextHash([]byte(text)), w.key)
	if err != nil {
		t.Fatal(err)
	}
	sig[64] += 27
	domain := msg.Domain
	if domain == "" {
		domain = "localhost:3000"
	}
	return map[string]any{"address": msg.Address, "domain": domain, "nonce": msg.Nonce, "message": text,
		"signature": fmt.Sprintf("0x%x", sig)}
}

func (f *farcasterFixture) post(t *testing.T, route, token string, body map[string]any) (int, any) {
	t.Helper()
	return f.h.do(t, "POST", "/sdk/"+f.env+"/farcaster/"+route, token, body)
}

// farcasterCredential is the user's farcaster credential in a VerifyResponse.
func farcasterCredential(t *testing.T, res any) map[string]any {
	t.Helper()
	for _, c := range list(t, res, "user.verifiedCredentials") {
		if m := c.(map[string]any); m["oauth_provider"] == "farcaster" {
			return m
		}
	}
	t.Fatalf("no farcaster credential: %s", dump(res))
	return nil
}

func TestFarcasterSignIn(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testFarcasterSignIn(t, backend) })
	}
}

func testFarcasterSignIn(t *testing.T, backend string) {
	f := newFarcasterFixture(t, backend)
	alice, bob, mallory := newEVMWallet(t), newEVMWallet(t), newEVMWallet(t)
	fid := f.reg.Register(t, common.HexToAddress(alice.address))
	if fid != 1 {
		t.Fatalf("first fid %d", fid)
	}
	msg := func(w evmWallet, fid uint64) farcastertest.Message {
		return farcastertest.Message{Address: w.address, FID: fid, Nonce: f.nonce(t), RequestID: f.env}
	}

	st, res := f.post(t, "signin", "", farcasterBody(t, alice, msg(alice, fid)))
	wantError(t, "farcaster not enabled", st, res, 422)
	wantEq(t, res, "code", "provider_not_available")
	f.enable(t)

	good := farcasterBody(t, alice, msg(alice, fid))
	st, res = f.post(t, "signin", "", good)
	wantStatus(t, "custody address signs in", st, 200, res)
	c := farcasterCredential(t, res)
	if c["oauth_account_id"] != "1" || c["oauth_username"] != "alice" || c["format"] != "oauth" || c["public_identifier"] != "alice" {
		t.Fatalf("credential %s", dump(c))
	}
	userID := str(t, res, "user.id")
	session := str(t, res, "minifiedJwt")
	if st := f.h.sdkUserStatus(t, f.env, session); st != 200 {
		t.Fatalf("the session serves GET /users: %d", st)
	}

	// the same message again: its nonce is spent
	st, res = f.post(t, "signin", "", good)
	wantError(t, "replayed message", st, res, 422)

	st, res = f.post(t, "signin", "", farcasterBody(t, alice, msg(alice, fid)))
	wantStatus(t, "a second sign-in", st, 200, res)
	wantEq(t, res, "user.id", userID)

	attacks := []struct {
		name  string
		body  func() map[string]any
		codes []string
		says  string
	}{
		{"another address claims the fid", func() map[string]any { return farcasterBody(t, mallory, msg(mallory, fid)) },
			[]string{"other_verify_failure"}, "not the custody address of fid 1"},
		{"a signature by another key", func() map[string]any { return farcasterBody(t, mallory, msg(alice, fid)) },
			[]string{"other_verify_failure", "invalid_signature"}, ""},
		{"the fid changed after signing", func() map[string]any {
			b := farcasterBody(t, alice, msg(alice, fid))
			b["message"] = strings.Replace(b["message"].(string), "farcaster://fid/1", "farcaster://fid/2", 1)
			return b
		}, []string{"other_verify_failure", "invalid_signature"}, ""},
		{"a domain that is no allowed origin", func() map[string]any {
			m := msg(alice, fid)
			m.Domain = "evil.example"
			return farcasterBody(t, alice, m)
		}, []string{"other_verify_failure"}, "not an allowed origin"},
		{"the request's domain differs from the message's", func() map[string]any {
			b := farcasterBody(t, alice, msg(alice, fid))
			b["domain"] = "evil.example"
			return b
		}, []string{"other_verify_failure"}, "domain does not match"},
		{"the request's nonce differs from the message's", func() map[string]any {
			b := farcasterBody(t, alice, msg(alice, fid))
			b["nonce"] = f.nonce(t)
			return b
		}, []string{"other_verify_failure"}, "nonce does not match"},
		{"a nonce this server never issued", func() map[string]any {
			m := msg(alice, fid)
			m.Nonce = "abcdef0123456789abcdef0123456789"
			return farcasterBody(t, alice, m)
		}, nil, ""},
		{"stale", func() map[string]any {
			m := msg(alice, fid)
			m.IssuedAt = time.Now().Add(-time.Hour)
			return farcasterBody(t, alice, m)
		}, []string{"other_verify_failure"}, "too old"},
		{"another environment's Request ID", func() map[string]any {
			m := msg(alice, fid)
			m.RequestID = newUUID(t)
			return farcasterBody(t, alice, m)
		}, []string{"other_verify_failure"}, "Request ID"},
		{"mainnet instead of Optimism", func() map[string]any {
			m := msg(alice, fid)
			m.ChainID = "1"
			return farcasterBody(t, alice, m)
		}, []string{"other_verify_failure"}, "Chain ID must be 10"},
		{"a plain SIWE message", func() map[string]any {
			m := msg(alice, fid)
			m.Statement = "Sign in to the app"
			return farcasterBody(t, alice, m)
		}, []string{"other_verify_failure"}, "not a Sign In With Farcaster"},
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			st, res := f.post(t, "signin", "", a.body())
			if st != 422 && st != 400 {
				t.Fatalf("status %d: %s", st, dump(res))
			}
			if a.codes != nil {
				code, _ := at(res, "code")
				if !slices.Contains(a.codes, fmt.Sprint(code)) {
					t.Fatalf("code %v, want one of %v: %s", code, a.codes, dump(res))
				}
			}
			if msg, _ := at(res, "error"); !strings.Contains(fmt.Sprint(msg), a.says) {
				t.Fatalf("error %q does not say %q", msg, a.says)
			}
		})
	}

	// The fid moves to bob: alice's address no longer signs in as it,
	// bob's does, and finds the same user (the account is the fid).
	f.reg.Transfer(t, fid, common.HexToAddress(bob.address))
	st, res = f.post(t, "signin", "", farcasterBody(t, alice, msg(alice, fid)))
	wantError(t, "the former custody address", st, res, 422, "not the custody address")
	st, res = f.post(t, "signin", "", farcasterBody(t, bob, msg(bob, fid)))
	wantStatus(t, "the new custody address", st, 200, res)
	wantEq(t, res, "user.id", userID)
}

func TestFarcasterVerifyLinksTheAccount(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testFarcasterVerifyLinksTheAccount(t, backend) })
	}
}

func testFarcasterVerifyLinksTheAccount(t *testing.T, backend string) {
	f := newFarcasterFixture(t, backend)
	f.enable(t)
	alice, carol := newEVMWallet(t), newEVMWallet(t)
	aliceFID := f.reg.Register(t, common.HexToAddress(alice.address))
	carolFID := f.reg.Register(t, common.HexToAddress(carol.address))
	body := func(w evmWallet, fid uint64) map[string]any {
		return farcasterBody(t, w, farcastertest.Message{Address: w.address, FID: fid, Nonce: f.nonce(t)})
	}
	st, res := f.post(t, "signin", "", body(alice, aliceFID))
	wantStatus(t, "alice signs in with farcaster", st, 200, res)

	// a wallet user links carol's account
	_, _, session := f.h.signIn(t, f.env, carol)
	st, res = f.post(t, "verify", "", body(carol, carolFID))
	wantError(t, "verify without a session", st, res, 401)
	st, res = f.post(t, "verify", session, body(carol, carolFID))
	wantStatus(t, "link carol's farcaster account", st, 200, res)
	c := farcasterCredential(t, res)
	if c["oauth_account_id"] != strconv.FormatUint(carolFID, 10) {
		t.Fatalf("linked %s", dump(c))
	}
	if n := len(list(t, res, "user.verifiedCredentials")); n != 2 {
		t.Fatalf("carol has %d credentials, want wallet + farcaster: %s", n, dump(res))
	}
	// alice's account belongs to alice's user: carol cannot take it,
	// even holding a valid message (she does not: the custody check
	// comes first), so sign one with alice's key as a thief would.
	st, res = f.post(t, "verify", session, body(alice, aliceFID))
	wantError(t, "linking another user's account", st, res, 422)
	wantEq(t, res, "code", "social_account_already_exists")
}

func TestFarcasterWithoutAnOptimismNode(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	st, res := h.do(t, "POST", "/environments/"+env+"/settings/providers", h.token, map[string]any{"provider": "farcaster"})
	wantStatus(t, "enable farcaster", st, 200, res)
	w := newEVMWallet(t)
	st, res = h.do(t, "GET", "/sdk/"+env+"/nonce", "", nil)
	wantStatus(t, "nonce", st, 200, res)
	st, res = h.do(t, "POST", "/sdk/"+env+"/farcaster/signin", "",
		farcasterBody(t, w, farcastertest.Message{Address: w.address, FID: 1, Nonce: str(t, res, "nonce")}))
	wantError(t, "no node", st, res, 422, "--evm-rpc 10=URL")
}

// TestFarcasterSignInDecidesAccess: a Farcaster sign-in goes through the
// environment's allowlists like any other: on a members-only site an
// account listed by fid or by username signs in with the list in its
// JWT, an unlisted one is refused (403) and writes no user; a block list
// naming the username refuses it.
func TestFarcasterSignInDecidesAccess(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testFarcasterSignInDecidesAccess(t, backend) })
	}
}

func testFarcasterSignInDecidesAccess(t *testing.T, backend string) {
	f := newFarcasterFixture(t, backend) // fid 1 is "alice"
	f.enable(t)
	alice, bob, carol := newEVMWallet(t), newEVMWallet(t), newEVMWallet(t)
	aliceFID := f.reg.Register(t, common.HexToAddress(alice.address))
	bobFID := f.reg.Register(t, common.HexToAddress(bob.address))
	carolFID := f.reg.Register(t, common.HexToAddress(carol.address))
	signIn := func(w evmWallet, fid uint64) (int, any) {
		t.Helper()
		return f.post(t, "signin", "", farcasterBody(t, w, farcastertest.Message{Address: w.address, FID: fid, Nonce: f.nonce(t)}))
	}
	f.h.newAllowlist(t, f.env, map[string]any{"name": "casters", "outcome": "siteAccess"},
		map[string]any{"farcasterUsername": "@Alice"}, map[string]any{"farcasterFid": bobFID})

	st, res := signIn(carol, carolFID)
	wantError(t, "an unlisted Farcaster account", st, res, 403)
	if _, users := f.h.listUsers(t, f.h.token, f.env, ""); len(users) != 0 {
		t.Fatalf("a refused sign-in wrote a user: %v", users)
	}
	for name, w := range map[string]evmWallet{"listed by username": alice, "listed by fid": bob} {
		fid := aliceFID
		if name == "listed by fid" {
			fid = bobFID
		}
		st, res := signIn(w, fid)
		wantStatus(t, name, st, 200, res)
		if c := claimsOf(t, str(t, res, "jwt")); !slices.Equal(listsOf(c), []string{"casters"}) {
			t.Fatalf("%s: lists %v", name, c["lists"])
		}
	}

	f.h.newAllowlist(t, f.env, map[string]any{"name": "banned", "outcome": "block"}, map[string]any{"farcasterUsername": "alice"})
	st, res = signIn(alice, aliceFID)
	wantError(t, "a blocked Farcaster username", st, res, 403)
}
