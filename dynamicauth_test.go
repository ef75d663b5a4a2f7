package dynamicauth_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/analytics"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/internal/golist"
	"github.com/dynamicauth/dynamicauth/passkey/passkeytest"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/users"
)

// TestGoAPIWithoutAPIToken drives the typed services with the System
// principal only: no API token is minted to manage users from Go.
func TestGoAPIWithoutAPIToken(t *testing.T) {
	app := dynamicauthtest.New(t)
	ctx, env, p := t.Context(), app.IDs.EnvironmentID, app.System
	s := dynamicauthtest.SignInWallet(t, app)

	list, err := app.Users().ListUsers(ctx, p, env, users.ListQuery{})
	if err != nil || list.Total != 1 || len(list.Users) != 1 || list.Users[0].ID != s.UserID {
		t.Fatalf("zero ListQuery: %+v, %v", list, err)
	}
	if ws, total, err := app.Users().ListWallets(ctx, p, env, users.Page{}); err != nil || total != 1 || len(ws) != 1 {
		t.Fatalf("zero Page: %d of %d wallets, %v", len(ws), total, err)
	}
	for _, addr := range []string{s.Wallet.Address, strings.ToLower(s.Wallet.Address)} {
		u, err := app.Users().FindByWallet(ctx, p, env, addr)
		if err != nil || u.ID != s.UserID {
			t.Fatalf("FindByWallet(%s) = %v, %v", addr, u, err)
		}
	}
	if _, err := app.Users().FindByWallet(ctx, p, env, dynamicauthtest.NewWallet(t).Address); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("unknown wallet: %v, want not found", err)
	}
	u, err := app.Users().UpdateUser(ctx, p, env, s.UserID, users.ProfilePatch{Metadata: json.RawMessage(`{"plan":"pro"}`)})
	if err != nil || string(u.Metadata) != `{"plan":"pro"}` {
		t.Fatalf("metadata: %s, %v", u.Metadata, err)
	}
	sessions, err := app.Sessions().List(ctx, p, env, s.UserID)
	if err != nil || len(sessions) != 1 || sessions[0].RevokedAt != nil {
		t.Fatalf("sessions: %+v, %v", sessions, err)
	}
	if err := app.Sessions().Revoke(ctx, p, sessions[0].ID); err != nil {
		t.Fatal(err)
	}
	if sessions, _ = app.Sessions().List(ctx, p, env, s.UserID); sessions[0].RevokedAt == nil {
		t.Fatal("session not revoked")
	}
	tok, raw, err := app.Tenants().CreateToken(ctx, p, env, "made at start-up", nil)
	if err != nil || raw == "" || tok.CreatedBy.Role != "owner" {
		t.Fatalf("CreateToken as System: %+v, %v", tok, err)
	}
	if st, _ := app.Do(t, "GET", "/api/v0/environments/"+env+"/users", raw, nil); st != 200 {
		t.Fatalf("the token made from Go is refused: %d", st)
	}
	other := dynamicauth.System("00000000-0000-0000-0000-000000000000")
	if _, err := app.Users().ListUsers(ctx, other, env, users.ListQuery{}); !errs.Is(err, errs.KindForbidden) {
		t.Fatalf("System of another organization reaches this one: %v", err)
	}
}

func TestListQueryRefusesUnknownOrder(t *testing.T) {
	app := dynamicauthtest.New(t)
	q := users.ListQuery{Order: users.Order{Field: "password"}}
	if _, err := app.Users().ListUsers(t.Context(), app.System, app.IDs.EnvironmentID, q); !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("order by an unknown field: %v, want invalid", err)
	}
	q = users.ListQuery{Page: users.Page{Limit: 100000}}
	if _, err := app.Users().ListUsers(t.Context(), app.System, app.IDs.EnvironmentID, q); !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("huge page: %v, want invalid", err)
	}
}

// TestBootstrapMintsOneToken: calling Bootstrap on every start seeds once
// and never adds a token.
func TestBootstrapMintsOneToken(t *testing.T) {
	app := dynamicauthtest.New(t)
	for range 3 {
		ids, token, err := app.Bootstrap(t.Context())
		if err != nil || token != "" || *ids != *app.IDs {
			t.Fatalf("Bootstrap on a seeded store: %+v %q %v", ids, token, err)
		}
	}
	toks, err := app.Tenants().ListTokens(t.Context(), app.System, app.IDs.EnvironmentID)
	if err != nil || len(toks) != 1 {
		t.Fatalf("%d tokens, want the seed's one (%v)", len(toks), err)
	}
}

func TestBeforeSignInRefuses(t *testing.T) {
	var refuse error
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) {
		c.Hooks.BeforeSignIn = func(ctx context.Context, a *signin.Attempt) error {
			if a.EnvironmentID == "" || a.Credential.Format != "blockchain" || a.Credential.Address == "" {
				t.Errorf("attempt %+v", a)
			}
			return refuse
		}
	})
	cases := []struct {
		err    error
		status int
		code   string
	}{
		{signin.Refuse("sign-ups are closed"), 403, ""},
		{signin.RefuseWithCode("user_not_allowed", "not on the list"), 422, "user_not_allowed"},
		{errors.New("allowlist service down"), 500, ""},
	}
	for _, c := range cases {
		refuse = c.err
		st, body := app.TrySignIn(t, dynamicauthtest.NewWallet(t))
		var b struct{ Code string }
		json.Unmarshal(body, &b)
		if st != c.status || b.Code != c.code {
			t.Errorf("hook error %v: %d %s, want %d code %q", c.err, st, body, c.status, c.code)
		}
	}
	list, err := app.Users().ListUsers(t.Context(), app.System, app.IDs.EnvironmentID, users.ListQuery{})
	if err != nil || list.Total != 0 {
		t.Fatalf("refused sign-ins wrote %d users (%v)", list.Total, err)
	}
	refuse = nil
	dynamicauthtest.SignInWallet(t, app)
}

// TestAfterChangeSeesCommittedChanges: the hook hears every change, from
// HTTP and from Go, and its failure undoes nothing.
func TestAfterChangeSeesCommittedChanges(t *testing.T) {
	var mu sync.Mutex
	var got []dynamicauth.Change
	var logs syncBuffer
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		c.Hooks.AfterChange = func(ctx context.Context, ch dynamicauth.Change) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, ch)
			return errors.New("the hook fails every time")
		}
	})
	ctx, env, p := t.Context(), app.IDs.EnvironmentID, app.System
	s := dynamicauthtest.SignInWallet(t, app)
	if _, err := app.Users().UpdateUser(ctx, p, env, s.UserID, users.ProfilePatch{Metadata: json.RawMessage(`{"a":1}`)}); err != nil {
		t.Fatal(err)
	}
	if err := app.Sessions().RevokeAll(ctx, p, env, s.UserID); err != nil {
		t.Fatal(err)
	}
	if st, body := app.Do(t, "DELETE", "/api/v0/users/"+s.UserID, app.OwnerToken, nil); st != 204 && st != 200 {
		t.Fatalf("delete over HTTP: %d %s", st, body)
	}
	want := []dynamicauth.ChangeKind{dynamicauth.UserCreated, dynamicauth.CredentialLinked, dynamicauth.SessionCreated, dynamicauth.UserUpdated,
		dynamicauth.SessionRevoked, dynamicauth.UserDeleted}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("changes %+v, want kinds %v", got, want)
	}
	for i, c := range got {
		if c.Kind != want[i] || c.UserID != s.UserID || c.EnvironmentID != env {
			t.Errorf("change %d = %+v, want %s of user %s in %s", i, c, want[i], s.UserID, env)
		}
	}
	if got[2].SessionID == "" || got[2].CredentialID == "" {
		t.Errorf("sign-in change without session or credential: %+v", got[2])
	}
	if got[5].User == nil || string(got[5].User.Metadata) != `{"a":1}` {
		t.Errorf("deleted user's last state: %+v", got[5].User)
	}
	if _, err := app.Users().FindByWallet(ctx, p, env, s.Wallet.Address); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("the delete was undone by the failing hook: %v", err)
	}
	if n := strings.Count(logs.String(), "AfterChange hook failed"); n != len(want) {
		t.Errorf("%d failures logged, want %d:\n%s", n, len(want), logs.String())
	}
}

// TestAfterChangeHearsMerges: merging an account into the signed-in one
// reports the credentials it brings as linked, the user who stays as
// updated and the merged-away user as deleted, so an application
// mirroring users drops it.
func TestAfterChangeHearsMerges(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, ":memory:", sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var mu sync.Mutex
	var got []dynamicauth.Change
	auth, err := dynamicauth.New(dynamicauth.Config{Store: st, MasterSecret: make([]byte, 32),
		Hooks: dynamicauth.Hooks{AfterChange: func(ctx context.Context, c dynamicauth.Change) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, c)
			return nil
		}}})
	if err != nil {
		t.Fatal(err)
	}
	app := dynamicauthtest.Wrap(t, auth)
	env := app.IDs.EnvironmentID
	stays, goes := dynamicauthtest.SignInWallet(t, app), dynamicauthtest.SignInWallet(t, app)
	for i, id := range []string{stays.UserID, goes.UserID} {
		now := time.Now().UTC().Truncate(time.Millisecond)
		if err := st.AddCredential(ctx, &users.Credential{ID: ids.New(), UserID: id, EnvironmentID: env, Format: users.FormatEmail,
			Address: []string{"shared@example.com", "Shared@Example.com"}[i], PublicIdentifier: "shared@example.com",
			SignInEnabled: true, VerifiedAt: now, CreatedAt: now}, now); err != nil {
			t.Fatal(err)
		}
	}
	goer, err := st.GetUser(ctx, goes.UserID)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got = nil
	mu.Unlock()
	if status, body := app.Do(t, "POST", "/api/v0/sdk/"+env+"/users/merge", stays.JWT, nil); status != 200 {
		t.Fatalf("merge: %d %s", status, body)
	}
	mu.Lock()
	defer mu.Unlock()
	var linked []string
	var updated, deleted bool
	for _, c := range got {
		switch {
		case c.Kind == dynamicauth.CredentialLinked && c.UserID == stays.UserID:
			linked = append(linked, c.CredentialID)
		case c.Kind == dynamicauth.UserUpdated && c.UserID == stays.UserID:
			updated = true
		case c.Kind == dynamicauth.UserDeleted && c.UserID == goes.UserID && c.EnvironmentID == env && c.User != nil:
			deleted = true
		default:
			t.Errorf("unexpected change %+v", c)
		}
	}
	if !updated || !deleted || len(linked) != len(goer.Credentials) {
		t.Fatalf("merge reported updated=%v deleted=%v linked=%v; want the %d credentials of %s: %+v",
			updated, deleted, linked, len(goer.Credentials), goes.UserID, got)
	}
	for _, c := range goer.Credentials {
		if !slices.Contains(linked, c.ID) {
			t.Errorf("credential %s of the merged user not reported linked", c.ID)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestStartClose(t *testing.T) {
	app := dynamicauthtest.New(t)
	if err := app.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := app.Start(t.Context()); err == nil {
		t.Fatal("second Start accepted")
	}
	if err := app.Close(); err != nil {
		t.Fatal(err)
	}
	if err := app.Close(); err != nil {
		t.Fatal(err)
	}
	if err := app.Start(t.Context()); err != nil {
		t.Fatalf("Start after Close: %v", err)
	}
	app.Close()
}

func TestUserOfVerifiedToken(t *testing.T) {
	app := dynamicauthtest.New(t)
	v, err := app.Verifier(app.IDs.EnvironmentID)
	if err != nil {
		t.Fatal(err)
	}
	s := dynamicauthtest.SignInWallet(t, app)
	claims, err := v.Verify(t.Context(), s.MinifiedJWT)
	if err != nil {
		t.Fatal(err)
	}
	u, err := app.UserOf(t.Context(), claims)
	if err != nil || u.ID != s.UserID || u.PrimaryWallet() == nil || u.PrimaryWallet().PublicIdentifier != s.Wallet.Address {
		t.Fatalf("UserOf: %+v, %v", u, err)
	}
	other, err := app.Verifier(app.IDs.LiveEnvironmentID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Verify(t.Context(), s.MinifiedJWT); err == nil {
		t.Fatal("the live environment's verifier accepts a sandbox token")
	}
}

// TestVerifierSeesEveryRotation: the in-process verifier reads this
// server's own keys, so a token signed with a key rotated in a moment ago
// is accepted at once, however often the keys rotate (no JWKS fetch to
// rate-limit).
func TestVerifierSeesEveryRotation(t *testing.T) {
	app := dynamicauthtest.New(t)
	ctx, env := t.Context(), app.IDs.EnvironmentID
	v, err := app.Verifier(env)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		s := dynamicauthtest.SignInWallet(t, app)
		if _, err := v.Verify(ctx, s.MinifiedJWT); err != nil {
			t.Fatalf("token after %d rotations: %v", i, err)
		}
		if _, err := app.RotateSigningKey(ctx, env); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAnalyticsZeroRange: analytics.Range{} from Go is the 30 days to
// Config.Now, and the legacy reports over HTTP default on the same clock.
func TestAnalyticsZeroRange(t *testing.T) {
	at := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) { c.Now = func() time.Time { return at } })
	ctx, env := t.Context(), app.IDs.EnvironmentID
	dynamicauthtest.SignInWallet(t, app)
	tot, err := app.Analytics().Topline(ctx, app.System, env, analytics.Range{})
	if err != nil || tot.SessionsInRange != 1 || tot.UsersInRange != 1 {
		t.Fatalf("Topline(Range{}): %+v, %v; want the sign-in in range", tot, err)
	}
	tot, err = app.Analytics().Topline(ctx, app.System, env, analytics.Range{End: at.Add(-time.Hour)})
	if err != nil || tot.SessionsInRange != 0 || tot.Sessions != 1 {
		t.Fatalf("Topline(30 days to an hour ago): %+v, %v", tot, err)
	}
	st, body := app.Do(t, "GET", "/api/v0/environments/"+env+"/analytics/wallets", app.OwnerToken, nil)
	if st != 200 || !strings.Contains(string(body), "metamask") {
		t.Fatalf("legacy wallets report without dates: %d %s; want the wallet signed in at Config.Now", st, body)
	}
}

// TestRootLinksNoDriver keeps the driver choice with the application: the
// facade must not link SQLite into an app that runs on PostgreSQL.
func TestRootLinksNoDriver(t *testing.T) {
	golist.Forbid(t, "modernc.org/sqlite", "github.com/jackc/pgx")
}

// TestOnSignInMetadataInTokens: metadata an OnSignIn hook sets is stored
// with the sign-in and is in the very tokens that sign-in returns; its
// refusal undoes the sign-in.
func TestOnSignInMetadataInTokens(t *testing.T) {
	var refuse bool
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) {
		c.Hooks.OnSignIn = func(ctx context.Context, s *signin.SignIn) error {
			if refuse {
				return signin.Refuse("closed for maintenance")
			}
			n, _ := s.Metadata["signIns"].(float64)
			s.Metadata["signIns"] = n + 1
			s.Metadata["firstWallet"] = s.Credential.PublicIdentifier
			if !s.NewUser && s.User.ID == "" {
				t.Error("returning user without id")
			}
			return nil
		}
	})
	w := dynamicauthtest.NewWallet(t)
	for i := 1; i <= 2; i++ {
		s := app.SignIn(t, w)
		var claims struct{ Metadata map[string]any }
		if err := json.Unmarshal(jwtPayload(t, s.JWT), &claims); err != nil {
			t.Fatal(err)
		}
		if claims.Metadata["signIns"] != float64(i) || claims.Metadata["firstWallet"] != w.Address {
			t.Fatalf("sign-in %d: token metadata %v", i, claims.Metadata)
		}
		u, err := app.Users().FindByWallet(t.Context(), app.System, app.IDs.EnvironmentID, w.Address)
		if err != nil || !strings.Contains(string(u.Metadata), fmt.Sprintf(`"signIns":%d`, i)) {
			t.Fatalf("sign-in %d: stored metadata %s (%v)", i, u.Metadata, err)
		}
	}
	refuse = true
	if st, body := app.TrySignIn(t, dynamicauthtest.NewWallet(t)); st != 403 {
		t.Fatalf("refused in the transaction: %d %s", st, body)
	}
	list, err := app.Users().ListUsers(t.Context(), app.System, app.IDs.EnvironmentID, users.ListQuery{})
	if err != nil || list.Total != 1 {
		t.Fatalf("%d users after a refusal inside the transaction, want 1 (%v)", list.Total, err)
	}
}

func jwtPayload(t *testing.T, jwt string) []byte {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPanickingHookFailsOneSignIn: a hook that panics inside the sign-in
// transaction (on SQLite, the shared writer) fails that sign-in with a
// 500 and leaves the server serving.
func TestPanickingHookFailsOneSignIn(t *testing.T) {
	var panicking bool
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) {
		c.Hooks.OnSignIn = func(ctx context.Context, s *signin.SignIn) error {
			if panicking {
				panic("bug in the app")
			}
			return nil
		}
	})
	panicking = true
	if st, body := app.TrySignIn(t, dynamicauthtest.NewWallet(t)); st != 500 {
		t.Fatalf("panicking hook: %d %s, want 500", st, body)
	}
	panicking = false
	dynamicauthtest.SignInWallet(t, app)
}

func TestAfterChangeHearsPasskeys(t *testing.T) {
	var mu sync.Mutex
	var got []dynamicauth.Change
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) {
		c.Hooks.AfterChange = func(ctx context.Context, ch dynamicauth.Change) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, ch)
			return nil
		}
	})
	ctx, env := t.Context(), app.IDs.EnvironmentID
	s := dynamicauthtest.SignInWallet(t, app)
	u, _, err := app.Users().GetUser(ctx, app.System, env, s.UserID)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := app.Passkeys().BeginRegistration(ctx, env, u, "http://localhost:3000", "")
	if err != nil {
		t.Fatal(err)
	}
	a, err := passkeytest.New("localhost", "http://localhost:3000")
	if err != nil {
		t.Fatal(err)
	}
	body, err := a.Create(base64.RawURLEncoding.EncodeToString(opts.Challenge), "clientDataJson")
	if err != nil {
		t.Fatal(err)
	}
	p, err := app.Passkeys().FinishRegistration(ctx, env, u, body, "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Passkeys().Delete(ctx, u.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	last := got[len(got)-2:]
	if last[0].Kind != dynamicauth.CredentialLinked || last[1].Kind != dynamicauth.CredentialUnlinked ||
		last[0].CredentialID == "" || last[0].CredentialID != last[1].CredentialID || last[1].UserID != u.ID {
		t.Fatalf("passkey changes %+v", last)
	}
}
