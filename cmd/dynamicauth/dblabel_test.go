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
