package farcaster_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/farcaster"
)

// The name server's answers, shaped like fnames.farcaster.xyz's
// GET /transfers/current?fid=N.
func TestNameServer(t *testing.T) {
	answers := map[string]struct {
		status int
		body   string
	}{
		"1": {200, `{"transfer":{"id":10,"timestamp":1700000000,"username":"alice","owner":"0x8ba1f109551bd432803012645ac136ddd64dba72","from":0,"to":1,"user_signature":"0x00","server_signature":"0x00"}}`},
		"2": {200, `{"transfer":{"id":11,"timestamp":1700000001,"username":"bob","owner":"0x8ba1f109551bd432803012645ac136ddd64dba72","from":2,"to":0}}`}, // released
		"3": {404, `{"code":"NOT_FOUND","error":"No transfer found"}`},
		"4": {200, `{"transfer":{"username":"<script>","to":4}}`},
		"5": {503, `upstream down`},
		"6": {200, `{"transfer":{"username":"vitalik.eth","to":6}}`},
		"7": {200, `not json`},
	}
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		a := answers[r.URL.Query().Get("fid")]
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	defer srv.Close()
	ns, err := farcaster.NewNameServer(srv.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		fid      uint64
		want     string
		wantErr  string
		scenario string
	}{
		{1, "alice", "", "a current name"},
		{2, "", "", "a name transferred away"},
		{3, "", "", "no name ever"},
		{4, "", "malformed username", "a name outside the alphabet"},
		{5, "", "503", "the server failing"},
		{6, "vitalik.eth", "", "an ENS name"},
		{7, "", "name server", "a garbled answer"},
	} {
		got, err := ns.Username(context.Background(), tc.fid)
		if got != tc.want || (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: got %q, %v; want %q, error with %q", tc.scenario, got, err, tc.want, tc.wantErr)
		}
	}
	for _, p := range paths {
		if p != "/transfers/current" {
			t.Fatalf("asked %s", p)
		}
	}
	if _, err := farcaster.NewNameServer("ftp://x", nil); err == nil {
		t.Fatal("a non-http name server URL was accepted")
	}
}
