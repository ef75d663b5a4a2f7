package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
)

// TestMetricsListener: with --metrics-addr, a sign-in shows in the sign-in
// counter and the route histogram on the metrics listener, pprof answers
// there with --pprof, and neither is reachable on the API listener.
func TestMetricsListener(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	db, secretFile := filepath.Join(dir, "auth.db"), filepath.Join(dir, "secret")
	creds := initDB(t, bin, db, secretFile)
	metricsAddr := freeAddr(t)
	backups := t.TempDir()
	srv := startServer(t, bin, db, secretFile, "--metrics-addr", metricsAddr, "--pprof", "--backup-dir", backups)

	c := &replicaClient{t: t, env: creds.EnvironmentID, http: &http.Client{Timeout: 10 * time.Second}}
	key, _ := crypto.GenerateKey()
	if r := c.signIn(srv, key, c.message(key, c.nonce(srv))); r.status != http.StatusOK {
		t.Fatalf("sign-in: %d %s", r.status, r.body)
	}
	// A refused sign-in: the nonce was never issued.
	if r := c.signIn(srv, key, c.message(key, "neverIssued12345")); r.status/100 != 4 {
		t.Fatalf("sign-in with a made-up nonce: %d %s", r.status, r.body)
	}

	get := func(url string) (int, string) {
		t.Helper()
		resp, err := c.http.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := get("http://" + metricsAddr + "/metrics")
	if status != http.StatusOK {
		t.Fatalf("GET /metrics on the metrics listener: %d", status)
	}
	// The backup a start takes (none in --backup-dir yet) is counted.
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(body, `dynamicauth_backups_total{outcome="success"} 1`); {
		if time.Now().After(deadline) {
			t.Fatalf("no backup counted in 30 s:\n%s", body)
		}
		time.Sleep(50 * time.Millisecond)
		_, body = get("http://" + metricsAddr + "/metrics")
	}
	if !strings.Contains(body, "dynamicauth_backup_last_success_timestamp_seconds 1.") {
		t.Errorf("/metrics lacks the last backup's time")
	}
	for _, want := range []string{
		`dynamicauth_signins_total{method="wallet",outcome="success"} 1`,
		`dynamicauth_signins_total{method="wallet",outcome="rejected"} 1`,
		`dynamicauth_http_requests_total{method="POST",route="/api/v0/sdk/{environmentId}/verify",status="200"} 1`,
		`dynamicauth_http_requests_total{method="GET",route="/api/v0/sdk/{environmentId}/nonce",status="200"} 1`,
		`dynamicauth_http_request_duration_seconds_count{route="/api/v0/sdk/{environmentId}/verify"} 2`,
		`dynamicauth_store_transaction_duration_seconds_count{kind="grouped",outcome="commit"} 1`,
		`dynamicauth_store_group_commit_batch_size_count`,
		`dynamicauth_db_pool_open_connections{pool="sqlite_readers"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
	if status, _ := get("http://" + metricsAddr + "/debug/pprof/cmdline"); status != http.StatusOK {
		t.Errorf("pprof on the metrics listener: %d, want 200", status)
	}
	for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/cmdline"} {
		if status, body := get(srv.base + path); status != http.StatusNotFound || strings.Contains(body, "dynamicauth_") {
			t.Errorf("GET %s on the API listener: %d, want 404", path, status)
		}
	}
}
