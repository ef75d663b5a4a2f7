package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/dynamicauth/dynamicauth/metrics"
	"github.com/dynamicauth/dynamicauth/perf/internal/sdkclient"
	"github.com/ethereum/go-ethereum/crypto"
)

// BenchmarkHTTPSignIn is one repeat wallet sign-in (GET /nonce, POST
// /verify) over loopback HTTP to the server as perf/signin runs it, client
// included, one at a time, ES256 (a cheap signature, so what is around it
// shows). Its allocations per sign-in are what a change to the request
// path is judged by on a machine too busy for timings.
func BenchmarkHTTPSignIn(b *testing.B) {
	c := config{backend: "sqlite", alg: "ES256", sync: "NORMAL"}
	auth, env, closeAll, err := newAuth(b.Context(), c, filepath.Join(b.TempDir(), "auth.db"), metrics.New())
	if err != nil {
		b.Fatal(err)
	}
	defer closeAll()
	srv := httptest.NewServer(auth.Handler())
	defer srv.Close()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	key, _ := crypto.GenerateKey()
	base := srv.URL + "/api/v0/sdk/" + env
	for b.Loop() {
		if err := sdkclient.SignIn(b.Context(), sdkclient.HTTP{Client: hc}, base, env, key); err != nil {
			b.Fatal(err)
		}
	}
}
