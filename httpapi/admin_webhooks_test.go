package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/webhooks"
)

// hookReceiver is a webhook endpoint that checks every signature with the
// secret it is told and answers with the statuses it is given in turn.
type hookReceiver struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	secret   string
	statuses []int
	got      []webhooks.Envelope
	arrived  chan delivered
}

// delivered is one request as it came; next checks its signature once the
// test knows the secret (the ping may arrive before the create's answer).
type delivered struct {
	env       webhooks.Envelope
	body      []byte
	signature string
}

func newHookReceiver(t *testing.T, statuses ...int) *hookReceiver {
	r := &hookReceiver{t: t, statuses: statuses, arrived: make(chan delivered, 100)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		status := http.StatusOK
		if len(r.statuses) > 0 {
			status, r.statuses = r.statuses[0], r.statuses[1:]
		}
		r.mu.Unlock()
		var env webhooks.Envelope
		if err := json.Unmarshal(body, &env); err != nil {
			t.Errorf("delivery body: %v", err)
		}
		r.mu.Lock()
		r.got = append(r.got, env)
		r.mu.Unlock()
		w.WriteHeader(status)
		r.arrived <- delivered{env, body, req.Header.Get(webhooks.SignatureHeader)}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) next(t *testing.T, what string) webhooks.Envelope {
	t.Helper()
	select {
	case d := <-r.arrived:
		r.mu.Lock()
		secret := r.secret
		r.mu.Unlock()
		if !webhooks.Verify(secret, d.body, d.signature) {
			t.Errorf("%s: delivery with a bad signature %q: %s", what, d.signature, d.body)
		}
		return d.env
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: no delivery", what)
		return webhooks.Envelope{}
	}
}

func startedHarness(t *testing.T, backend string, tune func(*dynamicauth.Config)) *harness {
	h := newHarnessWith(t, backend, func(c *dynamicauth.Config) {
		c.Webhooks = webhooks.Config{AllowPrivate: true, Poll: 20 * time.Millisecond,
			Live: webhooks.Schedule{50 * time.Millisecond, 100 * time.Millisecond}, Sandbox: webhooks.Schedule{50 * time.Millisecond}}
		tune(c)
	})
	ctx, cancel := context.WithCancel(context.Background())
	if err := h.auth.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); h.auth.Close() })
	return h
}

func TestWebhooksDeliverSignedEvents(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			h := startedHarness(t, backend, func(*dynamicauth.Config) {})
			env := h.ids.EnvironmentID
			rcv := newHookReceiver(t, 500) // the first attempt of the ping fails
			st, res := h.do(t, "POST", "/environments/"+env+"/webhooks", h.token, map[string]any{
				"url": rcv.srv.URL + "/hook", "isEnabled": true, "events": []string{"user.created"}})
			wantStatus(t, "create webhook", st, 200, res)
			hook := res.(map[string]any)
			secret, _ := hook["secret"].(string)
			hookID, _ := hook["webhookId"].(string)
			if len(secret) != 64 || hook["isEnabled"] != true || hook["url"] != rcv.srv.URL+"/hook" {
				t.Fatalf("created webhook: %v", hook)
			}
			rcv.mu.Lock()
			rcv.secret = secret
			rcv.mu.Unlock()

			// The ping: refused once, retried on the (shortened) schedule,
			// the same messageId both times.
			first, second := rcv.next(t, "ping"), rcv.next(t, "ping retry")
			if first.EventName != "ping" || first.WebhookID != hookID || first.EnvironmentID != env ||
				first.EnvironmentName != "sandbox" || second.MessageID != first.MessageID || first.Redelivery {
				t.Fatalf("ping deliveries: %+v then %+v", first, second)
			}

			u := h.createUser(t, env, map[string]any{"email": "hooked@example.com"})
			ev := rcv.next(t, "user.created")
			if ev.EventName != "user.created" || ev.MessageID == first.MessageID {
				t.Fatalf("user.created delivery: %+v", ev)
			}
			var data map[string]any
			if err := json.Unmarshal(ev.Data, &data); err != nil || data["userId"] != u["id"] {
				t.Fatalf("user.created data %s, want the user %v", ev.Data, u["id"])
			}

			// The log: both attempts of the ping and the event, newest first.
			var msgs []any
			deadline := time.Now().Add(10 * time.Second)
			for len(msgs) < 3 && time.Now().Before(deadline) {
				st, res = h.do(t, "GET", "/environments/"+env+"/webhooks/"+hookID+"/messages", h.token, nil)
				wantStatus(t, "messages", st, 200, res)
				msgs, _ = res.(map[string]any)["data"].([]any)
				time.Sleep(20 * time.Millisecond)
			}
			if len(msgs) != 3 {
				t.Fatalf("messages: %v", res)
			}
			st, res = h.do(t, "GET", "/environments/"+env+"/webhooks/"+hookID+"/messages/"+first.MessageID, h.token, nil)
			wantStatus(t, "message deliveries", st, 200, res)
			tries, _ := res.(map[string]any)["data"].([]any)
			if len(tries) != 2 || tries[0].(map[string]any)["status"] != "failed" || tries[1].(map[string]any)["status"] != "delivered" ||
				tries[0].(map[string]any)["response"].(map[string]any)["status"] != float64(500) {
				t.Fatalf("ping attempts: %v", tries)
			}

			// Redelivery: the same message again, flagged.
			st, res = h.do(t, "POST", "/environments/"+env+"/webhooks/"+hookID+"/messages/"+ev.MessageID+"/redeliver", h.token, nil)
			wantStatus(t, "redeliver", st, 200, res)
			again := rcv.next(t, "redelivery")
			if again.MessageID != ev.MessageID || !again.Redelivery || again.EventID != ev.EventID {
				t.Fatalf("redelivery: %+v", again)
			}

			// Without includeSecret the secret stays hidden; a disabled
			// webhook delivers nothing.
			st, res = h.do(t, "GET", "/environments/"+env+"/webhooks/"+hookID, h.token, nil)
			wantStatus(t, "get webhook", st, 200, res)
			if _, ok := res.(map[string]any)["secret"]; ok {
				t.Fatalf("secret shown without includeSecret: %v", res)
			}
			st, res = h.do(t, "GET", "/environments/"+env+"/webhooks/"+hookID+"?includeSecret=true", h.token, nil)
			wantStatus(t, "get webhook with secret", st, 200, res)
			if res.(map[string]any)["secret"] != secret {
				t.Fatalf("includeSecret: %v", res)
			}
			// A read-only token reads the webhook, not the secret that
			// signs its deliveries.
			_, reader := h.envToken(t, h.token, env, "environment.webhooks.read")
			st, res = h.do(t, "GET", "/environments/"+env+"/webhooks/"+hookID, reader, nil)
			wantStatus(t, "get webhook, read-only", st, 200, res)
			st, res = h.do(t, "GET", "/environments/"+env+"/webhooks/"+hookID+"?includeSecret=true", reader, nil)
			wantError(t, "includeSecret, read-only", st, res, 403, "environment.webhooks.write")
			st, res = h.do(t, "PUT", "/environments/"+env+"/webhooks/"+hookID, h.token, map[string]any{
				"url": rcv.srv.URL + "/hook", "isEnabled": false, "events": []string{"user.created"}})
			wantStatus(t, "disable webhook", st, 200, res)
			h.createUser(t, env, map[string]any{"email": "unheard@example.com"})
			select {
			case env := <-rcv.arrived:
				t.Fatalf("a disabled webhook delivered %+v", env)
			case <-time.After(300 * time.Millisecond):
			}

			st, res = h.do(t, "GET", "/environments/"+env+"/webhooks", h.token, nil)
			wantStatus(t, "list webhooks", st, 200, res)
			if data, _ := res.(map[string]any)["data"].([]any); len(data) != 1 {
				t.Fatalf("list: %v", res)
			}
			st, res = h.do(t, "DELETE", "/environments/"+env+"/webhooks/"+hookID, h.token, nil)
			wantStatus(t, "delete webhook", st, 204, res)
			st, res = h.do(t, "GET", "/environments/"+env+"/webhooks/"+hookID, h.token, nil)
			wantStatus(t, "get deleted webhook", st, 404, res)
		})
	}
}

func TestWebhooksDisabledAfterFailures(t *testing.T) {
	h := startedHarness(t, "sqlite", func(c *dynamicauth.Config) { c.Webhooks.DisableAfter = 2 })
	env := h.ids.EnvironmentID
	rcv := newHookReceiver(t, 500, 500, 500, 500)
	st, res := h.do(t, "POST", "/environments/"+env+"/webhooks", h.token, map[string]any{
		"url": rcv.srv.URL, "isEnabled": true, "events": []string{"user.created"}})
	wantStatus(t, "create webhook", st, 200, res)
	hookID := res.(map[string]any)["webhookId"].(string)
	rcv.mu.Lock()
	rcv.secret = res.(map[string]any)["secret"].(string)
	rcv.mu.Unlock()
	rcv.next(t, "ping")
	rcv.next(t, "ping retry")
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, res = h.do(t, "GET", "/environments/"+env+"/webhooks/"+hookID, h.token, nil)
		wantStatus(t, "get webhook", st, 200, res)
		if res.(map[string]any)["isEnabled"] == false {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still enabled after 2 failures: %v", res)
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.createUser(t, env, map[string]any{"email": "nobody-hears@example.com"})
	select {
	case got := <-rcv.arrived:
		t.Fatalf("an auto-disabled webhook delivered %+v", got)
	case <-time.After(300 * time.Millisecond):
	}
}

func TestWebhooksRefuseBadInput(t *testing.T) {
	h := newHarnessWith(t, "sqlite", func(*dynamicauth.Config) {}) // private endpoints not allowed
	env := h.ids.EnvironmentID
	for _, tc := range []struct {
		name string
		body any
	}{
		{"loopback", map[string]any{"url": "http://127.0.0.1:9/hook", "isEnabled": true, "events": []string{"user.created"}}},
		{"localhost", map[string]any{"url": "http://localhost:9/hook", "isEnabled": true, "events": []string{"user.created"}}},
		{"metadata service", map[string]any{"url": "http://169.254.169.254/", "isEnabled": true, "events": []string{"user.created"}}},
		{"not http", map[string]any{"url": "file:///etc/passwd", "isEnabled": true, "events": []string{"user.created"}}},
		{"unknown event", map[string]any{"url": "https://hooks.example.com/", "isEnabled": true, "events": []string{"user.exploded"}}},
		{"no events", map[string]any{"url": "https://hooks.example.com/", "isEnabled": true, "events": []string{}}},
		{"no isEnabled", map[string]any{"url": "https://hooks.example.com/", "events": []string{"user.created"}}},
	} {
		st, res := h.do(t, "POST", "/environments/"+env+"/webhooks", h.token, tc.body)
		wantStatus(t, tc.name, st, 400, res)
	}
	st, res := h.do(t, "GET", "/environments/"+env+"/webhooks", h.token, nil)
	wantStatus(t, "list", st, 200, res)
	if data, _ := res.(map[string]any)["data"].([]any); len(data) != 0 {
		t.Fatalf("refused webhooks were stored: %v", res)
	}
	st, res = h.do(t, "GET", "/eventTypes", h.token, nil)
	wantStatus(t, "eventTypes", st, 200, res)
	if types, _ := res.([]any); len(types) == 0 || types[0].(map[string]any)["name"] != "user.created" {
		t.Fatalf("eventTypes: %v", res)
	}
}
