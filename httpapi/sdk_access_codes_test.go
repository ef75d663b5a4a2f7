package httpapi_test

import (
	"slices"
	"testing"
)

// TestAllowlistsDecideCodeSignIns: access is decided at email and SMS
// code sign-ins as at wallet ones. A members-only site (an emailDomain
// and a phoneNumber entry) refuses an outsider's code sign-in with 403
// naming the email, and writes no user; a member signs in with the list
// in the JWT's lists claim; a scope list adds its scope by exact email.
func TestAllowlistsDecideCodeSignIns(t *testing.T) {
	h, box := newCodeHarness(t, "sqlite")
	env := h.ids.EnvironmentID
	sdk := "/sdk/" + env
	h.enableCodes(t, env, nil, "emailOnly", "sms")
	h.newAllowlist(t, env, map[string]any{"name": "members", "outcome": "siteAccess"},
		map[string]any{"emailDomain": "members.example"}, map[string]any{"phoneNumber": "+14155550134"})
	h.newAllowlist(t, env, map[string]any{"name": "vips", "outcome": "scope", "scope": "vip"},
		map[string]any{"email": "Boss@Members.example"})

	emailSignIn := func(email string) (int, any) {
		t.Helper()
		st, res := h.do(t, "POST", sdk+"/emailVerifications/create", "", map[string]any{"email": email})
		wantStatus(t, "create "+email, st, 200, res)
		return h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{
			"verificationUUID": str(t, res, "verificationUUID"), "verificationToken": box.Code(t, email)})
	}
	smsSignIn := func(number string) (int, any) {
		t.Helper()
		st, res := h.do(t, "POST", sdk+"/smsVerifications/create", "", map[string]any{"phoneCountryCode": "1",
			"phoneNumber": number, "isoCountryCode": "US"})
		wantStatus(t, "create "+number, st, 200, res)
		vid := str(t, res, "verificationUUID")
		return h.do(t, "POST", sdk+"/smsVerifications/signin", "", map[string]any{
			"verificationUUID": vid, "verificationToken": box.Code(t, "+1"+digits(number))})
	}

	st, res := emailSignIn("outsider@other.example")
	wantError(t, "an outsider's email code sign-in", st, res, 403)
	wantEq(t, res, "payload.email", "outsider@other.example")
	st, res = smsSignIn("4155550199")
	wantError(t, "an outsider's SMS code sign-in", st, res, 403)
	if _, users := h.listUsers(t, h.token, env, ""); len(users) != 0 {
		t.Fatalf("a refused code sign-in wrote a user: %v", users)
	}

	st, res = emailSignIn("ann@members.example")
	wantStatus(t, "a member's email code sign-in", st, 200, res)
	c := claimsOf(t, str(t, res, "jwt"))
	if !slices.Equal(listsOf(c), []string{"members"}) || slices.Contains(scopesOf(c), "vip") {
		t.Fatalf("member: lists %v scope %v", c["lists"], c["scope"])
	}
	st, res = emailSignIn("boss@members.example")
	wantStatus(t, "a vip's email code sign-in", st, 200, res)
	c = claimsOf(t, str(t, res, "jwt"))
	if !slices.Equal(listsOf(c), []string{"members", "vips"}) || !slices.Contains(scopesOf(c), "vip") {
		t.Fatalf("vip: lists %v scope %v", c["lists"], c["scope"])
	}
	st, res = smsSignIn("(415) 555-0134")
	wantStatus(t, "a member's SMS code sign-in", st, 200, res)
	if c := claimsOf(t, str(t, res, "jwt")); !slices.Equal(listsOf(c), []string{"members"}) {
		t.Fatalf("SMS member: lists %v", c["lists"])
	}
}

func digits(s string) string {
	var out []rune
	for _, r := range s {
		if r >= '0' && r <= '9' {
			out = append(out, r)
		}
	}
	return string(out)
}

// TestAccessDecidesOnTheOperatorsUserACodeJoins: an email code sign-in of
// an address an operator gave a user (admin API, no email credential yet)
// signs that user in. The decision must be about that user, whose wallet
// is on a block list, not about the email alone.
func TestAccessDecidesOnTheOperatorsUserACodeJoins(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testAccessOnEmailHolder(t, backend) })
	}
}

func testAccessOnEmailHolder(t *testing.T, backend string) {
	h, box := newCodeHarness(t, backend)
	env := h.ids.EnvironmentID
	sdk := "/sdk/" + env
	h.enableCodes(t, env, nil, "emailOnly")
	w := newEVMWallet(t)
	h.createUser(t, env, map[string]any{"email": "held@corp.example", "wallets": []any{map[string]any{
		"publicWalletAddress": w.address, "chain": "EVM", "walletName": "x", "walletProvider": "browserExtension"}}})
	h.newAllowlist(t, env, map[string]any{"name": "banned", "outcome": "block"}, map[string]any{"walletPublicKey": w.address})
	st, res := h.do(t, "POST", sdk+"/emailVerifications/create", "", map[string]any{"email": "held@corp.example"})
	wantStatus(t, "create", st, 200, res)
	st, res = h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{
		"verificationUUID": str(t, res, "verificationUUID"), "verificationToken": box.Code(t, "held@corp.example")})
	wantError(t, "the code sign-in of a blocked user's email", st, res, 403)
}
