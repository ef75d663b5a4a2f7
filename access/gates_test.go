package access

import (
	"context"
	_ "embed"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/access/accesstest"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/users"
)

const chainID = accesstest.ChainID

func newAddress() common.Address {
	k, _ := crypto.GenerateKey()
	return crypto.PubkeyToAddress(k.PublicKey)
}

// rulesStore serves a decision's reads from memory: the store itself is
// covered by the contract suite in store/storetest.
type rulesStore struct {
	Store
	rules   Rules
	entries map[string]string // key -> list id
}

func (r *rulesStore) AccessRules(context.Context, string) (*Rules, error) { return &r.rules, nil }
func (r *rulesStore) MatchingLists(_ context.Context, _ string, keys []string) ([]string, error) {
	var out []string
	for _, k := range keys {
		if id, ok := r.entries[k]; ok {
			out = append(out, id)
		}
	}
	return out, nil
}

func gate(name string, o Outcome, scope string, rules ...Rule) Gate {
	g := Gate{ID: name, Name: name, Outcome: o, Scope: scope, Rules: rules}
	if err := validateGate(&g); err != nil {
		panic(err)
	}
	return g
}

func subject(ws ...common.Address) Subject {
	var s Subject
	for _, w := range ws {
		s.Wallets = append(s.Wallets, Wallet{Chain: users.ChainEIP155, Address: strings.ToLower(w.Hex())})
	}
	return s
}

func service(node Node, gates ...Gate) *Service {
	var nodes map[int64]Node
	if node != nil {
		nodes = map[int64]Node{chainID: node}
	}
	return NewService(Deps{Store: &rulesStore{rules: Rules{Gates: gates}},
		Balances: NewBalances(BalancesConfig{Nodes: nodes, TTL: -1})})
}

func TestGatesOnDeployedContracts(t *testing.T) {
	c := accesstest.NewChain(t)
	erc20 := c.DeployERC20(t, 6) // 6 decimals, like USDC
	erc721 := c.DeployERC721(t)
	erc1155 := c.DeployERC1155(t)
	below, exact, nftHolder, other, multi := newAddress(), newAddress(), newAddress(), newAddress(), newAddress()
	c.MintERC20(t, erc20, below, 99_999_999) // 99.999999 tokens
	c.MintERC20(t, erc20, exact, 100_000_000)
	c.MintERC721(t, erc721, nftHolder, 7)
	c.MintERC721(t, erc721, other, 8)
	c.MintERC1155(t, erc1155, multi, 3, 5)
	c.Pay(t, exact, big.NewInt(2e18)) // 2 ETH to exact

	token100 := Rule{Type: RuleToken, NetworkID: chainID, ContractAddress: erc20, Amount: "100"}
	anyNFT := Rule{Type: RuleNFT, NetworkID: chainID, ContractAddress: erc721}
	nft7 := Rule{Type: RuleNFT, NetworkID: chainID, ContractAddress: erc721, TokenID: "7"}
	multi3x5 := Rule{Type: RuleNFT, NetworkID: chainID, ContractAddress: erc1155, TokenID: "3", Amount: "5"}
	multi3x6 := Rule{Type: RuleNFT, NetworkID: chainID, ContractAddress: erc1155, TokenID: "3", Amount: "6"}
	eth2 := Rule{Type: RuleToken, NetworkID: chainID, ContractAddress: Native, Amount: "2"}

	cases := []struct {
		name    string
		gates   []Gate
		subj    Subject
		allowed bool
		scopes  []string
	}{
		{"erc20 one unit below amount", []Gate{gate("g", OutcomeSiteAccess, "", token100)}, subject(below), false, nil},
		{"erc20 exactly at amount", []Gate{gate("g", OutcomeSiteAccess, "", token100)}, subject(exact), true, nil},
		{"native exactly at amount", []Gate{gate("g", OutcomeSiteAccess, "", eth2)}, subject(exact), true, nil},
		{"native without coins", []Gate{gate("g", OutcomeSiteAccess, "", eth2)}, subject(below), false, nil},
		{"erc721 any token", []Gate{gate("g", OutcomeSiteAccess, "", anyNFT)}, subject(other), true, nil},
		{"erc721 any token, none held", []Gate{gate("g", OutcomeSiteAccess, "", anyNFT)}, subject(exact), false, nil},
		{"erc721 tokenId held", []Gate{gate("g", OutcomeSiteAccess, "", nft7)}, subject(nftHolder), true, nil},
		{"erc721 tokenId held by someone else", []Gate{gate("g", OutcomeSiteAccess, "", nft7)}, subject(other), false, nil},
		{"erc1155 at amount", []Gate{gate("g", OutcomeSiteAccess, "", multi3x5)}, subject(multi), true, nil},
		{"erc1155 below amount", []Gate{gate("g", OutcomeSiteAccess, "", multi3x6)}, subject(multi), false, nil},
		{"only the second wallet holds", []Gate{gate("g", OutcomeSiteAccess, "", nft7)}, subject(below, nftHolder), true, nil},
		{"rules ANDed: one fails", []Gate{gate("g", OutcomeSiteAccess, "", nft7, token100)}, subject(nftHolder), false, nil},
		{"rules ANDed over two wallets", []Gate{gate("g", OutcomeSiteAccess, "", nft7, token100)}, subject(nftHolder, exact), true, nil},
		{"gates ORed", []Gate{gate("a", OutcomeSiteAccess, "", token100), gate("b", OutcomeSiteAccess, "", nft7)}, subject(nftHolder), true, nil},
		{"scope granted", []Gate{gate("g", OutcomeScope, "holder", nft7)}, subject(nftHolder), true, []string{"holder"}},
		{"scope not granted, still admitted", []Gate{gate("g", OutcomeScope, "holder", nft7)}, subject(other), true, nil},
		{"scope gate without scope gates like siteAccess", []Gate{gate("g", OutcomeScope, "", nft7)}, subject(other), false, nil},
		{"block gate refuses holders", []Gate{gate("g", OutcomeBlock, "", nft7)}, subject(nftHolder), false, nil},
		{"block gate lets others in", []Gate{gate("g", OutcomeBlock, "", nft7)}, subject(other), true, nil},
		{"no wallet, siteAccess gate", []Gate{gate("g", OutcomeSiteAccess, "", anyNFT)}, Subject{Email: "a@b.co"}, false, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := service(c.Client, tc.gates...).Decide(context.Background(), "env", Fixed(tc.subj))
			if !tc.allowed {
				if !errs.Is(err, errs.KindForbidden) {
					t.Fatalf("want a 403 refusal, got %v %+v", err, d)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(d.Scopes, " ") != strings.Join(tc.scopes, " ") {
				t.Fatalf("scopes %v, want %v", d.Scopes, tc.scopes)
			}
		})
	}
}

func TestGateNodeDownIsAnErrorNotAccess(t *testing.T) {
	holder := newAddress()
	nft := Rule{Type: RuleNFT, NetworkID: chainID, ContractAddress: newAddress().Hex()}
	// a node that refuses connections: dialed lazily, every call fails
	down, err := ethclient.Dial("http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		node  Node
		gates []Gate
	}{
		{"node down, siteAccess", down, []Gate{gate("g", OutcomeSiteAccess, "", nft)}},
		{"node down, block gate (must not let in)", down, []Gate{gate("g", OutcomeBlock, "", nft)}},
		{"no node for the network", nil, []Gate{gate("g", OutcomeBlock, "", nft)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := service(tc.node, tc.gates...).Decide(context.Background(), "env", Fixed(subject(holder)))
			var e *errs.E
			if !errors.As(err, &e) || e.Code != CodeBalances {
				t.Fatalf("want %s, got %v %+v", CodeBalances, err, d)
			}
		})
	}
}

func TestGateBalancesAreCached(t *testing.T) {
	c := accesstest.NewChain(t)
	erc721 := c.DeployERC721(t)
	holder := newAddress()
	now := time.Unix(1_700_000_000, 0)
	b := NewBalances(BalancesConfig{Nodes: map[int64]Node{chainID: c.Client}, TTL: time.Minute, Now: func() time.Time { return now }})
	s := NewService(Deps{Store: &rulesStore{rules: Rules{Gates: []Gate{gate("g", OutcomeSiteAccess, "",
		Rule{Type: RuleNFT, NetworkID: chainID, ContractAddress: erc721})}}}, Balances: b})
	if _, err := s.Decide(context.Background(), "env", Fixed(subject(holder))); !errs.Is(err, errs.KindForbidden) {
		t.Fatalf("before minting: %v", err)
	}
	c.MintERC721(t, erc721, holder, 1)
	if _, err := s.Decide(context.Background(), "env", Fixed(subject(holder))); !errs.Is(err, errs.KindForbidden) {
		t.Fatalf("within the TTL the cached balance stands: %v", err)
	}
	now = now.Add(2 * time.Minute)
	if _, err := s.Decide(context.Background(), "env", Fixed(subject(holder))); err != nil {
		t.Fatalf("after the TTL: %v", err)
	}
}

// envNodes is each environment's own node, as its settings would name it.
type envNodes map[string]Node

func (e envNodes) EnvNode(_ context.Context, envID string, _ int64) (Node, string, error) {
	if n := e[envID]; n != nil {
		return n, "node of " + envID, nil
	}
	return nil, "", nil
}

// TestGateEnvironmentNodesAreCachedApart: two environments name their own
// nodes for one network; an answer cached from the first's node must not
// answer the second's gate (a node of one environment's choosing would
// otherwise admit users to another).
func TestGateEnvironmentNodesAreCachedApart(t *testing.T) {
	rich, poor := accesstest.NewChain(t), accesstest.NewChain(t)
	holder := newAddress()
	rich.Pay(t, holder, big.NewInt(1e18))
	b := NewBalances(BalancesConfig{Env: envNodes{"a": rich.Client, "b": poor.Client}, TTL: time.Hour})
	s := NewService(Deps{Store: &rulesStore{rules: Rules{Gates: []Gate{gate("g", OutcomeSiteAccess, "",
		Rule{Type: RuleToken, NetworkID: chainID, ContractAddress: Native, Amount: "1"})}}}, Balances: b})
	if _, err := s.Decide(context.Background(), "a", Fixed(subject(holder))); err != nil {
		t.Fatalf("holder on environment a's node: %v", err)
	}
	if _, err := s.Decide(context.Background(), "b", Fixed(subject(holder))); !errs.Is(err, errs.KindForbidden) {
		t.Fatalf("environment b's node holds nothing for them, got %v", err)
	}
	var e *errs.E
	if _, err := s.Decide(context.Background(), "c", Fixed(subject(holder))); !errors.As(err, &e) || e.Code != CodeBalances {
		t.Fatalf("an environment naming no node: want %s, got %v", CodeBalances, err)
	}
}

// TestGateAmountIsFinite: a rule's amount is parsed as a big.Float, which
// reads "Inf" and overflows "1e1000000000" to +Inf; minimum then took the
// nil integer of an infinity and panicked, in the goroutine matchGates
// reads each rule in, which no HTTP recovery covers: a gate saved with
// such an amount through the Go API (Auth.Access().CreateGate) took the
// whole server down at the next wallet sign-in. An amount past what a
// uint256 balance can hold (1e100000000 made a 40 MB integer at every
// sign-in) is refused too.
func TestGateAmountIsFinite(t *testing.T) {
	for _, tc := range []struct {
		amount string
		ok     bool
	}{
		{"1", true},
		{"0.5", true},
		{"1e30", true},
		{"Inf", false},
		{"+inf", false},
		{"-Inf", false},
		{"1e1000000000", false},
		{"1e100000000", false},
		{"2e77", false},
	} {
		for _, typ := range []string{RuleToken, RuleNFT} {
			contract := Native
			if typ == RuleNFT {
				contract = newAddress().Hex()
			}
			g := Gate{Name: "g", Outcome: OutcomeSiteAccess, Rules: []Rule{{Type: typ, NetworkID: chainID,
				ContractAddress: contract, Amount: tc.amount}}}
			err := validateGate(&g)
			if (err == nil) != tc.ok {
				t.Errorf("%s amount %q: validateGate = %v, want ok %v", typ, tc.amount, err, tc.ok)
			}
			if err != nil {
				continue
			}
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Errorf("%s amount %q accepted, and its minimum panics: %v", typ, tc.amount, p)
					}
				}()
				if m := g.Rules[0].minimum(18); m == nil || m.Sign() <= 0 {
					t.Errorf("%s amount %q: minimum %v", typ, tc.amount, m)
				}
			}()
		}
	}
}

// TestGateTokenIDIsUint256: a tokenId is an ERC-721/1155 uint256. "-7"
// was accepted and read as token 7 (the call data carries the absolute
// value), and one past 2^256 made call data of the wrong length, which
// every contract refuses, so a gate on it admitted or blocked nobody
// without a word to the operator who saved it.
func TestGateTokenIDIsUint256(t *testing.T) {
	max := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"7", true},
		{"0", true},
		{max.String(), true},
		{"-7", false},
		{new(big.Int).Add(max, big.NewInt(1)).String(), false},
		{"7.5", false},
	} {
		g := Gate{Name: "g", Outcome: OutcomeSiteAccess, Rules: []Rule{{Type: RuleNFT, NetworkID: chainID,
			ContractAddress: newAddress().Hex(), TokenID: tc.id}}}
		if err := validateGate(&g); (err == nil) != tc.ok {
			t.Errorf("tokenId %q: validateGate = %v, want ok %v", tc.id, err, tc.ok)
		}
	}
}

// TestPanickingReadIsAnError: a read that panics (a node's answer a parser
// got wrong) fails the evaluation instead of ending the process, which
// net/http's recovery does not cover in a goroutine the handler started.
func TestPanickingReadIsAnError(t *testing.T) {
	b := &Balances{}
	wallets := []common.Address{{1}, {2}}
	_, err := b.atLeast(context.Background(), wallets, big.NewInt(1), func(w common.Address) (*big.Int, error) {
		if w == wallets[1] {
			var p *big.Int
			return p.Add(p, p), nil
		}
		return big.NewInt(1), nil
	})
	if err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("err = %v, want the panic as an error", err)
	}
}
