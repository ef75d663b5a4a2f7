package dynamicauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/sdksettings"
)

// The widget's POST sdkSettings is kept as the environment's latest report
// and read back from Go; bad reports change nothing.
func TestSDKSettingsReportReadFromGo(t *testing.T) {
	app := dynamicauthtest.New(t)
	env := app.IDs.EnvironmentID
	path := "/api/v0/sdk/" + env + "/sdkSettings"
	ctx := context.Background()
	if _, err := app.SDKSettings().Latest(ctx, env); !errors.Is(err, sdksettings.ErrNotReported) {
		t.Fatalf("before any report: %v", err)
	}
	report := map[string]any{
		"dynamicContextProps": map[string]any{"settings": map[string]any{"environmentId": env, "walletConnectors": []any{"EthereumWalletConnectors"}}},
		"frameworkSettings":   map[string]any{"react": map[string]any{"version": "18.3.1"}},
	}
	if code, body := app.Do(t, http.MethodPost, path, "", report); code != http.StatusNoContent {
		t.Fatalf("report: %d %s", code, body)
	}
	for _, bad := range []any{
		map[string]any{"dynamicContextProps": "not an object"},
		map[string]any{"frameworkSettings": map[string]any{"react": 3}},
		map[string]any{"dynamicContextProps": map[string]any{"big": strings.Repeat("x", sdksettings.MaxBytes)}},
	} {
		if code, body := app.Do(t, http.MethodPost, path, "", bad); code != http.StatusBadRequest {
			t.Errorf("bad report %.80v: %d %s", bad, code, body)
		}
	}
	if code, _ := app.Do(t, http.MethodPost, "/api/v0/sdk/7c4b2f9e-3d1a-4c5b-9e8f-0a1b2c3d4e5f/sdkSettings", "", report); code != http.StatusNotFound {
		t.Errorf("unknown environment: %d", code)
	}
	got, err := app.SDKSettings().Latest(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(got.Settings, &doc); err != nil || doc["frameworkSettings"] == nil {
		t.Fatalf("latest = %s (%v)", got.Settings, err)
	}
	if got.Origin != app.Origin || got.ReportedAt.IsZero() {
		t.Fatalf("latest = %+v", got)
	}
}
