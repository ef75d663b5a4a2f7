package dynamicauth_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
)

// scheduledCopies lists the scheduled backups in dir.
func scheduledCopies(t *testing.T, dir string) []string {
	t.Helper()
	copies, err := filepath.Glob(filepath.Join(dir, "dynamicauth-2*.db"))
	if err != nil {
		t.Fatal(err)
	}
	return copies
}

// TestScheduledBackups: a started Auth copies its store into
// Backups.Dir every Backups.Every, keeps the newest Backups.Keep copies,
// each whole, and leaves the directory's other files alone; a restart
// soon after a copy waits for the next one.
func TestScheduledBackups(t *testing.T) {
	ctx, dir := t.Context(), t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, other := range []string{"notes.txt", "dynamicauth-manual.db", "dynamicauth-20200101T000000.000Z.db.partial-1"} {
		if err := os.WriteFile(filepath.Join(dir, other), []byte("mine"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var logs syncBuffer
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) {
		c.Store, c.Logger = st, slog.New(slog.NewTextHandler(&logs, nil))
		c.Backups = dynamicauth.BackupsConfig{Dir: dir, Every: 50 * time.Millisecond, Keep: 2}
	})
	dynamicauthtest.SignInWallet(t, app)
	if err := app.Start(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(logs.String(), "backup written") < 4 {
		if time.Now().After(deadline) {
			app.Close()
			t.Fatalf("fewer than 4 backups in 30 s; logs:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	app.Close()
	if n := strings.Count(logs.String(), "old backup deleted"); n < 2 {
		t.Errorf("%d old copies deleted, want at least 2", n)
	}
	copies := scheduledCopies(t, dir)
	if len(copies) != 2 {
		t.Fatalf("copies kept: %v, want 2", copies)
	}
	for _, c := range copies {
		cp, err := sqlite.Open(ctx, c, sqlite.Options{SkipMigrate: true})
		if err != nil {
			t.Fatal(err)
		}
		res, err := cp.IntegrityCheck(ctx)
		cp.Close()
		if err != nil || res != "ok" {
			t.Errorf("%s: integrity_check %q, %v", c, res, err)
		}
	}
	for _, other := range []string{"notes.txt", "dynamicauth-manual.db", "dynamicauth-20200101T000000.000Z.db.partial-1"} {
		if b, err := os.ReadFile(filepath.Join(dir, other)); err != nil || !bytes.Equal(b, []byte("mine")) {
			t.Errorf("%s: %q, %v", other, b, err)
		}
	}

	// Restarted with a day between copies: the newest is a moment old,
	// so none is due.
	logs2 := &syncBuffer{}
	again, err := dynamicauth.New(dynamicauth.Config{Store: st, MasterSecret: bytes.Repeat([]byte{7}, 32),
		Logger: slog.New(slog.NewTextHandler(logs2, nil)), Backups: dynamicauth.BackupsConfig{Dir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Start(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	again.Close()
	if strings.Contains(logs2.String(), "backup written") || len(scheduledCopies(t, dir)) != 2 {
		t.Errorf("a restart took a copy before one was due:\n%s", logs2.String())
	}

	if _, err := dynamicauth.New(dynamicauth.Config{Store: st, MasterSecret: bytes.Repeat([]byte{7}, 32),
		Backups: dynamicauth.BackupsConfig{Dir: dir, Keep: -1}}); err == nil {
		t.Error("New accepted Backups.Keep -1")
	}
}

// TestScheduledBackupDueAtStart: with no copy yet in Backups.Dir, Start
// takes one at once, not a day later.
func TestScheduledBackupDueAtStart(t *testing.T) {
	ctx, dir := t.Context(), t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) {
		c.Store, c.Backups = st, dynamicauth.BackupsConfig{Dir: dir}
	})
	if err := app.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	deadline := time.Now().Add(30 * time.Second)
	for len(scheduledCopies(t, dir)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no copy within 30 s of Start")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
