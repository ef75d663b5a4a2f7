package users

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

func admWantKind(t *testing.T, what string, err error, k errs.Kind, fragment string) {
	t.Helper()
	if k == errs.KindInternal {
		if err != nil {
			t.Errorf("%s: unexpected error %v", what, err)
		}
		return
	}
	if !errs.Is(err, k) {
		t.Errorf("%s: error %v, want kind %d", what, err, k)
		return
	}
	if fragment != "" && !strings.Contains(err.Error(), fragment) {
		t.Errorf("%s: error %q does not mention %q", what, err, fragment)
	}
}

func TestParseUserFilter(t *testing.T) {
	const evm = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
	cases := []struct {
		name                         string
		column, value, social, chain string
		want                         Filter
		bad                          string
	}{
		{name: "empty", want: Filter{}},
		{name: "value searches all", value: " ann ", want: Filter{Column: FilterAll, Value: "ann"}},
		{name: "column without value", column: "email", want: Filter{}},
		{name: "email", column: "email", value: "a@b", want: Filter{Column: FilterEmail, Value: "a@b"}},
		{name: "evm address keeps a lower-case form", column: "walletPublicKey", value: evm,
			want: Filter{Column: FilterWalletPublicKey, Value: evm, EVMAddress: strings.ToLower(evm)}},
		{name: "upper-case hex", column: "wallet", value: "0x" + strings.ToUpper(evm[2:]),
			want: Filter{Column: FilterWallet, Value: "0x" + strings.ToUpper(evm[2:]), EVMAddress: strings.ToLower(evm)}},
		{name: "chain EVM is eip155", chain: "EVM", want: Filter{Chains: []string{ChainEIP155}}},
		{name: "chain ETH is eip155", chain: "ETH", want: Filter{Chains: []string{ChainEIP155}}},
		{name: "chain SOL", chain: "SOL", want: Filter{Chains: []string{ChainSolana}}},
		{name: "chain without sign-in", chain: "BTC", want: Filter{Chains: []string{"btc"}}},
		{name: "social provider", social: "google", want: Filter{SocialProvider: "google"}},
		{name: "unknown column", column: "password", value: "x", bad: "filter[filterColumn]"},
		{name: "visitor-only column is fine", column: "id", value: "x", want: Filter{Column: FilterID, Value: "x"}},
		{name: "value too long", value: strings.Repeat("v", 256), bad: "filter[filterValue]"},
		{name: "NUL", value: "\x00", bad: "filter[filterValue]"},
		{name: "NUL after text", column: "email", value: "ann\x00%", bad: "filter[filterValue]"},
		{name: "C1 control", value: "a\u0085b", bad: "filter[filterValue]"},
		{name: "invalid UTF-8", value: "a\xffb", bad: "filter[filterValue]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseUserFilter(tc.column, tc.value, tc.social, tc.chain)
			if tc.bad != "" {
				admWantKind(t, tc.name, err, errs.KindInvalid, tc.bad)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Column != tc.want.Column || got.Value != tc.want.Value || got.EVMAddress != tc.want.EVMAddress ||
				got.SocialProvider != tc.want.SocialProvider || !slices.Equal(got.Chains, tc.want.Chains) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	for _, col := range admUserColumns {
		if _, err := ParseUserFilter(string(col), "x", "", ""); err != nil {
			t.Errorf("column %s refused: %v", col, err)
		}
	}
}

func TestParseVisitorFilter(t *testing.T) {
	if _, err := ParseVisitorFilter("email", "x", ""); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("visitors filter by email: %v", err)
	}
	f, err := ParseVisitorFilter("walletPublicKey", "0xAbC", "ETH")
	if err != nil || f.Column != FilterWalletPublicKey || !slices.Equal(f.Chains, []string{"EVM", "ETH"}) {
		t.Errorf("got %+v, %v", f, err)
	}
	if f, _ := ParseVisitorFilter("", "", "SOL"); !slices.Equal(f.Chains, []string{"SOL"}) {
		t.Errorf("SOL chains: %v", f.Chains)
	}
}

func TestParseOrder(t *testing.T) {
	cases := []struct {
		in   string
		want Order
		bad  bool
	}{
		{"", Order{Field: "createdAt", Desc: true}, false},
		{"email", Order{Field: "email"}, false},
		{"email:asc", Order{Field: "email"}, false},
		{"lastVisit:desc", Order{Field: "lastVisit", Desc: true}, false},
		{"updatedAt:DESC", Order{Field: "updatedAt", Desc: true}, false},
		{" firstName:asc ", Order{Field: "firstName"}, false},
		{"password", Order{}, true},
		{"email;drop table users", Order{}, true},
		{"email:sideways", Order{}, true},
		{"email:", Order{}, true},
		{"Email", Order{}, true},
		{"created_at", Order{}, true},
	}
	for _, tc := range cases {
		got, err := ParseOrder(tc.in, UserOrderFields)
		if tc.bad {
			admWantKind(t, "orderBy="+tc.in, err, errs.KindInvalid, "orderBy")
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("orderBy=%q: got %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	if _, err := ParseOrder("email", VisitorOrderFields); err == nil {
		t.Error("visitors sort by email")
	}
}

func TestParsePage(t *testing.T) {
	cases := []struct {
		offset, limit string
		want          Page
		bad           string
	}{
		{"", "", Page{Limit: 100}, ""},
		{"20", "10", Page{Offset: 20, Limit: 10}, ""},
		{"0", "1000", Page{Limit: 1000}, ""},
		{"", "1001", Page{}, "limit"},
		{"", "0", Page{}, "limit"},
		{"", "-5", Page{}, "limit"},
		{"", "1.5", Page{}, "limit"},
		{"-1", "", Page{}, "offset"},
		{"x", "", Page{}, "offset"},
	}
	for _, tc := range cases {
		got, err := ParsePage(tc.offset, tc.limit)
		if tc.bad != "" {
			admWantKind(t, "page "+tc.offset+"/"+tc.limit, err, errs.KindInvalid, tc.bad)
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("offset=%q limit=%q: got %+v, %v", tc.offset, tc.limit, got, err)
		}
	}
}

func admCred(id, format string, signIn bool) Credential {
	return Credential{ID: id, Format: format, SignInEnabled: signIn}
}

func TestCheckCredentialDeletion(t *testing.T) {
	cases := []struct {
		name  string
		creds []Credential
		del   string
		want  errs.Kind
	}{
		{"last sign-in credential", []Credential{admCred("w", FormatBlockchain, true)}, "w", errs.KindUnprocessable},
		{"another wallet remains", []Credential{admCred("w", FormatBlockchain, true), admCred("v", FormatBlockchain, true)}, "w", errs.KindInternal},
		{"an email remains", []Credential{admCred("w", FormatBlockchain, true), admCred("e", FormatEmail, true)}, "w", errs.KindInternal},
		{"only a non-sign-in credential remains", []Credential{admCred("w", FormatBlockchain, true), admCred("v", FormatBlockchain, false)}, "w", errs.KindUnprocessable},
		{"deleting a non-sign-in credential", []Credential{admCred("w", FormatBlockchain, true), admCred("v", FormatBlockchain, false)}, "v", errs.KindInternal},
		{"not the user's", []Credential{admCred("w", FormatBlockchain, true)}, "x", errs.KindNotFound},
	}
	for _, tc := range cases {
		err := CheckCredentialDeletion(&User{Credentials: tc.creds}, tc.del)
		admWantKind(t, tc.name, err, tc.want, "")
		if tc.want == errs.KindUnprocessable {
			var e *errs.E
			if !errors.As(err, &e) || e.Code != "cannot_delete_last_sign_in_verified_credential" {
				t.Errorf("%s: code %v", tc.name, err)
			}
		}
	}
}

func admPtr(s string) *string { return &s }

func TestDraft(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	verified := now.Add(-time.Hour)
	const evm = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
	in := &NewUser{Profile: ProfilePatch{Alias: admPtr("  al "), Metadata: json.RawMessage(`{ "a" : 1 }`)},
		Email: "Al@Example.com", EmailVerifiedAt: &verified,
		Wallets: []NewWallet{{Address: strings.ToLower(evm), Chain: "EVM", WalletName: "metamask", WalletProvider: "browserExtension"}}}
	u, err := in.draft("", "env", now)
	if err != nil {
		t.Fatal(err)
	}
	if u.Alias != "al" || u.Email != "Al@Example.com" || string(u.Metadata) != `{"a":1}` || len(u.Credentials) != 2 {
		t.Fatalf("draft %+v", u)
	}
	e, w := u.Credentials[0], u.Credentials[1]
	if e.Format != FormatEmail || e.Address != "al@example.com" || !e.VerifiedAt.Equal(verified) || !e.SignInEnabled {
		t.Errorf("email credential %+v", e)
	}
	if w.Format != FormatBlockchain || w.Chain != ChainEIP155 || w.Address != strings.ToLower(evm) || w.PublicIdentifier != evm {
		t.Errorf("wallet credential %+v", w)
	}
	if u.PrimaryWallet().ID != w.ID || ChainEnumOf(w.Chain) != "EVM" {
		t.Errorf("primary wallet")
	}

	bad := []struct {
		name string
		in   NewUser
		kind errs.Kind
		frag string
	}{
		{"email", NewUser{Email: "Al <al@example.com>"}, errs.KindInvalid, "email"},
		{"verified without email", NewUser{EmailVerifiedAt: &verified}, errs.KindInvalid, "emailVerifiedAt"},
		{"id", NewUser{ID: "ABC"}, errs.KindInvalid, "id"},
		{"evm address", NewUser{Wallets: []NewWallet{{Address: "0x12", Chain: "EVM"}}}, errs.KindInvalid, "wallets[0].publicWalletAddress"},
		{"solana address", NewUser{Wallets: []NewWallet{{Address: evm, Chain: "SOL"}}}, errs.KindInvalid, "wallets[0].publicWalletAddress"},
		{"chain", NewUser{Wallets: []NewWallet{{Address: "x", Chain: "BTC"}}}, errs.KindInvalid, "wallets[0].chain"},
		{"same wallet twice", NewUser{Wallets: []NewWallet{{Address: evm, Chain: "EVM"}, {Address: strings.ToLower(evm), Chain: "ETH"}}},
			errs.KindConflict, ""},
		{"long field", NewUser{Profile: ProfilePatch{Team: admPtr(strings.Repeat("é", 256))}}, errs.KindInvalid, "team"},
		{"metadata not an object", NewUser{Profile: ProfilePatch{Metadata: json.RawMessage(`[1]`)}}, errs.KindInvalid, "metadata"},
		{"metadata too large", NewUser{Profile: ProfilePatch{Metadata: json.RawMessage(`{"x":"` + strings.Repeat("y", 8200) + `"}`)}},
			errs.KindUnprocessable, "metadata"},
		{"oauth accounts", NewUser{OAuthAccounts: 1}, errs.KindUnprocessable, "oauthAccounts"},
		{"social provider", NewUser{Social: []NewOAuthAccount{{Provider: "goo gle", AccountID: "1"}}}, errs.KindInvalid,
			"socialAccounts[0].provider"},
		{"social without account id", NewUser{Social: []NewOAuthAccount{{Provider: "google", AccountID: " "}}}, errs.KindInvalid,
			"socialAccounts[0].accountId"},
		{"social display name too long", NewUser{Social: []NewOAuthAccount{{Provider: "google", AccountID: "1",
			DisplayName: strings.Repeat("é", 256)}}}, errs.KindInvalid, "socialAccounts[0].displayName"},
		{"same social account twice", NewUser{Social: []NewOAuthAccount{{Provider: "github", AccountID: "7"},
			{Provider: "github", AccountID: "7", Username: "x"}}}, errs.KindConflict, "socialAccounts"},
	}
	for _, tc := range bad {
		_, err := tc.in.draft("", "env", now)
		admWantKind(t, tc.name, err, tc.kind, tc.frag)
	}
}

// TestSocialAccountCredential: an imported social account is stored as a
// social sign-in stores it (format oauth, the provider scoping the account
// id), shown by its username, else an email, else its display name, else
// its id; and read back in the same form.
func TestSocialAccountCredential(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in    NewOAuthAccount
		shown string
		back  NewOAuthAccount
	}{
		{NewOAuthAccount{Provider: "github", AccountID: "7", Username: "ada", DisplayName: "Ada L."}, "ada",
			NewOAuthAccount{Provider: "github", AccountID: "7", Username: "ada", DisplayName: "Ada L."}},
		{NewOAuthAccount{Provider: "google", AccountID: "8", Emails: []string{"ada@example.com"}, DisplayName: "Ada"}, "ada@example.com",
			NewOAuthAccount{Provider: "google", AccountID: "8", Username: "ada@example.com", DisplayName: "Ada"}},
		{NewOAuthAccount{Provider: "discord", AccountID: "9", DisplayName: "Ada"}, "Ada",
			NewOAuthAccount{Provider: "discord", AccountID: "9", DisplayName: "Ada"}},
		{NewOAuthAccount{Provider: "twitter", AccountID: "10"}, "10", NewOAuthAccount{Provider: "twitter", AccountID: "10"}},
		{NewOAuthAccount{Provider: "google", AccountID: "11", DisplayName: "Ada",
			Photos: []string{"https://lh3.example.com/a/ada=s96-c", "https://lh3.example.com/a/old.png"}}, "Ada",
			NewOAuthAccount{Provider: "google", AccountID: "11", DisplayName: "Ada", Photos: []string{"https://lh3.example.com/a/ada=s96-c"}}},
	} {
		u, err := (&NewUser{Social: []NewOAuthAccount{tc.in}}).draft("", "env", now)
		if err != nil {
			t.Fatal(err)
		}
		c := u.Credentials[0]
		if c.Format != FormatOAuth || c.Chain != tc.in.Provider || c.WalletProvider != tc.in.Provider || c.Address != tc.in.AccountID ||
			c.PublicIdentifier != tc.shown || c.UserID != u.ID || !c.SignInEnabled {
			t.Errorf("%+v stored as %+v", tc.in, c)
		}
		if got := OAuthAccountOf(&c); !reflect.DeepEqual(got, tc.back) {
			t.Errorf("%+v read back as %+v, want %+v", tc.in, got, tc.back)
		}
	}
	// A photo a client could not safely show as an image refuses the
	// account, naming it.
	for _, bad := range []string{"javascript:alert(1)", "", "/a.png", "https://cdn.example.com/a b.png"} {
		in := NewOAuthAccount{Provider: "google", AccountID: "12", Photos: []string{"https://lh3.example.com/a.png", bad}}
		_, err := (&NewUser{Social: []NewOAuthAccount{in}}).draft("", "env", now)
		if !errs.Is(err, errs.KindInvalid) || !strings.Contains(err.Error(), "socialAccounts[0].photos[1]") {
			t.Errorf("photo %q: %v, want a 400 naming socialAccounts[0].photos[1]", bad, err)
		}
	}
}

func TestMerge(t *testing.T) {
	existing := &User{ID: "u1", Alias: "old", FirstName: "Keep", Credentials: []Credential{
		{ID: "c1", Format: FormatBlockchain, Chain: ChainEIP155, Address: "0xaa"}}}
	draft := &User{Email: "new@example.com", Credentials: []Credential{
		{ID: "d1", Format: FormatBlockchain, Chain: ChainEIP155, Address: "0xaa"},
		{ID: "d2", Format: FormatBlockchain, Chain: ChainSolana, Address: "Sol"}}}
	add, err := Merge(existing, draft, ProfilePatch{Alias: admPtr("new")})
	if err != nil {
		t.Fatal(err)
	}
	if existing.Alias != "new" || existing.FirstName != "Keep" || existing.Email != "new@example.com" {
		t.Errorf("merged %+v", existing)
	}
	if len(add) != 1 || add[0].ID != "d2" || add[0].UserID != "u1" {
		t.Errorf("credentials to add %+v", add)
	}
	existing.Email = "other@example.com"
	if _, err := Merge(existing, draft, ProfilePatch{}); !errs.Is(err, errs.KindConflict) {
		t.Errorf("merging another email: %v", err)
	}
}

// admFakeStore answers the lookups reach checks make; other methods panic.
type admFakeStore struct {
	AdminStore
	envs  map[string]*tenant.Environment
	users map[string]*User
}

func (f *admFakeStore) GetEnvironment(_ context.Context, id string) (*tenant.Environment, error) {
	if e, ok := f.envs[id]; ok {
		return e, nil
	}
	return nil, errs.NotFound("environment_not_found", "environment not found")
}

func (f *admFakeStore) GetUser(_ context.Context, id string) (*User, error) {
	if u, ok := f.users[id]; ok {
		return u, nil
	}
	return nil, errs.NotFound("user_not_found", "user not found")
}

func (f *admFakeStore) UserSessions(context.Context, string) ([]UserSession, error) { return nil, nil }

func TestUserReach(t *testing.T) {
	st := &admFakeStore{
		envs: map[string]*tenant.Environment{"a": {ID: "a", OrganizationID: "o1"}, "b": {ID: "b", OrganizationID: "o1"},
			"x": {ID: "x", OrganizationID: "o2"}},
		users: map[string]*User{"ua": {ID: "ua", EnvironmentID: "a"}, "ux": {ID: "ux", EnvironmentID: "x"}},
	}
	a := NewAdmin(st, nil)
	ctx := context.Background()
	// environment tokens of a developer of o1 (what the store's TokenByHash
	// gives with the token)
	developer := map[string]tenant.Role{"o1": tenant.RoleDeveloper}
	envA := &tenant.Principal{Token: tenant.Token{EnvironmentID: "a", OrganizationID: "o1"}, Memberships: developer}
	readOnly := &tenant.Principal{Token: tenant.Token{EnvironmentID: "a", OrganizationID: "o1", Scopes: []tenant.Scope{tenant.ScopeUsersRead}},
		Memberships: developer}
	cases := []struct {
		name      string
		p         *tenant.Principal
		env, user string
		want      errs.Kind
	}{
		{"own environment", envA, "a", "ua", errs.KindInternal},
		{"legacy route", envA, "", "ua", errs.KindInternal},
		{"read scope reads", readOnly, "", "ua", errs.KindInternal},
		{"user of another environment via own path", envA, "a", "ux", errs.KindNotFound},
		{"sibling path environment", envA, "b", "ua", errs.KindForbidden},
		{"legacy user out of reach is hidden", envA, "", "ux", errs.KindNotFound},
		{"unknown user", envA, "", "nobody", errs.KindNotFound},
		{"unknown environment", envA, "zz", "ua", errs.KindNotFound},
	}
	for _, tc := range cases {
		_, _, err := a.GetUser(ctx, tc.p, tc.env, tc.user)
		admWantKind(t, tc.name, err, tc.want, "")
	}
	_, err := a.user(ctx, readOnly, "", "ua", tenant.Write)
	admWantKind(t, "read scope cannot write", err, errs.KindForbidden, "environment.users.write")
}
