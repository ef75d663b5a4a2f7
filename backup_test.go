package dynamicauth_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/metrics"
	"github.com/dynamicauth/dynamicauth/signing"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/postgres"
	"github.com/dynamicauth/dynamicauth/store/postgres/pgtest"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
)

// TestBackupRestores: a server started on a backup (with the same master
// secret) knows the users and sessions from before it, neither from
// after, and signs new sessions with the same (sealed) key.
func TestBackupRestores(t *testing.T) {
	ctx, dir := t.Context(), t.TempDir()
	secret := bytes.Repeat([]byte{9}, 32)
	openFile := func(path string) *sqlite.Store {
		st, err := sqlite.Open(ctx, path, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	withStore := func(st *sqlite.Store) dynamicauthtest.Option {
		return func(c *dynamicauth.Config) { c.Store, c.MasterSecret = st, secret }
	}
	app := dynamicauthtest.New(t, withStore(openFile(filepath.Join(dir, "db"))))
	env := app.IDs.EnvironmentID
	before := dynamicauthtest.SignInWallet(t, app)
	dest := filepath.Join(dir, "backup.db")
	if err := app.Backup(ctx, dest); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	after := dynamicauthtest.SignInWallet(t, app)
	if err := app.Backup(ctx, dest); err == nil {
		t.Fatal("a second backup overwrote the first")
	}

	restored := dynamicauthtest.New(t, withStore(openFile(dest)))
	if restored.IDs.EnvironmentID != env || restored.OwnerToken != "" {
		t.Fatalf("the restored server seeded itself again: %+v", restored.IDs)
	}
	v, err := restored.Verifier(env)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := v.Verify(ctx, before.MinifiedJWT)
	if err != nil {
		t.Fatalf("the restored server refuses a session from before the backup: %v", err)
	}
	if u, err := restored.UserOf(ctx, claims); err != nil || u.ID != before.UserID {
		t.Fatalf("UserOf on the restored server: %+v, %v", u, err)
	}
	// Signed with the same key, but its session is not in the backup.
	if _, err := v.Verify(ctx, after.MinifiedJWT); err == nil {
		t.Fatal("the restored server accepts a session signed in after the backup")
	}
	if u, _, err := restored.Users().GetUser(ctx, restored.System, env, after.UserID); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("the restored server knows a user signed up after the backup: %+v, %v", u, err)
	}

	again := dynamicauthtest.SignInWallet(t, restored)
	if jwtKid(t, again.MinifiedJWT) != jwtKid(t, before.MinifiedJWT) {
		t.Error("the restored server signs with another key")
	}
	if _, err := v.Verify(ctx, again.MinifiedJWT); err != nil {
		t.Errorf("the restored server refuses its own new session: %v", err)
	}
}

// TestBackupPostgresSaysPgDump: a PostgreSQL store is copied by its own
// tools; Backup says so and writes nothing.
func TestBackupPostgresSaysPgDump(t *testing.T) {
	if !pgtest.Enabled() {
		t.Skip("no PostgreSQL")
	}
	st, err := postgres.Open(t.Context(), pgtest.FreshSchema(t), postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) { c.Store = st })
	dest := filepath.Join(t.TempDir(), "b")
	err = app.Backup(t.Context(), dest)
	if err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("Backup on PostgreSQL: %v", err)
	}
	if left, _ := filepath.Glob(dest + "*"); len(left) > 0 {
		t.Fatalf("Backup on PostgreSQL wrote %v", left)
	}
}

// TestStartRefusesAnotherMasterSecret: an Auth given another database's
// master secret (a backup restored beside a new secret file, a replica
// configured with another secret) says so at Start instead of failing
// every sign-in; the right secret starts. On both backends.
func TestStartRefusesAnotherMasterSecret(t *testing.T) {
	stores := map[string]func(t *testing.T) store.Store{"sqlite": func(t *testing.T) store.Store {
		st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "db"), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}}
	if pgtest.Enabled() {
		stores["postgres"] = func(t *testing.T) store.Store {
			st, err := postgres.Open(t.Context(), pgtest.FreshSchema(t), postgres.Options{MaxConns: 4})
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			t.Cleanup(func() { st.Close() })
			withSecret := func(fill byte) dynamicauthtest.Option {
				return func(c *dynamicauth.Config) { c.Store, c.MasterSecret = st, bytes.Repeat([]byte{fill}, 32) }
			}
			app := dynamicauthtest.New(t, withSecret(1))
			dynamicauthtest.SignInWallet(t, app) // makes the environment's key

			other := dynamicauthtest.New(t, withSecret(2))
			if err := other.CheckMasterSecret(t.Context()); !errors.Is(err, signing.ErrWrongMasterSecret) {
				t.Fatalf("CheckMasterSecret with another secret: %v", err)
			}
			if err := other.Start(t.Context()); !errors.Is(err, signing.ErrWrongMasterSecret) {
				other.Close()
				t.Fatalf("Start with another secret: %v", err)
			}
			same := dynamicauthtest.New(t, withSecret(1))
			if err := same.Start(t.Context()); err != nil {
				t.Fatalf("Start with the database's secret: %v", err)
			}
			same.Close()
		})
	}
}

// TestBackupMetrics: each backup asked for is counted by outcome, and a
// success sets the time an alert watches.
func TestBackupMetrics(t *testing.T) {
	ctx, dir := t.Context(), t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	m := metrics.New()
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) { c.Store, c.Metrics = st, m })
	dest := filepath.Join(dir, "copy.db")
	before := time.Now()
	if err := app.Backup(ctx, dest); err != nil {
		t.Fatal(err)
	}
	if err := app.Backup(ctx, dest); err == nil { // exists
		t.Fatal("a backup over a file succeeded")
	}
	got := map[string]float64{}
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, metric := range f.GetMetric() {
			name := f.GetName()
			for _, l := range metric.GetLabel() {
				name += "/" + l.GetValue()
			}
			got[name] = metric.GetCounter().GetValue() + metric.GetGauge().GetValue()
		}
	}
	if got["dynamicauth_backups_total/success"] != 1 || got["dynamicauth_backups_total/failure"] != 1 {
		t.Errorf("backups counted: %v success, %v failure; want 1 and 1",
			got["dynamicauth_backups_total/success"], got["dynamicauth_backups_total/failure"])
	}
	if at := got["dynamicauth_backup_last_success_timestamp_seconds"]; at < float64(before.Unix()) || at > float64(time.Now().Unix()+1) {
		t.Errorf("last backup at %v, want between %d and now", at, before.Unix())
	}
}
