package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/webhooks"
)

// TestWebhookSurvivesSIGKILL: a message whose endpoint keeps failing is
// pending between retries when the server is SIGKILLed; the restarted
// server delivers it, with the same messageId and a valid signature.
func TestWebhookSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	var (
		accept atomic.Bool
		mu     sync.Mutex
		bodies [][]byte
		sigs   []string
		ok     = make(chan struct{}, 1)
	)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies, sigs = append(bodies, b), append(sigs, r.Header.Get(webhooks.SignatureHeader))
		mu.Unlock()
		if !accept.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		select {
		case ok <- struct{}{}:
		default:
		}
	}))
	defer rcv.Close()
	attempts := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(bodies)
	}

	bin := buildBinary(t)
	dir := t.TempDir()
	db, secretFile := filepath.Join(dir, "db"), filepath.Join(dir, "secret")
	creds := initDB(t, bin, db, secretFile)
	flags := []string{"--webhooks-allow-private", "--webhooks-retry-sandbox", "300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms",
		"--webhooks-disable-after", "0", "--webhooks-timeout", "2s", "--webhooks-poll", "50ms"}
	srv := startServer(t, bin, db, secretFile, flags...)

	req, _ := http.NewRequest(http.MethodPost, srv.base+"/api/v0/environments/"+creds.EnvironmentID+"/webhooks",
		strings.NewReader(`{"url":"`+rcv.URL+`/hook","isEnabled":true,"events":["user.created"]}`))
	req.Header.Set("Authorization", "Bearer "+creds.APIToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var hook struct {
		WebhookID, Secret string
	}
	err = json.NewDecoder(resp.Body).Decode(&hook)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || hook.Secret == "" {
		t.Fatalf("create webhook: %d %v %+v", resp.StatusCode, err, hook)
	}

	// Let the ping fail twice (a retry happened), then kill the server
	// while the message waits for its next attempt.
	deadline := time.Now().Add(20 * time.Second)
	for attempts() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d attempts of the ping before the kill\n%s", attempts(), srv.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	srv.kill()
	before := attempts()
	accept.Store(true)

	srv2 := startServer(t, bin, db, secretFile, flags...)
	select {
	case <-ok:
	case <-time.After(60 * time.Second):
		t.Fatalf("the restarted server did not deliver the message (%d attempts, %d before the kill)\n%s",
			attempts(), before, srv2.output())
	}
	mu.Lock()
	defer mu.Unlock()
	var first string
	for i, b := range bodies {
		if !webhooks.Verify(hook.Secret, b, sigs[i]) {
			t.Errorf("attempt %d: bad signature %q", i+1, sigs[i])
		}
		var env webhooks.Envelope
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
		if i == 0 {
			first = env.MessageID
		}
		if env.MessageID != first || env.EventName != "ping" || env.WebhookID != hook.WebhookID {
			t.Errorf("attempt %d: %+v, want the ping %s", i+1, env, first)
		}
	}
	if len(bodies) <= before {
		t.Fatalf("no attempt after the restart")
	}
}
