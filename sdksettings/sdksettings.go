// Package sdksettings keeps what Dynamic's SDKs report of their own
// configuration (POST /sdk/{env}/sdkSettings: the props the app gave
// DynamicContextProvider, its wagmi settings, the framework): the latest
// report per environment, for operators who want to know how the apps on
// an environment are set up. The widget reports on every page load, so a
// report identical to the last one stored is not written again for an
// hour.
package sdksettings

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"sync"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
)

// ErrNotReported is an environment whose SDKs have not reported yet.
var ErrNotReported = errs.NotFound("sdk_settings_not_found", "no SDK has reported its settings for this environment")

// MaxBytes caps a report: the props of a React provider, not a dump.
const MaxBytes = 64 << 10

// Report is the latest SdkSettingsRequest an environment's SDK sent.
type Report struct {
	EnvironmentID string
	// Settings is the SdkSettingsRequest as sent (dynamicContextProps,
	// dynamicWagmiSettings, frameworkSettings).
	Settings json.RawMessage
	// Origin and UserAgent are the reporting browser's headers (truncated).
	Origin     string
	UserAgent  string
	ReportedAt time.Time
}

// Store keeps one report per environment.
type Store interface {
	// PutSDKSettings replaces the environment's report; an unknown
	// environment is tenant.ErrEnvironmentNotFound.
	PutSDKSettings(ctx context.Context, r *Report) error
	// GetSDKSettings returns the environment's report or ErrNotReported.
	GetSDKSettings(ctx context.Context, envID string) (*Report, error)
}

// Service records and reads reports.
type Service struct {
	store Store
	now   func() time.Time

	mu   sync.Mutex
	last map[string]written // per environment: what this process last stored
}

type written struct {
	sum [32]byte
	at  time.Time
}

// rewriteAfter is how long an unchanged report is not written again.
const rewriteAfter = time.Hour

// New builds the service; now nil means time.Now.
func New(store Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, now: now, last: map[string]written{}}
}

// Log stores an SDK's report as its environment's latest. The caller has
// checked settings against the contract's SdkSettingsRequest.
func (s *Service) Log(ctx context.Context, envID string, settings json.RawMessage, origin, userAgent string) error {
	if len(settings) > MaxBytes {
		return errs.Invalid("body: larger than %d bytes", MaxBytes)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(settings, &doc); err != nil || doc == nil {
		return errs.Invalid("body: must be a JSON object")
	}
	r := &Report{EnvironmentID: envID, Settings: settings, Origin: clip(origin, 512), UserAgent: clip(userAgent, 512),
		ReportedAt: s.now().UTC()}
	h := sha256.New()
	for _, part := range []string{envID, string(settings), r.Origin, r.UserAgent} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	s.mu.Lock()
	prev, ok := s.last[envID]
	s.mu.Unlock()
	if ok && prev.sum == sum && r.ReportedAt.Sub(prev.at) < rewriteAfter {
		return nil
	}
	if err := s.store.PutSDKSettings(ctx, r); err != nil {
		return err
	}
	s.mu.Lock()
	if len(s.last) > 10_000 { // bounded: forget rather than grow
		s.last = map[string]written{}
	}
	s.last[envID] = written{sum: sum, at: r.ReportedAt}
	s.mu.Unlock()
	return nil
}

// Latest returns the environment's latest report, or ErrNotReported.
func (s *Service) Latest(ctx context.Context, envID string) (*Report, error) {
	return s.store.GetSDKSettings(ctx, envID)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 { // do not cut a UTF-8 sequence
		n--
	}
	return s[:n]
}
