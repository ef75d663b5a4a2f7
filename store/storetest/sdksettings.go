package storetest

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/dynamicauth/dynamicauth/sdksettings"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/google/uuid"
)

// testSDKSettings: one report per environment, the latest replacing the
// previous, never read across environments; an unknown environment is
// refused; the report goes with its environment.
func testSDKSettings(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	if _, err := s.GetSDKSettings(ctx(t), e.sandbox.ID); !errors.Is(err, sdksettings.ErrNotReported) {
		t.Fatalf("no report yet: err = %v", err)
	}
	first := &sdksettings.Report{EnvironmentID: e.sandbox.ID, Settings: json.RawMessage(`{"dynamicContextProps":{"a":1}}`),
		Origin: "https://app.example", UserAgent: "ua/1", ReportedAt: c.next()}
	must(t, "PutSDKSettings", s.PutSDKSettings(ctx(t), first))
	second := &sdksettings.Report{EnvironmentID: e.sandbox.ID, Settings: json.RawMessage(`{"frameworkSettings":{"react":{"version":"18.3.1"}}}`),
		Origin: "https://other.example", UserAgent: "ua/2", ReportedAt: c.next()}
	must(t, "PutSDKSettings", s.PutSDKSettings(ctx(t), second))

	got, err := s.GetSDKSettings(ctx(t), e.sandbox.ID)
	must(t, "GetSDKSettings", err)
	var doc map[string]any
	must(t, "settings JSON", json.Unmarshal(got.Settings, &doc))
	if doc["frameworkSettings"] == nil || doc["dynamicContextProps"] != nil || got.Origin != second.Origin ||
		got.UserAgent != second.UserAgent || !got.ReportedAt.Equal(second.ReportedAt) {
		t.Fatalf("latest = %+v (%s), want the second report", got, got.Settings)
	}
	if _, err := s.GetSDKSettings(ctx(t), e.live.ID); !errors.Is(err, sdksettings.ErrNotReported) {
		t.Fatalf("live environment: err = %v", err)
	}
	err = s.PutSDKSettings(ctx(t), &sdksettings.Report{EnvironmentID: uuid.NewString(), Settings: json.RawMessage(`{}`), ReportedAt: c.next()})
	if !errors.Is(err, tenant.ErrEnvironmentNotFound) {
		t.Fatalf("unknown environment: err = %v", err)
	}
	must(t, "DeleteProject", s.DeleteProject(ctx(t), e.sandbox.ProjectID))
	if _, err := s.GetSDKSettings(ctx(t), e.sandbox.ID); !errors.Is(err, sdksettings.ErrNotReported) {
		t.Fatalf("after the project's deletion: err = %v", err)
	}
}
