package tenant

import (
	"context"
	"errors"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
)

type envMap map[string]*Environment

func (m envMap) GetEnvironment(_ context.Context, id string) (*Environment, error) {
	if e, ok := m[id]; ok {
		return e, nil
	}
	return nil, errs.NotFound("environment_not_found", "environment not found")
}

// A record found by its id alone answers notFound whenever its
// environment is out of the caller's sight (another tenant's, or gone),
// and the scope's refusal once it is in sight.
func TestReachRecord(t *testing.T) {
	envs := envMap{"env-a": {ID: "env-a", OrganizationID: "org-a"}, "env-b": {ID: "env-b", OrganizationID: "org-b"}}
	reader := &Principal{Token: Token{EnvironmentID: "env-a", ProjectID: "p", OrganizationID: "org-a",
		Scopes: []Scope{ScopeUsersRead}}, Memberships: map[string]Role{"org-a": RoleOwner}}
	notFound := errs.NotFound("thing_not_found", "thing not found")
	cases := []struct {
		name  string
		envID string
		acc   Access
		want  error     // exactly this error, or
		kind  errs.Kind // this kind (KindInternal: allowed)
	}{
		{"own environment, granted scope", "env-a", Read, nil, errs.KindInternal},
		{"own environment, scope not granted", "env-a", Write, nil, errs.KindForbidden},
		{"another tenant's environment", "env-b", Read, notFound, 0},
		{"a deleted environment", "env-gone", Read, notFound, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ReachRecord(context.Background(), envs, reader, tc.envID, tc.acc.Users(), notFound)
			switch {
			case tc.want != nil:
				if !errors.Is(err, tc.want) {
					t.Fatalf("want %v, got %v", tc.want, err)
				}
			case tc.kind == errs.KindInternal:
				if err != nil {
					t.Fatalf("want allowed, got %v", err)
				}
			case !errs.Is(err, tc.kind) || errors.Is(err, notFound):
				t.Fatalf("want kind %v, got %v", tc.kind, err)
			}
		})
	}
	// UseEnvironment, for a path's environment, tells the refusal as it is.
	if _, err := UseEnvironment(context.Background(), envs, reader, "env-b", ScopeUsersRead); !errs.Is(err, errs.KindForbidden) {
		t.Fatalf("another tenant's path environment: want forbidden, got %v", err)
	}
	if env, err := UseEnvironment(context.Background(), envs, reader, "env-a", Read.Users()); err != nil || env.ID != "env-a" {
		t.Fatalf("own environment: %v, %v", env, err)
	}
}

func TestAccessScopes(t *testing.T) {
	for _, tc := range []struct{ got, want Scope }{
		{Read.Users(), ScopeUsersRead}, {Write.Users(), ScopeUsersWrite},
		{Read.Settings(), ScopeSettingsRead}, {Write.Settings(), ScopeSettingsWrite},
		{Read.Webhooks(), ScopeWebhooksRead}, {Write.Webhooks(), ScopeWebhooksWrite},
	} {
		if tc.got != tc.want {
			t.Fatalf("got %s, want %s", tc.got, tc.want)
		}
	}
}
