package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/webhooks"
)

// TestWebhookReplicasPostgres runs two `serve` processes on one PostgreSQL
// database, both delivering webhooks. Events are written through both;
// the receiver verifies every signature, fails each message's first
// attempt and accepts the second: every message must then be attempted
// exactly twice in all (once per attempt, not once per replica), both
// attempts carrying the same messageId and body.
func TestWebhookReplicasPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	dsn := postgresTestURL(t)
	bin := buildBinary(t)

	secretB64, secretFile := masterSecretFile(t)
	creds := initDB(t, bin, dsn, secretFile)

	type attempt struct {
		body []byte
		sig  string
	}
	var (
		mu       sync.Mutex
		attempts = map[string][]attempt{} // messageId -> attempts in arrival order
		hookSec  string
	)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var env webhooks.Envelope
		if err := json.Unmarshal(b, &env); err != nil || env.MessageID == "" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		attempts[env.MessageID] = append(attempts[env.MessageID], attempt{b, r.Header.Get(webhooks.SignatureHeader)})
		n := len(attempts[env.MessageID])
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer rcv.Close()

	flags := []string{"--secret", secretB64, "--rate-limits", "off", "--webhooks-allow-private",
		"--webhooks-retry-sandbox", "200ms,200ms,200ms", "--webhooks-disable-after", "0",
		"--webhooks-timeout", "2s", "--webhooks-poll", "20ms"}
	var a, b *server
	var wg sync.WaitGroup
	for _, p := range []**server{&a, &b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			*p = startServer(t, bin, dsn, secretFile, flags...)
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	defer hc.CloseIdleConnections()
	admin := func(srv *server, method, path, body string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, srv.base+"/api/v0/environments/"+creds.EnvironmentID+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+creds.APIToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, out
	}

	st, body := admin(a, http.MethodPost, "/webhooks", `{"url":"`+rcv.URL+`/hook","isEnabled":true,"events":["user.created"]}`)
	var hook struct{ WebhookID, Secret string }
	if err := json.Unmarshal(body, &hook); st != http.StatusOK || err != nil || hook.Secret == "" {
		t.Fatalf("create webhook: %d %s", st, body)
	}
	mu.Lock()
	hookSec = hook.Secret
	mu.Unlock()

	// Users created through both replicas at once: one user.created message
	// each, plus the ping.
	const perReplica = 15
	for i, srv := range []*server{a, b} {
		for j := range perReplica {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, body := admin(srv, http.MethodPost, "/users", fmt.Sprintf(`{"email":"r%d-u%d@example.com"}`, i, j))
				if st != http.StatusOK {
					t.Errorf("create user through replica %d: %d %s", i, st, body)
				}
			}()
		}
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	want := 2*perReplica + 1

	delivered := func() (msgs, done int) {
		mu.Lock()
		defer mu.Unlock()
		for _, as := range attempts {
			if len(as) >= 2 {
				done++
			}
		}
		return len(attempts), done
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		msgs, done := delivered()
		if msgs == want && done == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages seen, %d delivered, want %d\nreplica a:\n%s\nreplica b:\n%s", msgs, done, want, a.output(), b.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Leave time for any duplicate attempt a second replica would make.
	time.Sleep(time.Second)

	mu.Lock()
	defer mu.Unlock()
	if len(attempts) != want {
		t.Errorf("%d messages, want %d", len(attempts), want)
	}
	names := map[string]int{}
	for id, as := range attempts {
		if len(as) != 2 {
			t.Errorf("message %s attempted %d times, want 2 (one failed, one accepted)", id, len(as))
		}
		for i, at := range as {
			if !webhooks.Verify(hookSec, at.body, at.sig) {
				t.Errorf("message %s attempt %d: signature %q does not verify", id, i+1, at.sig)
			}
			if string(at.body) != string(as[0].body) {
				t.Errorf("message %s attempt %d: body differs from the first attempt", id, i+1)
			}
		}
		var env webhooks.Envelope
		if err := json.Unmarshal(as[0].body, &env); err != nil {
			t.Fatal(err)
		}
		if env.WebhookID != hook.WebhookID {
			t.Errorf("message %s: webhookId %s, want %s", id, env.WebhookID, hook.WebhookID)
		}
		names[env.EventName]++
	}
	if names["user.created"] != 2*perReplica || names["ping"] != 1 {
		t.Errorf("messages by event: %v, want %d user.created and 1 ping", names, 2*perReplica)
	}
}
