package main

import (
	"strings"
	"testing"
)

// TestDBLabelHidesPasswords: the database as the start's messages and
// log name it keeps no password, whether the URL carries it as its
// userinfo or, as libpq and pgx also accept, as a password parameter.
func TestDBLabelHidesPasswords(t *testing.T) {
	for db, want := range map[string]string{
		"./dynamicauth.db": "./dynamicauth.db",
		"postgres://auth:s3cretPW@db.internal:5432/auth?sslmode=require": "postgres://auth:xxxxx@db.internal:5432/auth?sslmode=require",
		"postgresql://db.internal/auth?user=auth&password=s3cretPW":      "postgresql://db.internal/auth?password=xxxxx&user=auth",
	} {
		got := (&options{db: db}).dbLabel()
		if strings.Contains(got, "s3cretPW") || got != want {
			t.Errorf("dbLabel of %s: %s, want %s", db, got, want)
		}
	}
}

// TestShownEndpointHidesCredentials: the OpenTelemetry endpoint as the
// start's log line names it keeps no userinfo password nor query (where
// a collector's key may be put).
func TestShownEndpointHidesCredentials(t *testing.T) {
	for raw, want := range map[string]string{
		"http://127.0.0.1:4318":                                "http://127.0.0.1:4318",
		"https://otel:s3cretPW@collector.example/v1/traces":    "https://otel:xxxxx@collector.example/v1/traces",
		"https://collector.example/v1/traces?api_key=s3cretPW": "https://collector.example/v1/traces",
	} {
		if got := shownEndpoint(raw); strings.Contains(got, "s3cretPW") || got != want {
			t.Errorf("shownEndpoint(%s): %s, want %s", raw, got, want)
		}
	}
}
