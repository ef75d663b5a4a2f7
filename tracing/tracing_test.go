package tracing_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/tracing"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

const (
	nonceRoute  = "GET /api/v0/sdk/{environmentId}/nonce"
	verifyRoute = "POST /api/v0/sdk/{environmentId}/verify"
)

// tracedApp is a seeded app whose requests and store calls are traced
// into an in-memory recorder.
func tracedApp(t *testing.T) (*dynamicauthtest.App, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	tr := tracing.New(tp)
	st, err := sqlite.Open(context.Background(), ":memory:", sqlite.Options{Tracing: tr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) { c.Store, c.Tracing = st, tr })
	return app, rec
}

// TestSignInSpans: a wallet sign-in shows as a server span per request,
// named by route pattern with its status, and the sign-in's transaction
// as a child span of the verify request named after the store method.
func TestSignInSpans(t *testing.T) {
	app, rec := tracedApp(t)
	dynamicauthtest.SignInWallet(t, app) // warm-up: the signing key, the environment cache
	start := len(rec.Ended())
	dynamicauthtest.SignInWallet(t, app)
	spans := rec.Ended()[start:]

	verify := only(t, spans, verifyRoute)
	if verify.SpanKind() != trace.SpanKindServer {
		t.Errorf("verify span kind %v, want server", verify.SpanKind())
	}
	wantAttr(t, verify, "http.response.status_code", attribute.IntValue(200))
	wantAttr(t, verify, "http.route", attribute.StringValue("/api/v0/sdk/{environmentId}/verify"))
	wantAttr(t, verify, "http.request.method", attribute.StringValue("POST"))

	tx := only(t, spans, "store.CompleteSignIn")
	if tx.Parent().SpanID() != verify.SpanContext().SpanID() || tx.SpanContext().TraceID() != verify.SpanContext().TraceID() {
		t.Errorf("store.CompleteSignIn is not a child of the verify request's span")
	}
	wantAttr(t, tx, "dynamicauth.store.kind", attribute.StringValue("grouped"))
	wantAttr(t, tx, "db.system.name", attribute.StringValue("sqlite"))

	nonce := only(t, spans, nonceRoute)
	wantAttr(t, nonce, "http.response.status_code", attribute.IntValue(200))
	for _, s := range spans {
		if s.Parent().SpanID() == nonce.SpanContext().SpanID() {
			t.Errorf("GET /nonce made a store call (%s): a nonce is MACed, the environment cached", s.Name())
		}
	}
}

// TestContinuesCallersTrace: a request carrying a W3C traceparent joins
// that trace, under the caller's span; an unmatched path's span is named
// by its method alone and has no route.
func TestContinuesCallersTrace(t *testing.T) {
	app, rec := tracedApp(t)
	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	req := httptest.NewRequest("GET", "/api/v0/sdk/"+app.IDs.EnvironmentID+"/nonce", nil)
	req.Header.Set("traceparent", "00-"+traceID+"-"+parentID+"-01")
	w := httptest.NewRecorder()
	app.Handler().ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("nonce: %d %s", w.Code, w.Body)
	}
	s := only(t, rec.Ended(), nonceRoute)
	if got := s.SpanContext().TraceID().String(); got != traceID {
		t.Errorf("trace id %s, want the caller's %s", got, traceID)
	}
	if got := s.Parent().SpanID().String(); got != parentID || !s.Parent().IsRemote() {
		t.Errorf("parent %s (remote %v), want the caller's span %s", got, s.Parent().IsRemote(), parentID)
	}

	req = httptest.NewRequest("GET", "/api/v0/no/such/route", nil)
	app.Handler().ServeHTTP(httptest.NewRecorder(), req)
	s = only(t, rec.Ended(), "GET")
	wantAttr(t, s, "http.response.status_code", attribute.IntValue(404))
	for _, a := range s.Attributes() {
		if a.Key == "http.route" {
			t.Errorf("unmatched request has http.route %q", a.Value.AsString())
		}
	}
}

// TestOffTracesNothing: without Tracing the handler and store are not
// wrapped (a nil *Tracing is valid and inert).
func TestOffTracesNothing(t *testing.T) {
	var tr *tracing.Tracing
	ctx, end := tr.StartStore(context.Background(), "store.X", "read", "sqlite", "SELECT 1")
	end(nil)
	if trace.SpanFromContext(ctx).SpanContext().IsValid() {
		t.Error("a nil Tracing started a span")
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}

func only(t *testing.T, spans []sdktrace.ReadOnlySpan, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	var found []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.Name() == name {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		names := make([]string, len(spans))
		for i, s := range spans {
			names[i] = s.Name()
		}
		t.Fatalf("%d spans named %q, want 1; spans: %q", len(found), name, names)
	}
	return found[0]
}

func wantAttr(t *testing.T, s sdktrace.ReadOnlySpan, key string, want attribute.Value) {
	t.Helper()
	for _, a := range s.Attributes() {
		if string(a.Key) == key {
			if a.Value != want {
				t.Errorf("%s: %s = %v, want %v", s.Name(), key, a.Value.String(), want.String())
			}
			return
		}
	}
	t.Errorf("%s: no attribute %s", s.Name(), key)
}
