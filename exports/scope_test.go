package exports_test

import (
	"context"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/exports"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// TestEventsExportNeedsEventsScope: an events export is the Events API's
// data; a token that may read users but not events neither queues one
// nor reads, lists or downloads one an operator made (dynamicauth export
// --model events), which every users.read token could before.
func TestEventsExportNeedsEventsScope(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ev, err := f.app.Exports().Create(ctx, f.app.System, f.env, exports.Input{Format: exports.FormatCSV, Model: exports.ModelEvents})
	if err != nil {
		t.Fatal(err)
	}
	users, err := f.app.Exports().Create(ctx, f.app.System, f.env, exports.Input{Format: exports.FormatCSV, Model: exports.ModelUsers})
	if err != nil {
		t.Fatal(err)
	}
	f.run(t, 1024)
	org := f.app.IDs.OrganizationID
	usersOnly := &tenant.Principal{Token: tenant.Token{EnvironmentID: f.env, OrganizationID: org,
		Scopes: []tenant.Scope{tenant.ScopeUsersRead}}, Memberships: map[string]tenant.Role{org: tenant.RoleOwner}}
	both := &tenant.Principal{Token: tenant.Token{EnvironmentID: f.env, OrganizationID: org,
		Scopes: []tenant.Scope{tenant.ScopeUsersRead, tenant.ScopeEventsRead}}, Memberships: map[string]tenant.Role{org: tenant.RoleOwner}}

	if _, err := f.app.Exports().Get(ctx, usersOnly, f.env, users.ID); err != nil {
		t.Fatalf("users export with users.read: %v", err)
	}
	if _, err := f.app.Exports().Get(ctx, usersOnly, f.env, ev.ID); !errs.Is(err, errs.KindForbidden) {
		t.Errorf("Get of an events export without events.read: %v, want forbidden", err)
	}
	if _, _, err := f.app.Exports().Open(ctx, usersOnly, f.env, ev.ID); !errs.Is(err, errs.KindForbidden) {
		t.Errorf("Open of an events export without events.read: %v, want forbidden", err)
	}
	if _, err := f.app.Exports().Create(ctx, usersOnly, f.env, exports.Input{Format: exports.FormatCSV, Model: exports.ModelEvents}); !errs.Is(err, errs.KindForbidden) {
		t.Errorf("Create of an events export without events.read: %v, want forbidden", err)
	}
	list, err := f.app.Exports().List(ctx, usersOnly, f.env, "")
	if err != nil || len(list) != 1 || list[0].ID != users.ID {
		t.Errorf("List without events.read: %+v, %v; want the users export alone", list, err)
	}
	if _, err := f.app.Exports().List(ctx, usersOnly, f.env, exports.ModelEvents); !errs.Is(err, errs.KindForbidden) {
		t.Errorf("List of events exports without events.read: %v, want forbidden", err)
	}
	if _, _, err := f.app.Exports().Open(ctx, both, f.env, ev.ID); err != nil {
		t.Errorf("Open with users.read and events.read: %v", err)
	}
	if list, err := f.app.Exports().List(ctx, both, f.env, ""); err != nil || len(list) != 2 {
		t.Errorf("List with both scopes: %d exports, %v; want 2", len(list), err)
	}
}
