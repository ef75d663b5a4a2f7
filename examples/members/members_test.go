package main

import (
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
)

func TestMembersApp(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, ":memory:", sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	blocked := dynamicauthtest.NewWallet(t)
	app, err := New(ctx, st, make([]byte, 32), []string{blocked.Address}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Auth.Close()
	kit := dynamicauthtest.Wrap(t, app.Auth)
	routes := app.Routes()
	me := func(token string) (int, map[string]string) {
		req := httptest.NewRequest("GET", "/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		routes.ServeHTTP(rec, req)
		var body map[string]string
		json.Unmarshal(rec.Body.Bytes(), &body)
		return rec.Code, body
	}

	// The block list is applied before anything is written.
	if st, body := kit.TrySignIn(t, blocked); st != 403 {
		t.Fatalf("blocked wallet: %d %s, want 403", st, body)
	}

	s := dynamicauthtest.SignInWallet(t, kit)
	if code, body := me(s.MinifiedJWT); code != 200 || body["id"] != s.UserID || body["wallet"] != s.Wallet.Address ||
		body["plan"] != "free" || body["tokenPlan"] != "free" {
		t.Fatalf("GET /me: %d %v", code, body)
	}
	// The OnSignIn hook ran before the tokens were signed.
	v, err := app.Auth.Verifier(app.IDs.EnvironmentID)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := v.Verify(ctx, s.JWT)
	if err != nil {
		t.Fatal(err)
	}
	if meta, _ := claims.Metadata.(map[string]any); meta["plan"] != "free" {
		t.Fatalf("the sign-in's own JWT lacks the plan: %+v", claims.Metadata)
	}
	if err := app.SetPlan(ctx, s.Wallet.Address, "gold"); err != nil {
		t.Fatal(err)
	}
	if _, body := me(s.MinifiedJWT); body["plan"] != "gold" || body["tokenPlan"] != "free" {
		t.Fatalf("plan after SetPlan: %v (the token keeps the plan it was signed with)", body)
	}
	second := kit.SignIn(t, s.Wallet) // a second device
	if _, body := me(second.MinifiedJWT); body["tokenPlan"] != "gold" {
		t.Fatalf("a new sign-in's token plan: %v", body)
	}
	if n, err := app.SignOutEverywhere(ctx, s.Wallet.Address); err != nil || n != 2 {
		t.Fatalf("SignOutEverywhere: %d sessions, %v; want 2", n, err)
	}
	for _, tok := range []string{s.MinifiedJWT, second.MinifiedJWT} {
		if code, _ := me(tok); code != 401 {
			t.Fatalf("revoked session reaches /me: %d", code)
		}
	}

	// The reporting token was made at the first start only.
	again, err := New(ctx, st, make([]byte, 32), nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer again.Auth.Close()
	toks, err := app.Auth.Tenants().ListTokens(ctx, dynamicauth.System(app.IDs.OrganizationID), app.IDs.EnvironmentID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tk := range toks {
		if tk.Note == reportingNote {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d reporting tokens after two starts, want 1", n)
	}
}
