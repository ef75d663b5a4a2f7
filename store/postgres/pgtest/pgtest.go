// Package pgtest gives tests a throwaway PostgreSQL schema in the
// database named by DYNAMICAUTH_TEST_POSTGRES_URL, so any package's tests
// can run on the PostgreSQL store without a database of their own.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// URLVar names the database the PostgreSQL tests run against; scripts/
// postgres.sh starts a throwaway one and prints it.
const URLVar = "DYNAMICAUTH_TEST_POSTGRES_URL"

// Enabled tells whether URLVar is set: tests that run on both backends
// add PostgreSQL only then.
func Enabled() bool { return os.Getenv(URLVar) != "" }

// BaseURL returns the test database, or skips the test without one.
func BaseURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(URLVar)
	if u == "" {
		t.Skip("set " + URLVar + " to run on PostgreSQL (scripts/postgres.sh start prints one)")
	}
	return u
}

// FreshSchema creates an empty schema in the test database, dropped when
// the test ends, and returns a URL whose connections use it: every test
// gets its own tables without the cost of a database per test.
func FreshSchema(t testing.TB) string {
	t.Helper()
	base := BaseURL(t)
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	schema := "t_" + hex.EncodeToString(b)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", URLVar, err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", URLVar, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
