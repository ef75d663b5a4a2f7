package main

import (
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpReceiver is an OTLP/HTTP trace receiver in the test's process: it
// decodes each export (protobuf) and keeps the spans with their
// resource's service.name.
type otlpReceiver struct {
	mu      sync.Mutex
	spans   []*tracepb.Span
	service map[string]bool
}

func (rc *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	var req coltracepb.ExportTraceServiceRequest
	if err == nil {
		err = proto.Unmarshal(body, &req)
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" || err != nil {
		http.Error(w, "want a protobuf POST /v1/traces", http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, a := range rs.GetResource().GetAttributes() {
			if a.Key == "service.name" {
				rc.service[a.GetValue().GetStringValue()] = true
			}
		}
		for _, ss := range rs.ScopeSpans {
			rc.spans = append(rc.spans, ss.Spans...)
		}
	}
	rc.mu.Unlock()
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// TestOTelEndpoint: serve --otel-endpoint sends a sign-in's spans to an
// OTLP/HTTP collector: the verify request's server span named by its
// route, and under it the sign-in's store transaction; the spans queued
// are sent when the server stops.
func TestOTelEndpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	rc := &otlpReceiver{service: map[string]bool{}}
	collector := httptest.NewServer(rc)
	defer collector.Close()

	bin := buildBinary(t)
	dir := t.TempDir()
	db, secretFile := filepath.Join(dir, "auth.db"), filepath.Join(dir, "secret")
	creds := initDB(t, bin, db, secretFile)
	srv := startServer(t, bin, db, secretFile, "--otel-endpoint", collector.URL)
	c := &replicaClient{t: t, env: creds.EnvironmentID, http: &http.Client{Timeout: 10 * time.Second}}
	key, _ := crypto.GenerateKey()
	if r := c.signIn(srv, key, c.message(key, c.nonce(srv))); r.status != http.StatusOK {
		t.Fatalf("sign-in: %d %s", r.status, r.body)
	}
	// SIGTERM: the server drains and sends the spans it has queued.
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-srv.exited:
	case <-time.After(20 * time.Second):
		t.Fatalf("server did not stop on SIGTERM\n%s", srv.output())
	}

	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !rc.service["dynamicauth"] {
		t.Errorf("no spans of service.name dynamicauth (services %v)", rc.service)
	}
	var verify *tracepb.Span
	for _, s := range rc.spans {
		if s.Name == "POST /api/v0/sdk/{environmentId}/verify" {
			verify = s
		}
	}
	if verify == nil {
		t.Fatalf("no verify span among %d received\n%s", len(rc.spans), srv.output())
	}
	if verify.Kind != tracepb.Span_SPAN_KIND_SERVER {
		t.Errorf("verify span kind %v, want server", verify.Kind)
	}
	found := false
	for _, s := range rc.spans {
		if s.Name == "store.CompleteSignIn" && hex.EncodeToString(s.ParentSpanId) == hex.EncodeToString(verify.SpanId) &&
			hex.EncodeToString(s.TraceId) == hex.EncodeToString(verify.TraceId) {
			found = true
		}
	}
	if !found {
		names := []string{}
		for _, s := range rc.spans {
			names = append(names, s.Name)
		}
		t.Errorf("no store.CompleteSignIn span under the verify request; spans: %q", names)
	}
}
