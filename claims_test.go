package dynamicauth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/users"
)

// TestOnSignInCustomClaims: top-level claims an OnSignIn hook sets are in
// both tokens of that sign-in (the minified one is what backends verify),
// readable from the in-process Verifier, and carried unchanged into the
// tokens a refresh of the same session issues; metadata stays in the full
// token only, as for any user.
func TestOnSignInCustomClaims(t *testing.T) {
	runs, marshalled := 0, 0
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) {
		c.Hooks.OnSignIn = func(ctx context.Context, s *signin.SignIn) error {
			runs++
			s.Claims["plan"] = "pro"
			s.Claims["org"] = map[string]any{"id": "org-7", "seats": 3}
			s.Claims["counted"] = marshalCounter{&marshalled}
			s.Metadata["plan"] = "pro"
			return nil
		}
	})
	ctx, env := t.Context(), app.IDs.EnvironmentID
	s := dynamicauthtest.SignInWallet(t, app)

	type tokenClaims struct {
		Sub  string
		Plan string
		Org  struct {
			ID    string
			Seats int
		}
		Metadata map[string]any
	}
	decode := func(name, jwt string) tokenClaims {
		var c tokenClaims
		if err := json.Unmarshal(jwtPayload(t, jwt), &c); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.Plan != "pro" || c.Org.ID != "org-7" || c.Org.Seats != 3 || c.Sub != s.UserID {
			t.Fatalf("%s claims: %+v", name, c)
		}
		return c
	}
	if marshalled != 1 {
		t.Fatalf("custom claims marshalled %d times for two tokens, want once", marshalled)
	}
	if full := decode("jwt", s.JWT); full.Metadata["plan"] != "pro" {
		t.Fatalf("jwt metadata %v", full.Metadata)
	}
	if mini := decode("minifiedJwt", s.MinifiedJWT); mini.Metadata != nil {
		t.Fatalf("minifiedJwt carries metadata %v", mini.Metadata)
	}

	v, err := app.Verifier(env)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := v.Verify(ctx, s.MinifiedJWT)
	if err != nil {
		t.Fatal(err)
	}
	var plan string
	if found, err := claims.Custom("plan", &plan); !found || err != nil || plan != "pro" {
		t.Fatalf("Verifier's Custom(plan) = %q %v %v", plan, found, err)
	}
	if found, _ := claims.Custom("absent", &plan); found {
		t.Fatal("Custom found a claim the token does not have")
	}

	st, body := app.Do(t, "POST", "/api/v0/sdk/"+env+"/refresh", s.MinifiedJWT, nil)
	if st != 200 {
		t.Fatalf("refresh: %d %s", st, body)
	}
	var refreshed struct {
		JWT         string `json:"jwt"`
		MinifiedJWT string `json:"minifiedJwt"`
	}
	if err := json.Unmarshal(body, &refreshed); err != nil || refreshed.MinifiedJWT == "" {
		t.Fatalf("refresh body %s (%v)", body, err)
	}
	decode("refreshed jwt", refreshed.JWT)
	decode("refreshed minifiedJwt", refreshed.MinifiedJWT)
	if runs != 1 {
		t.Fatalf("OnSignIn ran %d times, want once: a refresh is not a sign-in", runs)
	}
}

// TestOnSignInReservedClaimRefused: a hook that sets a claim dynamicauth
// sets itself (sub, exp, sid, environment_id, ...) fails its sign-in with a
// log line naming the claim; nothing is stored and no token is issued, so
// the real claim is never overwritten. Oversized claims fail the same way.
func TestOnSignInReservedClaimRefused(t *testing.T) {
	var logs bytes.Buffer
	var set map[string]any
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		c.Hooks.OnSignIn = func(ctx context.Context, s *signin.SignIn) error {
			for k, v := range set {
				s.Claims[k] = v
			}
			return nil
		}
	})
	for _, tc := range []struct {
		name, logged string
		claims       map[string]any
	}{
		{"sub", `claim \"sub\": ` + signin.ErrReservedClaim.Error(), map[string]any{"plan": "pro", "sub": "someone-else"}},
		{"exp", `claim \"exp\"`, map[string]any{"exp": 4102444800}},
		{"environment_id", `claim \"environment_id\"`, map[string]any{"environment_id": "another"}},
		{"sid", `claim \"sid\"`, map[string]any{"sid": "x"}},
		{"metadata", `claim \"metadata\"`, map[string]any{"metadata": map[string]any{}}},
		{"empty name", `claim \"\"`, map[string]any{"": 1}},
		{"oversized", "more than MaxCustomClaimsBytes", map[string]any{"blob": strings.Repeat("x", signin.MaxCustomClaimsBytes)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set = tc.claims
			logs.Reset()
			w := dynamicauthtest.NewWallet(t)
			if st, body := app.TrySignIn(t, w); st != 500 || bytes.Contains(body, []byte("jwt")) {
				t.Fatalf("sign-in with claims %v: %d %s, want 500 without tokens", tc.claims, st, body)
			}
			if !strings.Contains(logs.String(), tc.logged) {
				t.Fatalf("log does not say %s:\n%s", tc.logged, logs.String())
			}
			if _, err := app.Users().FindByWallet(t.Context(), app.System, app.IDs.EnvironmentID, w.Address); err == nil {
				t.Fatal("the refused sign-in stored its user")
			}
		})
	}
	set = nil
	list, err := app.Users().ListUsers(t.Context(), app.System, app.IDs.EnvironmentID, users.ListQuery{})
	if err != nil || list.Total != 0 {
		t.Fatalf("%d users after refused sign-ins (%v)", list.Total, err)
	}
	dynamicauthtest.SignInWallet(t, app)
}

// TestOnSignInReservedClaimInOtherCase: a reserved name written in
// another case ("Sub", "EXP", "Scope") is refused too. Go's encoding/json
// matches object keys to struct fields ignoring case, and the custom
// claims follow dynamicauth's own in the payload, so the verifier and the
// SDK routes would read the custom value as the real claim (another
// user's sub, an exp past the session's, a scope without
// requiresAdditionalAuth), while a JavaScript verifier reads the real one.
func TestOnSignInReservedClaimInOtherCase(t *testing.T) {
	var set map[string]any
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) {
		c.Hooks.OnSignIn = func(ctx context.Context, s *signin.SignIn) error {
			for k, v := range set {
				s.Claims[k] = v
			}
			return nil
		}
	})
	v, err := app.Verifier(app.IDs.EnvironmentID)
	if err != nil {
		t.Fatal(err)
	}
	for _, claims := range []map[string]any{
		{"Sub": "someone-else"},
		{"EXP": 4102444800},
		{"Scope": "user:basic admin"},
		{"Environment_Id": "another"},
		{"\u017fid": "another-session"}, // a long s: encoding/json folds it to s
	} {
		set = claims
		st, body := app.TrySignIn(t, dynamicauthtest.NewWallet(t))
		if st == 500 {
			continue
		}
		var res struct{ MinifiedJWT string }
		_ = json.Unmarshal(body, &res)
		c, err := v.Verify(t.Context(), res.MinifiedJWT)
		if err != nil {
			t.Errorf("sign-in with claims %v: %d, and the Verifier refuses its token: %v", claims, st, err)
			continue
		}
		t.Errorf("sign-in with claims %v: %d, want 500; the Verifier reads sub %q, exp %d, scope %q, environment_id %q",
			claims, st, c.Sub, c.Exp, c.Scope, c.EnvironmentID)
	}
}

// marshalCounter counts how often it is marshalled.
type marshalCounter struct{ n *int }

func (m marshalCounter) MarshalJSON() ([]byte, error) {
	*m.n++
	return []byte(`true`), nil
}
