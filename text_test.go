package dynamicauth_test

import (
	"encoding/json"
	"testing"

	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/users"
)

// TestTextNeitherBackendStores: the HTTP API refuses U+0000 before any
// store sees it; from Go it reaches the store. PostgreSQL keeps no U+0000
// in text nor \u0000 in jsonb, nor bytes that are not UTF-8, and SQLite,
// which would, refuses them too: on both the Go API's answer is an
// invalid-input error with nothing written. A JSON string holding the
// characters \u0000 (an escaped backslash) is stored by both.
func TestTextNeitherBackendStores(t *testing.T) {
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env, p := t.Context(), app.IDs.EnvironmentID, app.System
		check := func(what string, err error) {
			t.Helper()
			if !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("%s: %v (kind %v), want an invalid-input error", what, err, errs.KindOf(err))
			}
		}

		before, err := app.Tenants().ListProjects(ctx, p, app.IDs.OrganizationID)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"nul\x00project", "latin1 caf\xe9"} {
			_, err = app.Tenants().CreateProject(ctx, p, app.IDs.OrganizationID, name)
			check("a project named "+name, err)
		}
		after, err := app.Tenants().ListProjects(ctx, p, app.IDs.OrganizationID)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before) {
			t.Fatalf("%d projects after, want %d", len(after), len(before))
		}

		alias := "nul\x00alias"
		_, err = app.Users().CreateUser(ctx, p, env, users.NewUser{Email: "text@example.com", Profile: users.ProfilePatch{Alias: &alias}})
		check("a user's alias with U+0000", err)
		if _, err := app.Users().FindByEmail(ctx, p, env, "text@example.com"); !errs.Is(err, errs.KindNotFound) {
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
		if string(got.Metadata) != "{}" && len(got.Metadata) != 0 {
			t.Fatalf("refused metadata written: %s", got.Metadata)
		}

		literal, _ := json.Marshal(map[string]string{"note": `a\u0000b`}) // {"note":"a\\u0000b"}
		if _, err := app.Users().UpdateUser(ctx, p, env, u.ID, users.ProfilePatch{Metadata: literal}); err != nil {
			t.Fatalf("metadata holding the characters \\u0000: %v", err)
		}
		got, _, err = app.Users().GetUser(ctx, p, env, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(got.Metadata, &m); err != nil || m["note"] != `a\u0000b` {
			t.Fatalf("metadata read back: %s (%v)", got.Metadata, err)
		}
	})
}
