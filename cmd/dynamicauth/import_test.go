package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/exports"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/ethereum/go-ethereum/crypto"
)

// importTarget is a fresh database seeded by `init`, for `import` to fill.
type importTarget struct {
	db, secretFile string
	creds          crashCreds
}

func newImportTarget(t *testing.T) *importTarget {
	t.Helper()
	dir := t.TempDir()
	it := &importTarget{db: filepath.Join(dir, "db"), secretFile: filepath.Join(dir, "secret")}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"init", "--db", it.db, "--secret-file", it.secretFile, "--json", "--log-level", "error"},
		&out, io.Discard); err != nil {
		t.Fatalf("init: %v", err)
	}
	if err := json.Unmarshal(out.Bytes(), &it.creds); err != nil {
		t.Fatal(err)
	}
	return it
}

func (it *importTarget) importUsers(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	all := append([]string{"import", "--db", it.db, "--secret-file", it.secretFile, "--log-level", "error",
		"--env", it.creds.EnvironmentID}, args...)
	err := run(context.Background(), all, &out, &errOut)
	return out.String() + errOut.String(), err
}

// records reads the target's users back as export records, by id.
func (it *importTarget) records(t *testing.T) map[string]exports.UserRecord {
	t.Helper()
	st, err := sqlite.Open(context.Background(), it.db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	out := map[string]exports.UserRecord{}
	after := ""
	for {
		page, err := st.ExportUsers(context.Background(), it.creds.EnvironmentID, users.Filter{}, after, 500)
		if err != nil {
			t.Fatal(err)
		}
		for i := range page {
			out[page[i].ID] = exports.NewUserRecord(&page[i])
		}
		if len(page) < 500 {
			return out
		}
		after = page[len(page)-1].ID
	}
}

// comparable drops what an import cannot keep: when the user was created,
// updated and last seen on the other server.
func comparable(r exports.UserRecord) string {
	r.CreatedAt, r.UpdatedAt, r.LastVisitAt = "", "", ""
	b, _ := json.Marshal(r)
	return string(b)
}

// seedSource fills a dynamicauth (standing in for the hosted service: it
// serves the same admin API) with n users: wallets, verified emails,
// profile fields, metadata.
func seedSource(t *testing.T, app *dynamicauthtest.App, n int) {
	t.Helper()
	verified := time.Date(2025, 6, 7, 8, 9, 10, 0, time.UTC)
	var rows []users.NewUser
	for i := range n {
		k, err := crypto.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		first := fmt.Sprintf("Ada, \"%d\"", i)
		in := users.NewUser{Email: fmt.Sprintf("src%04d@example.com", i),
			Profile: users.ProfilePatch{FirstName: &first, Metadata: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))},
			Wallets: []users.NewWallet{{Chain: "EVM", Address: crypto.PubkeyToAddress(k.PublicKey).Hex(), WalletName: "metamask", WalletProvider: "browserExtension"}}}
		if i%2 == 0 {
			in.EmailVerifiedAt = &verified
		}
		if i%3 == 0 {
			// a social account with its profile picture (oauth_account_photos)
			in.Social = []users.NewOAuthAccount{{Provider: "google", AccountID: fmt.Sprintf("1%020d", i), DisplayName: first,
				Photos: []string{fmt.Sprintf("https://lh3.example.com/a/src%04d=s96-c", i)}}}
		}
		rows = append(rows, in)
	}
	res, err := app.Users().BulkCreate(context.Background(), app.System, app.IDs.EnvironmentID, rows, users.BulkOptions{})
	if err != nil || len(res.Failed) > 0 {
		t.Fatalf("seed: %v %+v", err, res)
	}
}

func sourceRecords(t *testing.T, app *dynamicauthtest.App) map[string]exports.UserRecord {
	t.Helper()
	list, err := app.Users().ListUsers(context.Background(), app.System, app.IDs.EnvironmentID, users.ListQuery{Page: users.Page{Limit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]exports.UserRecord{}
	for i := range list.Users {
		out[list.Users[i].ID] = exports.NewUserRecord(&list.Users[i])
	}
	return out
}

func sameUsers(t *testing.T, what string, got, want map[string]exports.UserRecord) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d users, want %d", what, len(got), len(want))
	}
	for id, w := range want {
		g, ok := got[id]
		if !ok {
			t.Fatalf("%s: user %s (%s) missing", what, id, w.Email)
		}
		if comparable(g) != comparable(w) {
			t.Fatalf("%s: user %s\n got %s\nwant %s", what, id, comparable(g), comparable(w))
		}
	}
}

// withPhotos counts the records with a social account that has a photo.
func withPhotos(recs map[string]exports.UserRecord) int {
	n := 0
	for _, r := range recs {
		for _, a := range r.SocialAccounts {
			if len(a.Photos) > 0 {
				n++
				break
			}
		}
	}
	return n
}

// TestImportFromDynamic: `import --from-dynamic` pages the admin users API
// of a server speaking Dynamic's API (a dynamicauth here, on a local
// listener), with its API token, and loads every user with the same id,
// profile, metadata, wallets, social accounts (their photos too) and
// verified email; a second run changes
// nothing and creates no one (upsert by id, email and wallet).
func TestImportFromDynamic(t *testing.T) {
	src := dynamicauthtest.New(t)
	seedSource(t, src, 230)
	srv := httptest.NewServer(src.Handler())
	defer srv.Close()
	want := sourceRecords(t, src)
	if n := withPhotos(want); n != 77 {
		t.Fatalf("the source serves %d users with a social account's photo, want 77", n)
	}

	dst := newImportTarget(t)
	args := []string{"--from-dynamic", srv.URL, "--dynamic-env", src.IDs.EnvironmentID, "--dynamic-token", src.OwnerToken, "--batch", "100"}
	out, err := dst.importUsers(t, args...)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if !strings.Contains(out, "created 230, updated 0, skipped 0, failed 0") {
		t.Fatalf("summary: %s", out)
	}
	sameUsers(t, "after the import", dst.records(t), want)

	out, err = dst.importUsers(t, args...)
	if err != nil || !strings.Contains(out, "created 0, updated 230") {
		t.Fatalf("second import: %v\n%s", err, out)
	}
	sameUsers(t, "after a second import", dst.records(t), want)

	// A wrong token is a clear error, and nothing changes.
	out, err = dst.importUsers(t, "--from-dynamic", srv.URL, "--dynamic-env", src.IDs.EnvironmentID, "--dynamic-token", "dyn_wrong")
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("a wrong token: %v\n%s", err, out)
	}
}

// TestImportExportFile: a users export (CSV and JSON) of one server
// imported into another gives the same users; bad rows are reported with
// their line and the others imported; empty rows are skipped.
func TestImportExportFile(t *testing.T) {
	src := dynamicauthtest.New(t)
	seedSource(t, src, 120)
	want := sourceRecords(t, src)
	ctx := context.Background()
	for _, format := range []string{exports.FormatCSV, exports.FormatJSON} {
		e, err := src.Exports().Create(ctx, src.System, src.IDs.EnvironmentID, exports.Input{Format: format, Model: exports.ModelUsers})
		if err != nil {
			t.Fatal(err)
		}
		for {
			ran, err := src.Exporter().RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !ran {
				break
			}
		}
		_, body, err := src.Exports().Open(ctx, src.System, src.IDs.EnvironmentID, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "users."+format)
		b, _ := io.ReadAll(body)
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
		dst := newImportTarget(t)
		out, err := dst.importUsers(t, file)
		if err != nil || !strings.Contains(out, "created 120, updated 0, skipped 0, failed 0") {
			t.Fatalf("%s import: %v\n%s", format, err, out)
		}
		sameUsers(t, format+" round trip", dst.records(t), want)
	}

	// Bad rows: reported by line, the rest imported.
	file := filepath.Join(t.TempDir(), "mixed.csv")
	csv := "id,email,wallets\n" +
		",ok1@example.com,\n" +
		",not-an-email,\n" +
		",,\n" +
		`,ok2@example.com,"[{""chain"":""EVM"",""address"":""0x12""}]"` + "\n" +
		",ok3@example.com,\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	dst := newImportTarget(t)
	out, err := dst.importUsers(t, file)
	if err == nil || !strings.Contains(out, "created 2, updated 0, skipped 1, failed 2") ||
		!strings.Contains(out, "failed line 3:") || !strings.Contains(out, "failed line 5:") || !strings.Contains(out, "skipped line 4:") {
		t.Fatalf("mixed file: %v\n%s", err, out)
	}
	if n := len(dst.records(t)); n != 2 {
		t.Fatalf("mixed file imported %d users, want 2", n)
	}
	// Flags after FILE, as any command line puts them.
	dst = newImportTarget(t)
	out, err = dst.importUsers(t, file, "--batch", "2")
	if !strings.Contains(out, "created 2, updated 0, skipped 1, failed 2") {
		t.Fatalf("FILE before --batch: %v\n%s", err, out)
	}
}

// TestExportCommandRoundTrip: `dynamicauth export` writes a database's
// users to a file (plain progress lines off a terminal) and `import` of
// that file into another database gives the same users, in CSV and JSON.
func TestExportCommandRoundTrip(t *testing.T) {
	src := dynamicauthtest.New(t)
	seedSource(t, src, 150)
	srv := httptest.NewServer(src.Handler())
	defer srv.Close()
	a := newImportTarget(t)
	if out, err := a.importUsers(t, "--from-dynamic", srv.URL, "--dynamic-env", src.IDs.EnvironmentID, "--dynamic-token", src.OwnerToken); err != nil {
		t.Fatalf("seed a: %v\n%s", err, out)
	}
	want := a.records(t)
	for _, format := range []string{"csv", "json"} {
		file := filepath.Join(t.TempDir(), "users."+format)
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"export", "--db", a.db, "--secret-file", a.secretFile, "--log-level", "error",
			"--env", a.creds.EnvironmentID, "--format", format, "-o", file}, &out, &errOut)
		if err != nil || !strings.Contains(errOut.String(), "exporting users: 150, done") || !strings.Contains(errOut.String(), "wrote 150 users") {
			t.Fatalf("export %s: %v\n%s", format, err, errOut.String())
		}
		b := newImportTarget(t)
		if out, err := b.importUsers(t, file); err != nil || !strings.Contains(out, "created 150,") {
			t.Fatalf("import %s: %v\n%s", format, err, out)
		}
		sameUsers(t, "export command "+format, b.records(t), want)
	}
	var errOut bytes.Buffer
	err := run(context.Background(), []string{"export", "--db", a.db, "--secret-file", a.secretFile, "--log-level", "error",
		"--env", a.creds.EnvironmentID, "--model", "sessions"}, io.Discard, &errOut)
	if err == nil || !strings.Contains(err.Error(), "model") {
		t.Fatalf("a bad model: %v", err)
	}
}
