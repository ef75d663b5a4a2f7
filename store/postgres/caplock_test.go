package postgres_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/ratelimit"
	"github.com/dynamicauth/dynamicauth/store/postgres"
	"github.com/jackc/pgx/v5"
)

// pauseAfter holds, once armed, the transaction that ran a statement
// containing match right after it ran (keeping its locks) until release
// is closed.
type pauseAfter struct {
	match   string
	armed   atomic.Bool
	once    sync.Once
	reached chan struct{}
	release chan struct{}
}

type pauseKey struct{}

func (p *pauseAfter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if p.armed.Load() && strings.Contains(d.SQL, p.match) {
		return context.WithValue(ctx, pauseKey{}, true)
	}
	return ctx
}

func (p *pauseAfter) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	if ctx.Value(pauseKey{}) != nil {
		p.once.Do(func() { close(p.reached); <-p.release })
	}
}

// TestCapLockLetsSignInsThrough: an admin create holds its environment's
// row locked while it counts the capped rows; a first sign-in, whose
// inserts reference that row (a foreign-key check takes KEY SHARE), must
// not wait for it. FOR UPDATE made it wait; FOR NO KEY UPDATE does not.
func TestCapLockLetsSignInsThrough(t *testing.T) {
	ctx := context.Background()
	pause := &pauseAfter{match: "FROM environments WHERE id = $1 FOR", reached: make(chan struct{}), release: make(chan struct{})}
	st, err := postgres.Open(ctx, freshSchema(t), postgres.Options{Tracer: pause})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	off := ratelimit.Policy{Disabled: true}
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) { c.Store, c.RateLimits = st, &off })
	dynamicauthtest.SignInWallet(t, app) // warm-up: caches filled outside the pause

	pause.armed.Store(true)
	created := make(chan error, 1)
	go func() {
		_, err := app.Access().CreateAllowlist(ctx, app.IDs.EnvironmentID, "held", "", access.OutcomeSiteAccess)
		created <- err
	}()
	released := false
	release := func() {
		if !released {
			released = true
			close(pause.release)
		}
	}
	defer release()
	select {
	case <-pause.reached:
	case err := <-created:
		t.Fatalf("the create never took the environment's lock: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the create never took the environment's lock")
	}

	signedIn := make(chan int, 1)
	go func() {
		status, _ := app.TrySignIn(t, dynamicauthtest.NewWallet(t))
		signedIn <- status
	}()
	select {
	case status := <-signedIn:
		if status != http.StatusOK {
			t.Errorf("first sign-in during the create: %d", status)
		}
	case <-time.After(5 * time.Second):
		t.Error("a first sign-in waited for an admin create's lock on its environment")
	}
	release()
	if err := <-created; err != nil {
		t.Fatalf("create: %v", err)
	}
}
