package evmnode

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rpc"
)

const key = "providerKey0123456789abcdef"

// deadAddr is a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestErrorsNameTheHostOnly: a node that is down fails every call with an
// error that names its scheme and host, never the key in its path or
// query, and still unwraps to what the call met (a cancelled context).
func TestErrorsNameTheHostOnly(t *testing.T) {
	addr := deadAddr(t)
	c, err := Dial(context.Background(), "http://"+addr+"/v2/"+key+"?apikey="+key)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	a := common.HexToAddress("0x5FbDB2315678afecb367f032d93F642f64180aa3")
	calls := map[string]func(context.Context) error{
		"CodeAt": func(ctx context.Context) error { _, err := c.CodeAt(ctx, a, nil); return err },
		"CallContract": func(ctx context.Context) error {
			_, err := c.CallContract(ctx, ethereum.CallMsg{To: &a}, nil)
			return err
		},
		"BalanceAt": func(ctx context.Context) error { _, err := c.BalanceAt(ctx, a, nil); return err },
	}
	for name, call := range calls {
		err := call(ctx)
		if err == nil || strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "http://"+addr) {
			t.Errorf("%s on a node that is down: %v", name, err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := calls["CallContract"](cancelled); !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), key) {
		t.Errorf("a cancelled call: %v", err)
	}

	if _, err := Dial(ctx, "ws://"+addr+"/ws/v3/"+key); err == nil || strings.Contains(err.Error(), key) {
		t.Errorf("dialling a WebSocket node that is down: %v", err)
	}
}

// TestAnswersPassThrough: a node that answers is read through the client,
// and its JSON-RPC errors keep their type and message.
func TestAnswersPassThrough(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("request: %v", err)
		}
		w.Header().Set("Content-Type", "application/json")
		if req.Method == "eth_getBalance" {
			json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": "0x2a"})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID,
			"error": map[string]any{"code": 3, "message": "execution reverted"}})
	}))
	defer srv.Close()
	c, err := Dial(context.Background(), srv.URL+"/v2/"+key)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a := common.HexToAddress("0x5FbDB2315678afecb367f032d93F642f64180aa3")
	if n, err := c.BalanceAt(context.Background(), a, nil); err != nil || n.Int64() != 42 {
		t.Fatalf("BalanceAt: %v, %v", n, err)
	}
	_, err = c.CallContract(context.Background(), ethereum.CallMsg{To: &a}, nil)
	var re rpc.Error
	if !errors.As(err, &re) || re.ErrorCode() != 3 || err.Error() != "execution reverted" {
		t.Fatalf("a reverted call: %v", err)
	}
}
