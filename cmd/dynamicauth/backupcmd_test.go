package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/ethereum/go-ethereum/crypto"
)

// TestBackupCommand: `dynamicauth backup -o` copies the users, names the
// master secret the copy needs, never overwrites a file, never creates a
// database it was misdirected to, and sends PostgreSQL to pg_dump.
func TestBackupCommand(t *testing.T) {
	it := newImportTarget(t)
	file := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(file, []byte("id,email\n,a@example.com\n,b@example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := it.importUsers(t, file); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	backup := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"backup", "--log-level", "error"}, args...), &out, &errOut)
		return out.String() + errOut.String(), err
	}

	dest := filepath.Join(t.TempDir(), "copy.db")
	out, err := backup("--db", it.db, "--secret-file", it.secretFile, "-o", dest)
	if err != nil || !strings.Contains(out, "backed up "+it.db+" to "+dest) || !strings.Contains(out, it.secretFile) {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	cp := *it
	cp.db = dest
	want, got := it.records(t), cp.records(t)
	if len(got) != 2 || len(got) != len(want) {
		t.Fatalf("the copy holds %d users, the database %d", len(got), len(want))
	}
	for id, r := range want {
		if g, ok := got[id]; !ok || !reflect.DeepEqual(g, r) {
			t.Errorf("user %s in the copy: %+v, want %+v", id, got[id], r)
		}
	}

	before, _ := os.ReadFile(dest)
	if out, err := backup("--db", it.db, "-o", dest); err == nil || !strings.Contains(out+err.Error(), "already exists") {
		t.Errorf("a second backup onto the copy: %v\n%s", err, out)
	}
	if after, _ := os.ReadFile(dest); !bytes.Equal(before, after) {
		t.Error("a refused backup changed the copy")
	}

	// -o -: the copy on standard output, the messages on standard error,
	// no temporary file left beside the database.
	var piped, msgs bytes.Buffer
	if err := run(context.Background(), []string{"backup", "--log-level", "error", "--db", it.db, "-o", "-"}, &piped, &msgs); err != nil {
		t.Fatalf("backup -o -: %v\n%s", err, msgs.String())
	}
	if !strings.Contains(msgs.String(), "backed up "+it.db+" to -") || !bytes.HasPrefix(piped.Bytes(), []byte("SQLite format 3\x00")) {
		t.Fatalf("backup -o -: %d bytes out, messages %q", piped.Len(), msgs.String())
	}
	pipedFile := filepath.Join(t.TempDir(), "piped.db")
	if err := os.WriteFile(pipedFile, piped.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	fromPipe := *it
	fromPipe.db = pipedFile
	if n := len(fromPipe.records(t)); n != 2 {
		t.Errorf("the piped copy holds %d users, want 2", n)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(it.db), ".dynamicauth-backup-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	missing := filepath.Join(t.TempDir(), "typo.db")
	if _, err := backup("--db", missing, "-o", filepath.Join(t.TempDir(), "x.db")); err == nil {
		t.Error("a backup of a missing database succeeded")
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("a backup of a missing database created it (%v)", err)
	}
	if _, err := backup("--db", "postgres://u@127.0.0.1:1/db", "-o", filepath.Join(t.TempDir(), "x.db")); err == nil ||
		!strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("a backup of PostgreSQL: %v", err)
	}
	if _, err := backup("--db", it.db); err == nil {
		t.Error("a backup without -o succeeded")
	}
}

// TestRestoreCommand: `dynamicauth restore --from` puts a backup back,
// keeping the replaced database; with a master secret that does not open
// the backup's keys, or none, it changes nothing and says which secret
// it needs.
func TestRestoreCommand(t *testing.T) {
	it := newImportTarget(t)
	dir := t.TempDir()
	csv := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if out, err := it.importUsers(t, csv("a.csv", "id,email\n,a@example.com\n")); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	cmd := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append(args, "--log-level", "error"), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	// A signing key, sealed with the master secret, for restore to check.
	if out, err := cmd("keys", "rotate", "--env", it.creds.EnvironmentID, "--db", it.db, "--secret-file", it.secretFile); err != nil {
		t.Fatalf("keys rotate: %v\n%s", err, out)
	}
	backup := filepath.Join(dir, "backup.db")
	if out, err := cmd("backup", "--db", it.db, "-o", backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if out, err := it.importUsers(t, csv("b.csv", "id,email\n,b@example.com\n")); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}

	wrongSecret := filepath.Join(dir, "wrong.secret")
	if err := os.WriteFile(wrongSecret, []byte(strings.Repeat("A", 43)+"=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, secretFile, want string }{
		{"another secret", wrongSecret, "master secret does not open"},
		{"no secret", filepath.Join(dir, "missing.secret"), "no master secret in"},
	} {
		out, err := cmd("restore", "--db", it.db, "--secret-file", c.secretFile, "--from", backup)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q\n%s", c.name, err, c.want, out)
		}
		if n := len(it.records(t)); n != 2 {
			t.Errorf("%s: the database holds %d users after a refused restore, want 2", c.name, n)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.secret")); !os.IsNotExist(err) {
		t.Error("restore created a master secret")
	}

	out, err := cmd("restore", "--db", it.db, "--secret-file", it.secretFile, "--from", backup)
	if err != nil || !strings.Contains(out, "restored "+it.db) || !strings.Contains(out, "kept as "+it.db+".before-restore-") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if n := len(it.records(t)); n != 1 {
		t.Errorf("the restored database holds %d users, want the backup's 1", n)
	}
	kept, _ := filepath.Glob(it.db + ".before-restore-*")
	if len(kept) != 1 {
		t.Fatalf("kept databases: %v", kept)
	}
	old := *it
	old.db = kept[0]
	if n := len(old.records(t)); n != 2 {
		t.Errorf("the kept database holds %d users, want 2", n)
	}

	// A damaged database (its header garbage) is replaced only when the
	// operator says so, having stopped what had it open.
	f, err := os.OpenFile(it.db, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xA5}, 100), 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out, err = cmd("restore", "--db", it.db, "--secret-file", it.secretFile, "--from", backup)
	if err == nil || !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), "--damaged") {
		t.Fatalf("restore over a damaged database: %v, want a refusal naming --damaged\n%s", err, out)
	}
	out, err = cmd("restore", "--db", it.db, "--secret-file", it.secretFile, "--from", backup, "--damaged")
	if err != nil || !strings.Contains(out, "kept as "+it.db+".before-restore-") {
		t.Fatalf("restore --damaged: %v\n%s", err, out)
	}
	if n := len(it.records(t)); n != 1 {
		t.Errorf("the database restored over a damaged one holds %d users, want the backup's 1", n)
	}
}

// TestBackupFlags: serve's scheduled backups need an SQLite database, an
// existing directory and positive numbers.
func TestBackupFlags(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	sqliteDB, pg := &options{db: filepath.Join(dir, "db")}, &options{db: "postgres://u@127.0.0.1/db"}
	for _, c := range []struct {
		name string
		f    backupFlags
		o    *options
		want string
	}{
		{"off", backupFlags{}, pg, ""},
		{"on", backupFlags{dir: dir, every: time.Hour, keep: 3}, sqliteDB, ""},
		{"postgres", backupFlags{dir: dir, every: time.Hour, keep: 3}, pg, "pg_dump"},
		{"missing dir", backupFlags{dir: filepath.Join(dir, "nope"), every: time.Hour, keep: 3}, sqliteDB, "no such file"},
		{"a file", backupFlags{dir: file, every: time.Hour, keep: 3}, sqliteDB, "not a directory"},
		{"keep 0", backupFlags{dir: dir, every: time.Hour}, sqliteDB, "positive"},
	} {
		cfg, err := c.f.config(c.o)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		case c.name == "on" && (cfg.Dir != dir || cfg.Every != time.Hour || cfg.Keep != 3):
			t.Errorf("on: %+v", cfg)
		}
	}
}

// servedDB is a database initialized by the server binary and served by
// it, with a sign-in against a server and the binary's other commands on
// the database.
type servedDB struct {
	bin, dir, db, secretFile string
	creds                    crashCreds
	srv                      *server
	signIn                   func(*server)
	command                  func(args ...string) (string, error)
}

func newServedDB(t *testing.T) *servedDB {
	t.Helper()
	f := &servedDB{bin: buildBinary(t), dir: t.TempDir()}
	f.db, f.secretFile = filepath.Join(f.dir, "auth.db"), filepath.Join(f.dir, "secret")
	f.creds = initDB(t, f.bin, f.db, f.secretFile)
	f.srv = startServer(t, f.bin, f.db, f.secretFile)
	c := &replicaClient{t: t, env: f.creds.EnvironmentID, http: &http.Client{Timeout: 10 * time.Second}}
	f.signIn = func(srv *server) {
		t.Helper()
		key, _ := crypto.GenerateKey()
		if r := c.signIn(srv, key, c.message(key, c.nonce(srv))); r.status != http.StatusOK {
			t.Fatalf("sign-in: %d %s", r.status, r.body)
		}
	}
	f.command = func(args ...string) (string, error) {
		cmd := exec.CommandContext(t.Context(), f.bin, append(args, "--db", f.db, "--secret-file", f.secretFile)...)
		cmd.Env = cleanEnv()
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	return f
}

// TestBackupRestoreAcrossProcesses: with the server binary serving, the
// backup command (another process) copies the database, and the restore
// command refuses to touch it; once the server is killed (its WAL left
// behind), restore puts the copy back and a server starts on it.
func TestBackupRestoreAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	f := newServedDB(t)
	bin, dir, db, secretFile, creds, signIn, command := f.bin, f.dir, f.db, f.secretFile, f.creds, f.signIn, f.command
	srv := f.srv
	signIn(srv)

	backup := filepath.Join(dir, "backup.db")
	if out, err := command("backup", "-o", backup); err != nil {
		t.Fatalf("backup while serving: %v\n%s", err, out)
	}
	signIn(srv) // after the backup: not in it
	if out, err := command("restore", "--from", backup); err == nil || !strings.Contains(out, "in use") {
		t.Fatalf("restore while serving: %v\n%s", err, out)
	}
	srv.kill()
	if out, err := command("restore", "--from", backup); err != nil {
		t.Fatalf("restore after the server: %v\n%s", err, out)
	}
	kept, _ := filepath.Glob(db + ".before-restore-*")
	if len(kept) != 1 {
		t.Fatalf("kept: %v", kept)
	}
	srv = startServer(t, bin, db, secretFile)
	signIn(srv)
	srv.kill()
	count := func(path string) int {
		t.Helper()
		st, err := sqlite.Open(t.Context(), path, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		n, _, err := st.CountUsersAndSessions(t.Context(), creds.EnvironmentID)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got, want := count(db), 2; got != want { // the backup's one and the one after restoring
		t.Errorf("users after the restore: %d, want %d", got, want)
	}
	if got, want := count(kept[0]), 2; got != want { // before the backup and after it, from the killed server's WAL
		t.Errorf("users in the kept database: %d, want %d", got, want)
	}
}

// TestRestoreDamagedAcrossProcesses: `restore --damaged` refuses while a
// server (another process) has the damaged database open, found by its
// locks; once the server is killed it puts the backup in place, keeping
// the damaged file with the WAL the server left, and a server starts on
// the restored database.
func TestRestoreDamagedAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	f := newServedDB(t)
	bin, dir, db, secretFile, signIn, command := f.bin, f.dir, f.db, f.secretFile, f.signIn, f.command
	srv := f.srv
	garbage := bytes.Repeat([]byte{0xA5}, 100)
	damage := func() {
		t.Helper()
		f, err := os.OpenFile(db, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteAt(garbage, 0); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	signIn(srv)
	backup := filepath.Join(dir, "backup.db")
	if out, err := command("backup", "-o", backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	signIn(srv)                        // in the server's WAL, which the kept files must hold
	time.Sleep(300 * time.Millisecond) // the checkpoint after it, which could write the header back

	damage()
	out, err := command("restore", "--from", backup, "--damaged")
	if err == nil || !strings.Contains(out, "in use") {
		t.Fatalf("restore --damaged while serving: %v\n%s", err, out)
	}
	// Unless the server wrote the header back meanwhile, the refusal
	// came from its locks on the damaged file.
	if head, _ := os.ReadFile(db); bytes.HasPrefix(head, garbage) && !strings.Contains(out, "holds a lock on "+db) {
		t.Errorf("restore --damaged while serving a damaged database refused without naming the lock:\n%s", out)
	}
	srv.kill()
	damage() // whatever the server wrote since
	wal, err := os.ReadFile(db + "-wal")
	if err != nil || len(wal) == 0 {
		t.Fatalf("the killed server left no WAL (%v)", err)
	}
	if out, err := command("restore", "--from", backup); err == nil || !strings.Contains(out, "--damaged") {
		t.Fatalf("restore over a damaged database: %v, want a refusal naming --damaged\n%s", err, out)
	}
	if out, err := command("restore", "--from", backup, "--damaged"); err != nil {
		t.Fatalf("restore --damaged after the server: %v\n%s", err, out)
	}
	kept, _ := filepath.Glob(db + ".before-restore-*-wal")
	if len(kept) != 1 {
		t.Fatalf("kept WAL: %v", kept)
	}
	if b, _ := os.ReadFile(kept[0]); !bytes.Equal(b, wal) {
		t.Errorf("%s is not the WAL the server left", kept[0])
	}
	srv = startServer(t, bin, db, secretFile)
	signIn(srv)
	srv.kill()
}
