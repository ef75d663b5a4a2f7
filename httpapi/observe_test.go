package httpapi_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/metrics"
	"github.com/dynamicauth/dynamicauth/ratelimit"
)

// TestMetricsNameRoutesAnsweredBeforeDispatch: a sign-in refused by the
// rate limits never reaches the mux, and is still counted under its route
// and as a rate-limited wallet sign-in.
func TestMetricsNameRoutesAnsweredBeforeDispatch(t *testing.T) {
	m := metrics.New()
	h := newHarnessWith(t, "sqlite", func(c *dynamicauth.Config) {
		c.Metrics = m
		policy := ratelimit.DefaultPolicy()
		policy.SignIn = ratelimit.Rule{Burst: 1, Per: time.Hour}
		c.RateLimits = &policy
	})
	verify := "/sdk/" + h.ids.EnvironmentID + "/verify"
	if st, _ := h.do(t, "POST", verify, "", map[string]any{"messageToSign": "x", "signedMessage": "0x"}); st/100 != 4 || st == 429 {
		t.Fatalf("first sign-in: %d, want a refusal of its proof", st)
	}
	if st, _ := h.do(t, "POST", verify, "", map[string]any{"messageToSign": "x", "signedMessage": "0x"}); st != 429 {
		t.Fatalf("second sign-in: %d, want 429", st)
	}
	rec := httptest.NewRecorder()
	m.Handler(false).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`dynamicauth_signins_total{method="wallet",outcome="rate_limited"} 1`,
		`dynamicauth_http_requests_total{method="POST",route="/api/v0/sdk/{environmentId}/verify",status="429"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
