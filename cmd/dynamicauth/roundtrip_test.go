package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/exports"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/ethereum/go-ethereum/common"
	"github.com/mr-tron/base58"
)

// -roundtrip-users sets how many users TestExportImportRoundTrip moves.
// CI runs 2,000; the 100,000 is a flag away:
//
//	go test ./cmd/dynamicauth -run ExportImportRoundTrip -roundtrip-users 100000 -timeout 1h -v
var roundTripUsers = flag.Int("roundtrip-users", 2000, "users TestExportImportRoundTrip generates, imports, exports and imports again")

// genUser is the i-th generated user: an id in generation order (so the
// file is in the order an export writes), an email (verified for half),
// profile fields, metadata, and none to three wallets on EVM and Solana.
// Every tenth has no email (a wallet-only user); every 29th only an id,
// or (every 58th) only a social account; every seventh has a Google
// account (with its profile picture), every eleventh a GitHub one.
func genUser(i int) exports.UserRecord {
	r := exports.UserRecord{ID: fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i*7919), Wallets: []exports.WalletRecord{},
		Metadata: json.RawMessage(fmt.Sprintf(`{"n":%d,"tier":"t%d"}`, i, i%3)), SocialAccounts: genSocial(i)}
	if i%29 == 0 {
		r.Metadata = json.RawMessage(`{}`)
		if i%58 != 0 {
			r.SocialAccounts = nil
		} else if len(r.SocialAccounts) == 0 {
			r.SocialAccounts = []users.NewOAuthAccount{{Provider: "discord", AccountID: fmt.Sprintf("d%d", i)}}
		}
		return r
	}
	if i%10 != 0 {
		r.Email = fmt.Sprintf("user%07d@example.com", i)
		if i%2 == 0 {
			r.EmailVerifiedAt = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second).Format("2006-01-02T15:04:05.000Z")
		}
	}
	r.FirstName, r.LastName = fmt.Sprintf("Ada, \"%d\"", i), "Lovelace"
	if i%3 == 0 {
		r.Alias, r.Username, r.JobTitle, r.Team = fmt.Sprintf("ada%d", i), fmt.Sprintf("user%07d", i), "Engineer", "core"
		r.PhoneNumber, r.Country, r.TShirtSize = fmt.Sprintf("+1555%07d", i), "DE", "M"
	}
	for w := range (i % 4) + boolInt(r.Email == "") {
		var seed [32]byte
		binary.BigEndian.PutUint64(seed[:], uint64(i))
		seed[8] = byte(w)
		if w%2 == 0 {
			var a common.Address
			copy(a[:], seed[:20])
			a[19] ^= 0x5a
			r.Wallets = append(r.Wallets, exports.WalletRecord{Chain: "EVM", Address: a.Hex(), WalletName: "metamask", WalletProvider: "browserExtension"})
		} else {
			pub := ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)
			r.Wallets = append(r.Wallets, exports.WalletRecord{Chain: "SOL", Address: base58.Encode(pub), WalletName: "phantom", WalletProvider: "browserExtension"})
		}
	}
	return r
}

// genSocial is the i-th user's social accounts, in their canonical form
// (a username only where it differs from the display name).
func genSocial(i int) []users.NewOAuthAccount {
	var out []users.NewOAuthAccount
	if i%7 == 0 {
		out = append(out, users.NewOAuthAccount{Provider: "google", AccountID: fmt.Sprintf("1%020d", i),
			Username: fmt.Sprintf("ada%d@gmail.example", i), DisplayName: fmt.Sprintf("Ada \"%d\", L.", i),
			Photos: []string{fmt.Sprintf("https://lh3.example.com/a/ada%d=s96-c", i)}})
	}
	if i%11 == 0 {
		out = append(out, users.NewOAuthAccount{Provider: "github", AccountID: fmt.Sprint(i * 31), Username: fmt.Sprintf("ada-%d", i)})
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// writeGenerated writes n generated users as a users CSV.
func writeGenerated(t *testing.T, file string, n int) {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	_ = w.Write(exports.UserColumns)
	for i := 1; i <= n; i++ {
		r := genUser(i)
		_ = w.Write(r.CSV())
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func (it *importTarget) export(t *testing.T, file string) {
	t.Helper()
	var errOut bytes.Buffer
	if err := run(context.Background(), []string{"export", "--db", it.db, "--secret-file", it.secretFile, "--log-level", "error",
		"--env", it.creds.EnvironmentID, "-o", file}, io.Discard, &errOut); err != nil {
		t.Fatalf("export: %v\n%s", err, errOut.String())
	}
}

// timeless is a users CSV row without what an import cannot keep (when
// the user was created, updated and last seen on the other server), its
// wallets as a set (a user's wallets created in one instant come in no
// particular order).
func timeless(row []string) string {
	var ws []exports.WalletRecord
	if err := json.Unmarshal([]byte(row[13]), &ws); err == nil {
		slices.SortFunc(ws, func(x, y exports.WalletRecord) int { return strings.Compare(x.Chain+x.Address, y.Chain+y.Address) })
		b, _ := json.Marshal(ws)
		row = append(append(row[:13:13], string(b)), row[14:]...)
	}
	var ss []users.NewOAuthAccount
	if err := json.Unmarshal([]byte(row[14]), &ss); err == nil {
		slices.SortFunc(ss, func(x, y users.NewOAuthAccount) int {
			return strings.Compare(x.Provider+" "+x.AccountID, y.Provider+" "+y.AccountID)
		})
		b, _ := json.Marshal(ss)
		row = append(append(row[:14:14], string(b)), row[15:]...)
	}
	return strings.Join(row[:len(row)-3], "\x1f")
}

// sameFiles compares two users CSVs row by row; a row stands for its
// user's id, email, verification, profile, metadata and wallets.
func sameFiles(t *testing.T, what, gotFile, wantFile string, n int) {
	t.Helper()
	open := func(name string) *csv.Reader {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return csv.NewReader(f)
	}
	got, want := open(gotFile), open(wantFile)
	for line := 1; ; line++ {
		g, gerr := got.Read()
		w, werr := want.Read()
		if gerr == io.EOF && werr == io.EOF {
			if line-2 != n {
				t.Fatalf("%s: %d users, want %d", what, line-2, n)
			}
			return
		}
		if gerr != nil || werr != nil {
			t.Fatalf("%s, line %d: %v / %v", what, line, gerr, werr)
		}
		if timeless(g) != timeless(w) {
			t.Fatalf("%s, line %d:\n got %q\nwant %q", what, line, g, w)
		}
	}
}

// TestExportImportRoundTrip: n generated users (emails verified and not,
// profile fields, metadata, wallet-only and id-only users, EVM and Solana
// wallets) imported into one database, exported, imported into a fresh
// one and exported again give the same file row for row (timestamps
// aside), equal to the generated one; importing the export again changes
// nothing (every row updated to itself, no user added).
func TestExportImportRoundTrip(t *testing.T) {
	n := *roundTripUsers
	dir := t.TempDir()
	gen, first, second, third := filepath.Join(dir, "gen.csv"), filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv"), filepath.Join(dir, "c.csv")
	writeGenerated(t, gen, n)

	timed := func(what string, f func()) {
		start := time.Now()
		f()
		d := time.Since(start)
		t.Logf("%s: %d users in %s (%.0f/s)", what, n, d.Round(time.Millisecond), float64(n)/d.Seconds())
	}
	a, b := newImportTarget(t), newImportTarget(t)
	timed("import the generated file", func() {
		if out, err := a.importUsers(t, gen); err != nil || !strings.Contains(out, fmt.Sprintf("created %d, updated 0, skipped 0, failed 0", n)) {
			t.Fatalf("import: %v\n%s", err, out)
		}
	})
	timed("export", func() { a.export(t, first) })
	sameFiles(t, "the first export against the generated users", first, gen, n)

	timed("import the export into a fresh database", func() {
		if out, err := b.importUsers(t, first); err != nil || !strings.Contains(out, fmt.Sprintf("created %d, updated 0, skipped 0, failed 0", n)) {
			t.Fatalf("import: %v\n%s", err, out)
		}
	})
	b.export(t, second)
	sameFiles(t, "the re-imported users against the originals", second, first, n)

	timed("import the export again (idempotent)", func() {
		if out, err := b.importUsers(t, first); err != nil || !strings.Contains(out, fmt.Sprintf("created 0, updated %d, skipped 0, failed 0", n)) {
			t.Fatalf("second import: %v\n%s", err, out)
		}
	})
	b.export(t, third)
	sameFiles(t, "after importing twice", third, first, n)
}
