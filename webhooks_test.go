package dynamicauth_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/webhooks"
)

// receiver is a webhook endpoint that keeps the deliveries whose
// signature holds under its secret.
type receiver struct {
	mu       sync.Mutex
	secret   string
	got      []map[string]any
	unsigned int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	var m map[string]any
	if !webhooks.Verify(r.secret, body, req.Header.Get(webhooks.SignatureHeader)) || json.Unmarshal(body, &m) != nil {
		r.unsigned++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	r.got = append(r.got, m)
}

// delivered is the first delivery of event name to user, if any.
func (r *receiver) delivered(name, user string) (map[string]any, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.got {
		if m["eventName"] == name && m["userId"] == user {
			return m, r.unsigned
		}
	}
	return nil, r.unsigned
}

// TestEventsAndWebhooksFromGo: an application subscribes an endpoint and
// reads its environment's events through the facade alone (Webhooks,
// Events): a sign-up is in the events, and the started Auth delivers it
// to the endpoint, signed with the webhook's secret; another
// organization's principal reaches neither.
func TestEventsAndWebhooksFromGo(t *testing.T) {
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		rcv := &receiver{}
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		on := true
		hook, err := app.Webhooks().Create(ctx, app.System, env, webhooks.Input{URL: srv.URL, IsEnabled: &on,
			Events: []string{events.UserCreated}})
		if err != nil {
			t.Fatal(err)
		}
		rcv.mu.Lock()
		rcv.secret = hook.Secret
		rcv.mu.Unlock()
		if err := app.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer app.Close()

		s := dynamicauthtest.SignInWallet(t, app)
		page, err := app.Events().List(ctx, app.System, env, events.Query{ResourceType: "user"})
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, e := range page.Events {
			found = found || (e.Name == events.UserCreated && e.UserID == s.UserID)
		}
		if !found {
			t.Fatalf("no %s of user %s in %d events", events.UserCreated, s.UserID, len(page.Events))
		}
		other := dynamicauth.System("00000000-0000-4000-8000-000000000001")
		if _, err := app.Events().List(ctx, other, env, events.Query{}); err == nil {
			t.Error("another organization's principal listed the events")
		}
		if _, err := app.Webhooks().List(ctx, other, env); err == nil {
			t.Error("another organization's principal listed the webhooks")
		}

		deadline := time.Now().Add(20 * time.Second)
		for {
			m, unsigned := rcv.delivered(events.UserCreated, s.UserID)
			if unsigned > 0 {
				t.Fatalf("%d deliveries without a valid signature", unsigned)
			}
			if m != nil {
				if m["webhookId"] != hook.ID || m["environmentId"] != env {
					t.Fatalf("delivery: %v", m)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s delivered for user %s", events.UserCreated, s.UserID)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}, func(c *dynamicauth.Config) {
		c.Webhooks = webhooks.Config{AllowPrivate: true, Poll: 50 * time.Millisecond}
	})
}
