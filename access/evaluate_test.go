package access

import (
	"context"
	"math/big"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
)

// countingNode answers every balance with 1 after a pause, counting the
// calls, the calls per account and the most it had in flight at once.
type countingNode struct {
	pause    time.Duration
	calls    atomic.Int64
	inFlight atomic.Int64
	mu       sync.Mutex
	most     int64
	release  chan struct{} // when set, BalanceAt waits for it (or its ctx)
}

func (n *countingNode) BalanceAt(ctx context.Context, _ common.Address, _ *big.Int) (*big.Int, error) {
	n.calls.Add(1)
	now := n.inFlight.Add(1)
	defer n.inFlight.Add(-1)
	n.mu.Lock()
	n.most = max(n.most, now)
	n.mu.Unlock()
	if n.release != nil {
		select {
		case <-n.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	time.Sleep(n.pause)
	return big.NewInt(1), nil
}

func (n *countingNode) CallContract(context.Context, ethereum.CallMsg, *big.Int) ([]byte, error) {
	return make([]byte, 32), nil
}

// manyReads is a decision of gates × rules × wallets distinct reads: each
// rule on the native coin of its own network.
func manyReads(t *testing.T, node Node, gates, rules, wallets int, ttl time.Duration) (*Balances, []Gate, []common.Address) {
	t.Helper()
	nodes := map[int64]Node{}
	var rs []Rule
	for i := range rules {
		nodes[int64(i+1)] = node
		rs = append(rs, Rule{Type: RuleToken, NetworkID: int64(i + 1), ContractAddress: Native})
	}
	var gs []Gate
	for i := range gates {
		gs = append(gs, gate(string(rune('a'+i)), OutcomeSiteAccess, "", rs...))
	}
	var ws []common.Address
	for range wallets {
		ws = append(ws, newAddress())
	}
	return NewBalances(BalancesConfig{Nodes: nodes, TTL: ttl}), gs, ws
}

// TestGateReadsAreBounded: a decision's reads run at most maxRuleReads ×
// maxWalletReads at once, however many gates, rules and wallets it has;
// they all ran at once before, a goroutine and a node request each (20
// rules × 50 wallets: a thousand requests on the node in one sign-in).
func TestGateReadsAreBounded(t *testing.T) {
	node := &countingNode{pause: 2 * time.Millisecond}
	b, gs, ws := manyReads(t, node, 1, 20, 50, -1)
	matched, err := b.matchGates(context.Background(), "env", gs, ws)
	if err != nil || len(matched) != 1 {
		t.Fatalf("matched %v, err %v", matched, err)
	}
	if got := node.calls.Load(); got != 20*50 {
		t.Fatalf("%d reads, want one per rule and wallet (1000)", got)
	}
	if node.most > maxRuleReads*maxWalletReads {
		t.Fatalf("%d reads in flight at once, want at most %d", node.most, maxRuleReads*maxWalletReads)
	}
}

// TestGateReadsAreShared: the same answer wanted twice at once (two gates
// with one rule, or two sign-ins) is read from the node once; before, each
// missed the cache and asked the node.
func TestGateReadsAreShared(t *testing.T) {
	node := &countingNode{pause: 5 * time.Millisecond}
	b, gs, ws := manyReads(t, node, 4, 3, 5, time.Minute)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := b.matchGates(context.Background(), "env", gs, ws); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := node.calls.Load(); got != 3*5 {
		t.Fatalf("%d reads, want one per distinct answer (15)", got)
	}
}

// TestSharedReadOutlivesItsFirstCaller: a read two decisions share is not
// failed for the second when the first one's caller goes away (a client
// hanging up must not fail other users' sign-ins).
func TestSharedReadOutlivesItsFirstCaller(t *testing.T) {
	node := &countingNode{release: make(chan struct{})}
	b, gs, ws := manyReads(t, node, 1, 1, 1, time.Minute)
	first, hangUp := context.WithCancel(context.Background())
	firstDone := make(chan error, 1)
	go func() {
		_, err := b.matchGates(first, "env", gs, ws)
		firstDone <- err
	}()
	for node.inFlight.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	secondDone := make(chan error, 1)
	go func() {
		_, err := b.matchGates(context.Background(), "env", gs, ws)
		secondDone <- err
	}()
	time.Sleep(20 * time.Millisecond) // the second joins the first's read
	hangUp()
	if err := <-firstDone; err == nil {
		t.Fatal("the caller that hung up got an answer")
	}
	close(node.release)
	if err := <-secondDone; err != nil {
		t.Fatalf("the second decision failed with the first's hang-up: %v", err)
	}
	if got := node.calls.Load(); got != 1 {
		t.Fatalf("%d reads, want 1", got)
	}
}
