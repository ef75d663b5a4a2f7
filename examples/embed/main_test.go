package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
)

// TestMountedBesideAppRoutes checks the embedding pattern of this example:
// the app's own route and the auth API answer from one mux.
func TestMountedBesideAppRoutes(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	auth, err := dynamicauth.New(dynamicauth.Config{Store: st, MasterSecret: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	ids, token, _, err := auth.Init(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("app")) })
	mux.Handle("/api/v0/", auth.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL+"/api/v0/environments/"+ids.EnvironmentID, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var env struct {
		ID       string `json:"id"`
		Settings struct {
			EnvironmentName string `json:"environmentName"`
		} `json:"settings"`
	}
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(&env); err != nil {
		t.Fatal(err)
	}
	if env.ID != ids.EnvironmentID || env.Settings.EnvironmentName != "sandbox" {
		t.Fatalf("got %+v", env)
	}
	res2, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res2.Body.Close()
	if res2.StatusCode != 200 {
		t.Fatalf("app route status %d", res2.StatusCode)
	}
}
