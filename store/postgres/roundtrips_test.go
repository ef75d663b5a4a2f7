package postgres_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/ratelimit"
	"github.com/dynamicauth/dynamicauth/store/postgres"
	"github.com/jackc/pgx/v5"
)

// roundTrips counts what the pool sends: each statement outside a batch
// (BEGIN and COMMIT included) and each batch is one round trip.
type roundTrips struct {
	mu  sync.Mutex
	n   int
	log []string
}

func (c *roundTrips) add(what string) {
	c.mu.Lock()
	c.n++
	c.log = append(c.log, what)
	c.mu.Unlock()
}

func (c *roundTrips) reset() ([]string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	log, n := c.log, c.n
	c.log, c.n = nil, 0
	return log, n
}

func (c *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if ctx.Value(inBatch{}) == nil {
		c.add(strings.Join(strings.Fields(d.SQL), " "))
	}
	return ctx
}

func (c *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

type inBatch struct{}

func (c *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	c.add("batch of " + itoa(d.Batch.Len()))
	return context.WithValue(ctx, inBatch{}, true)
}

func (c *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// TestSignInRoundTrips counts, at pgx, what the nonce request and a
// wallet sign-in (first and repeat) send to PostgreSQL, after a warm-up
// sign-in has filled the statement and settings caches.
func TestSignInRoundTrips(t *testing.T) {
	ctx := context.Background()
	counter := &roundTrips{}
	st, err := postgres.Open(ctx, freshSchema(t), postgres.Options{Tracer: counter})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// Rate limits off, as in the benchmark: on PostgreSQL each limit class
	// is a round trip of its own (ratelimit's tests cover them).
	off := ratelimit.Policy{Disabled: true}
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) { c.Store, c.RateLimits = st, &off })
	dynamicauthtest.SignInWallet(t, app) // warm-up: prepared statements, caches

	env := "/api/v0/sdk/" + app.IDs.EnvironmentID
	counter.reset()
	if status, body := app.Do(t, "GET", env+"/nonce", "", nil); status != http.StatusOK {
		t.Fatalf("nonce: %d %s", status, body)
	}
	nonceLog, nonceTrips := counter.reset()
	t.Logf("GET /nonce: %d round trips %q", nonceTrips, nonceLog)
	if nonceTrips > 0 {
		t.Errorf("GET /nonce: %d round trips, want none (a MACed nonce; the environment is cached)", nonceTrips)
	}
	w := dynamicauthtest.NewWallet(t)
	for _, name := range []string{"first sign-in", "repeat sign-in"} {
		budget := signInBudget[name]
		if status, body := app.TrySignIn(t, w); status != http.StatusOK {
			t.Fatalf("%s: %d %s", name, status, body)
		}
		log, n := counter.reset()
		n -= nonceTrips // TrySignIn asks for a nonce first
		t.Logf("%s: %d round trips besides the nonce request's: %q", name, n, log)
		if n > budget {
			t.Errorf("%s: %d round trips, budget %d", name, n, budget)
		}
	}
}

// signInBudget is the round trips POST /verify may make on PostgreSQL:
// its one transaction, pipelined ([BEGIN, the nonce's INSERT returning
// the credential's owner and whether the environment has webhooks], [the
// writes, the user read back and COMMIT]), and nothing else, the
// environment, origins and custom fields coming from the cache. (With a
// webhook subscribed, COMMIT waits for the River jobs: one more.)
var signInBudget = map[string]int{"first sign-in": 2, "repeat sign-in": 2}
