package dynamicauth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/users"
)

// TestServicesFromGo drives the facade's service accessors an
// application embeds (the ones no other test reaches from Go): each
// answers from the same store as the REST API, on both backends.
func TestServicesFromGo(t *testing.T) {
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env, p := t.Context(), app.IDs.EnvironmentID, app.System
		s := dynamicauthtest.SignInWallet(t, app)

		if seeded, err := app.Seeded(ctx); err != nil || !seeded {
			t.Fatalf("Seeded = %v, %v", seeded, err)
		}

		// Keys: the session's tokens carry the environment's active key,
		// which its JWKS publishes.
		key, err := app.Keys().Active(ctx, env)
		if err != nil {
			t.Fatal(err)
		}
		if kid := jwtKid(t, s.MinifiedJWT); kid != key.ID {
			t.Fatalf("token kid %q, active key %q", kid, key.ID)
		}
		set, err := app.Keys().JWKS(ctx, env)
		if err != nil || len(set.Key(key.ID)) != 1 {
			t.Fatalf("JWKS lacks the active key %s: %v", key.ID, err)
		}

		// Access: an allowlist made from Go is the environment's; the
		// sanctions screening switches on.
		if lists, err := app.Access().Allowlists(ctx, env); err != nil || len(lists) != 0 {
			t.Fatalf("allowlists before: %v, %v", lists, err)
		}
		l, err := app.Access().CreateAllowlist(ctx, env, "partners", "", access.OutcomeSiteAccess)
		if err != nil {
			t.Fatal(err)
		}
		if lists, err := app.Access().Allowlists(ctx, env); err != nil || len(lists) != 1 || lists[0].ID != l.ID {
			t.Fatalf("allowlists after: %v, %v", lists, err)
		}
		if err := app.Access().SetScreening(ctx, env, true); err != nil {
			t.Fatal(err)
		}
		if sc, err := app.Access().Screening(ctx, env); err != nil || !sc.Enabled {
			t.Fatalf("screening: %+v, %v", sc, err)
		}

		// CustomFields: a field made from Go is listed; one of another
		// organization's principal is refused.
		f, err := app.CustomFields().CreateCustomField(ctx, p, env, users.FieldInput{Name: "team", Enabled: true, Type: "text"})
		if err != nil {
			t.Fatal(err)
		}
		if fs, err := app.CustomFields().ListCustomFields(ctx, p, env); err != nil || len(fs) != 1 || fs[0].ID != f.ID {
			t.Fatalf("fields: %v, %v", fs, err)
		}
		other := dynamicauth.System("00000000-0000-0000-0000-000000000000")
		if _, err := app.CustomFields().GetCustomField(ctx, other, f.ID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("another organization's principal reads the field: %v", err)
		}

		// MFA: a wallet user has no device; OAuthAccounts: no account.
		if ds, err := app.MFA().Devices(ctx, s.UserID); err != nil || len(ds) != 0 {
			t.Fatalf("devices: %v, %v", ds, err)
		}
		if _, err := app.OAuthAccounts().UserAccessToken(ctx, env, s.UserID, "00000000-0000-0000-0000-000000000001"); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("access token of no account: %v", err)
		}

		// Networks and chain tokens, as the SDK reads them.
		chains, err := app.Networks().List(ctx, env)
		if err != nil || len(chains) == 0 {
			t.Fatalf("networks: %v, %v", chains, err)
		}
		names := make([]string, 0, len(chains))
		for _, c := range chains {
			names = append(names, c.ChainName)
		}
		if !strings.Contains(strings.Join(names, ","), "evm") {
			t.Fatalf("no EVM networks: %v", names)
		}
		if toks, err := app.ChainTokens("EVM", nil); err != nil || len(toks) == 0 {
			t.Fatalf("EVM tokens: %d, %v", len(toks), err)
		}
		if _, err := app.ChainTokens("NOT-A-CHAIN", nil); err == nil {
			t.Fatal("tokens of an unknown chain")
		}
	}, func(c *dynamicauth.Config) { c.Access.Screener = listedNobody{} })
}

// listedNobody is a sanctions list with no address on it.
type listedNobody struct{}

func (listedNobody) Sanctioned(context.Context, string, string) (bool, error) { return false, nil }

// jwtKid reads the kid of a compact JWS's header.
func jwtKid(t *testing.T, jwt string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.SplitN(jwt, ".", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ Kid string }
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h.Kid
}
