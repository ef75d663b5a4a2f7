package dynamicauth_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/users"
)

// TestTextPostgreSQLCannotStore: the HTTP API refuses U+0000 before any
// store sees it; from Go it reaches the store. PostgreSQL keeps no U+0000
// in text nor \u0000 in jsonb: there the Go API's answer is an invalid-input
// error with nothing written (it was an internal error, a 500 behind an
// application's own route). SQLite stores such text as it is.
func TestTextPostgreSQLCannotStore(t *testing.T) {
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env, p := t.Context(), app.IDs.EnvironmentID, app.System
		postgres := strings.HasSuffix(t.Name(), "/postgres") // onBothBackends' subtest
		check := func(what string, err error) {
			t.Helper()
			switch {
			case postgres && !errs.Is(err, errs.KindInvalid):
				t.Fatalf("%s on PostgreSQL: %v (kind %v), want an invalid-input error", what, err, errs.KindOf(err))
			case !postgres && err != nil:
				t.Fatalf("%s on SQLite: %v", what, err)
			}
		}

		before, err := app.Tenants().ListProjects(ctx, p, app.IDs.OrganizationID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = app.Tenants().CreateProject(ctx, p, app.IDs.OrganizationID, "nul\x00project")
		check("a project named with U+0000", err)
		after, err := app.Tenants().ListProjects(ctx, p, app.IDs.OrganizationID)
		if err != nil {
			t.Fatal(err)
		}
		want := len(before) + 1
		if postgres {
			want = len(before)
		}
		if len(after) != want {
			t.Fatalf("%d projects after, want %d", len(after), want)
		}

		alias := "nul\x00alias"
		_, err = app.Users().CreateUser(ctx, p, env, users.NewUser{Email: "text@example.com", Profile: users.ProfilePatch{Alias: &alias}})
		check("a user's alias with U+0000", err)
		if _, err := app.Users().FindByEmail(ctx, p, env, "text@example.com"); postgres && !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("the refused user was written: %v", err)
		}

		u, err := app.Users().CreateUser(ctx, p, env, users.NewUser{Email: "meta@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		meta, _ := json.Marshal(map[string]string{"note": "a\x00b"}) // {"note":"a\u0000b"}
		_, err = app.Users().UpdateUser(ctx, p, env, u.ID, users.ProfilePatch{Metadata: meta})
		check("metadata holding \\u0000", err)
		got, _, err := app.Users().GetUser(ctx, p, env, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if postgres && string(got.Metadata) != "{}" && len(got.Metadata) != 0 {
			t.Fatalf("refused metadata written: %s", got.Metadata)
		}
	})
}
