// Package tracing traces requests and store calls with OpenTelemetry: a
// server span per HTTP request named by its route pattern ("POST
// /api/v0/sdk/{environmentId}/verify"), continuing the caller's trace
// from a W3C traceparent header, and under it a span per store
// transaction and read, named by the store method that ran it
// ("store.CompleteSignIn"). Like metrics, it fills small interfaces the
// lower packages declare (httpapi.Tracer, sqlstore.Tracer), so they do not
// import OpenTelemetry; and when tracing is off nothing is wrapped at all.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName names the instrumentation in every span.
const ScopeName = "github.com/dynamicauth/dynamicauth"

// Tracing starts the spans. A nil *Tracing is valid and traces nothing.
type Tracing struct {
	tracer   trace.Tracer
	prop     propagation.TextMapPropagator
	shutdown func(context.Context) error
}

// New traces through tp, an application's own TracerProvider (an
// embedder with OpenTelemetry set up already).
func New(tp trace.TracerProvider) *Tracing {
	return &Tracing{tracer: tp.Tracer(ScopeName), prop: propagation.TraceContext{},
		shutdown: func(context.Context) error { return nil }}
}

// NewOTLP exports spans over OTLP/HTTP (protobuf) to endpoint, a
// collector's base URL such as http://127.0.0.1:4318 (/v1/traces is
// added when the URL has no path), in batches, as service serviceName.
func NewOTLP(ctx context.Context, endpoint, serviceName, version string) (*Tracing, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("OpenTelemetry endpoint %q: want an http:// or https:// URL such as http://127.0.0.1:4318", endpoint)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces"
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(u.String()))
	if err != nil {
		return nil, fmt.Errorf("OpenTelemetry exporter: %w", err)
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		semconv.ServiceName(serviceName), semconv.ServiceVersion(version)))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("OpenTelemetry resource: %w", err), exp.Shutdown(ctx))
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	t := New(tp)
	t.shutdown = tp.Shutdown
	return t, nil
}

// Shutdown sends the spans still queued and stops the exporter.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.shutdown(ctx)
}

// StartRequest starts r's server span (httpapi.Tracer). The route is
// known once the mux has matched, so end names the span after it:
// "POST /api/v0/sdk/{environmentId}/verify", or the method alone when
// no route matched. 5xx answers mark the span as an error.
func (t *Tracing) StartRequest(r *http.Request) (context.Context, func(route string, status int)) {
	if t == nil {
		return r.Context(), func(string, int) {}
	}
	ctx := t.prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	ctx, span := t.tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(
		semconv.HTTPRequestMethodKey.String(r.Method), semconv.URLPath(r.URL.Path)))
	return ctx, func(route string, status int) {
		if route != "" {
			span.SetName(route)
			if _, path, ok := strings.Cut(route, " "); ok {
				route = path
			}
			span.SetAttributes(semconv.HTTPRoute(route))
		}
		span.SetAttributes(semconv.HTTPResponseStatusCode(status))
		if status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(status))
		}
		span.End()
	}
}

// StartStore starts a span around one store call (sqlstore.Tracer): name
// is the store method, kind the transaction kind (write, grouped,
// snapshot) or read, query a read's SQL ("" for a transaction).
func (t *Tracing) StartStore(ctx context.Context, name, kind, system, query string) (context.Context, func(error)) {
	if t == nil {
		return ctx, func(error) {}
	}
	attrs := []attribute.KeyValue{attribute.String("dynamicauth.store.kind", kind), semconv.DBSystemNameKey.String(system)}
	if query != "" {
		attrs = append(attrs, semconv.DBQueryText(query))
	}
	ctx, span := t.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx, func(err error) {
		if err != nil {
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
	}
}
