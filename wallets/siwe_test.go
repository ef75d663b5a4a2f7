package wallets

import (
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
)

const testAddress = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed" // EIP-55 test vector

// dynamicSIWE is the shape Dynamic's JS SDK signs (dynamic-js-sdk.md).
func dynamicSIWE() string {
	return strings.Join([]string{
		"app.example.com wants you to sign in with your Ethereum account:",
		testAddress,
		"",
		"Welcome to Example. Signing is the only way we can truly know that you are the owner of the wallet you are connecting.",
		"",
		"URI: https://app.example.com/",
		"Version: 1",
		"Chain ID: 1",
		"Nonce: 0123456789abcdef0123456789abcdef",
		"Issued At: 2024-05-01T12:34:56.789Z",
		"Request ID: 2762a57b-faa4-41ce-9f16-abff9300e2c9",
	}, "\n")
}

// fullSIWE has every optional part.
func fullSIWE() string {
	return strings.Join([]string{
		"https://app.example.com:8443 wants you to sign in with your Ethereum account:",
		strings.ToLower(testAddress),
		"",
		"I accept the Terms of Service: https://app.example.com/tos",
		"",
		"URI: https://app.example.com/login?x=1#y",
		"Version: 1",
		"Chain ID: 137",
		"Nonce: abcDEF12",
		"Issued At: 2024-05-01T12:34:56+02:00",
		"Expiration Time: 2024-05-01T13:34:56Z",
		"Not Before: 2024-05-01T12:00:00.5Z",
		"Request ID: some%20id",
		"Resources:",
		"- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/",
		"- https://example.com/my-web2-claim.json",
	}, "\n")
}

func TestParseSIWEDynamicMessage(t *testing.T) {
	m, err := ParseSIWE(dynamicSIWE())
	if err != nil {
		t.Fatal(err)
	}
	want := Message{
		Domain: "app.example.com", Address: testAddress,
		Statement: "Welcome to Example. Signing is the only way we can truly know that you are the owner of the wallet you are connecting.",
		URI:       "https://app.example.com/", Version: "1", ChainID: "1",
		Nonce:     "0123456789abcdef0123456789abcdef",
		IssuedAt:  time.Date(2024, 5, 1, 12, 34, 56, 789e6, time.UTC),
		RequestID: "2762a57b-faa4-41ce-9f16-abff9300e2c9",
	}
	if !m.IssuedAt.Equal(want.IssuedAt) {
		t.Errorf("IssuedAt = %v, want %v", m.IssuedAt, want.IssuedAt)
	}
	m.IssuedAt = want.IssuedAt
	if m.Scheme != want.Scheme || m.Domain != want.Domain || m.Address != want.Address ||
		m.Statement != want.Statement || m.URI != want.URI || m.Version != want.Version ||
		m.ChainID != want.ChainID || m.Nonce != want.Nonce || m.RequestID != want.RequestID ||
		m.ExpirationTime != nil || m.NotBefore != nil || m.Resources != nil {
		t.Errorf("got %+v\nwant %+v", *m, want)
	}
}

func TestParseSIWEAllFields(t *testing.T) {
	m, err := ParseSIWE(fullSIWE())
	if err != nil {
		t.Fatal(err)
	}
	if m.Scheme != "https" || m.Domain != "app.example.com:8443" || m.ChainID != "137" {
		t.Errorf("header/chain: %+v", m)
	}
	if m.ExpirationTime == nil || !m.ExpirationTime.Equal(time.Date(2024, 5, 1, 13, 34, 56, 0, time.UTC)) {
		t.Errorf("ExpirationTime = %v", m.ExpirationTime)
	}
	if m.NotBefore == nil || !m.NotBefore.Equal(time.Date(2024, 5, 1, 12, 0, 0, 5e8, time.UTC)) {
		t.Errorf("NotBefore = %v", m.NotBefore)
	}
	if !m.IssuedAt.Equal(time.Date(2024, 5, 1, 10, 34, 56, 0, time.UTC)) {
		t.Errorf("IssuedAt = %v", m.IssuedAt)
	}
	if m.RequestID != "some%20id" || len(m.Resources) != 2 || m.Resources[1] != "https://example.com/my-web2-claim.json" {
		t.Errorf("request id/resources: %q %q", m.RequestID, m.Resources)
	}
}

func TestParseSIWEWithoutStatement(t *testing.T) {
	base := dynamicSIWE()
	statement := "Welcome to Example. Signing is the only way we can truly know that you are the owner of the wallet you are connecting.\n"
	for name, text := range map[string]string{
		"EIP-4361 grammar (two blank lines)": strings.Replace(base, statement, "", 1),
		"siwe-go style (one blank line)":     strings.Replace(base, statement+"\n", "", 1),
	} {
		t.Run(name, func(t *testing.T) {
			m, err := ParseSIWE(text)
			if err != nil {
				t.Fatal(err)
			}
			if m.Statement != "" || m.URI != "https://app.example.com/" {
				t.Errorf("statement %q, URI %q", m.Statement, m.URI)
			}
		})
	}
}

func TestParseSIWERejects(t *testing.T) {
	good := dynamicSIWE()
	replace := func(old, new string) string {
		if !strings.Contains(good, old) {
			t.Fatalf("test bug: %q not in message", old)
		}
		return strings.Replace(good, old, new, 1)
	}
	swap := func(a, b string) string { return replace(a+"\n"+b, b+"\n"+a) }
	resources := "\nResources:" + strings.Repeat("\n- https://example.com/r", MaxResources+1)

	cases := []struct {
		name, text, wantErr string
	}{
		{"empty", "", "message: empty"},
		{"oversized", good + "\nResources:\n- https://e.com/" + strings.Repeat("a", MaxMessageBytes), "longer than 8192 bytes"},
		{"long line", replace("Welcome", strings.Repeat("x", MaxLineBytes)), "line 4 is longer than 2048 bytes"},
		{"not utf-8", replace("Welcome", "\xff"), "not valid UTF-8"},
		{"CRLF", strings.ReplaceAll(good, "\n", "\r\n"), "control character"},
		{"tab in statement", replace("Welcome to", "Welcome\tto"), "control character"},
		{"trailing newline", good + "\n", "unexpected blank line 12"},
		{"wrong account", replace("Ethereum account", "Solana account"), "first line must be"},
		{"header missing", good[strings.Index(good, "\n")+1:], "first line must be"},
		{"bad domain", replace("app.example.com wants", "app example.com wants"), "invalid domain"},
		{"domain with path", replace("app.example.com wants", "app.example.com/x wants"), "invalid domain"},
		{"bad scheme", replace("app.example.com wants", "1http://app.example.com wants"), "invalid scheme"},
		{"short address", replace(testAddress, testAddress[:41]), "40 hex digits"},
		{"bad checksum", replace(testAddress, "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"), "EIP-55 checksum"},
		{"no blank after address", replace(testAddress+"\n\n", testAddress+"\n"), "blank line after the address"},
		{"no blank after statement", replace("connecting.\n\n", "connecting.\n"), "blank line after the statement"},
		{"two-line statement", replace("Welcome to", "Welcome\nto"), "blank line after the statement"},
		{"missing URI", replace("URI: https://app.example.com/\n", ""), "missing URI line (line 6 is Version)"},
		{"missing Version", replace("Version: 1\n", ""), "missing Version line"},
		{"missing Chain ID", replace("Chain ID: 1\n", ""), "missing Chain ID line"},
		{"missing Nonce", replace("Nonce: 0123456789abcdef0123456789abcdef\n", ""), "message: missing Nonce line"},
		{"missing Issued At", replace("\nIssued At: 2024-05-01T12:34:56.789Z", ""), "missing Issued At line"},
		{"truncated", good[:strings.Index(good, "Version")], "missing Version line"},
		{"wrong order", swap("Version: 1", "Chain ID: 1"), "missing Version line (line 7 is Chain ID)"},
		{"optional out of order", replace("Request ID:", "Expiration Time: 2030-01-01T00:00:00Z\nNot Before: 2029-01-01T00:00:00Z\nRequest ID:") + "\nExpiration Time: 2031-01-01T00:00:00Z", "Expiration Time line 14 is out of order or repeated"},
		{"swapped optionals", replace("Request ID:", "Not Before: 2029-01-01T00:00:00Z\nExpiration Time: 2030-01-01T00:00:00Z\nRequest ID:"), "Expiration Time line 12 is out of order"},
		{"repeated Nonce", good + "\nNonce: abcdefgh1", "Nonce line 12 is out of order or repeated"},
		{"unknown field", good + "\nColour: blue", "unexpected line 12"},
		{"version 2", replace("Version: 1", "Version: 2"), `Version must be 1, got "2"`},
		{"empty version", replace("Version: 1", "Version: "), "Version must be 1"},
		{"chain id not a number", replace("Chain ID: 1", "Chain ID: mainnet"), "Chain ID must be a decimal number"},
		{"chain id leading zero", replace("Chain ID: 1", "Chain ID: 01"), "Chain ID must be a decimal number"},
		{"nonce too short", replace("0123456789abcdef0123456789abcdef", "abc1234"), "at least 8 characters"},
		{"nonce not alphanumeric", replace("0123456789abcdef0123456789abcdef", "0123-4567-89ab"), "letters and digits only"},
		{"bad date", replace("2024-05-01T12:34:56.789Z", "2024-13-01T12:34:56Z"), "Issued At is not an RFC 3339 date-time"},
		{"date without zone", replace("2024-05-01T12:34:56.789Z", "2024-05-01T12:34:56"), "not an RFC 3339"},
		{"date with comma", replace("2024-05-01T12:34:56.789Z", "2024-05-01T12:34:56,789Z"), "not an RFC 3339"},
		{"offset too large", replace("2024-05-01T12:34:56.789Z", "2024-05-01T12:34:56+24:00"), "not an RFC 3339"},
		{"date with space", replace("2024-05-01T12:34:56.789Z", "2024-05-01 12:34:56Z"), "not an RFC 3339"},
		{"bad expiration", replace("Request ID:", "Expiration Time: tomorrow\nRequest ID:"), "Expiration Time is not an RFC 3339"},
		{"relative URI", replace("URI: https://app.example.com/", "URI: /login"), "invalid URI"},
		{"URI with space", replace("URI: https://app.example.com/", "URI: https://app.example.com/a b"), "invalid URI"},
		{"bad request id", replace("Request ID: 2762a57b", "Request ID: 27/62a57b"), "Request ID has characters"},
		{"bad resource", good + "\nResources:\n- not a uri", "invalid resource"},
		{"too many resources", good + resources, "more than 32 resources"},
		{"resource without list", good + "\n- https://example.com/", "unexpected line 12"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseSIWE(tc.text)
			if err == nil {
				t.Fatalf("parsed: %+v", m)
			}
			if !errs.Is(err, errs.KindInvalid) {
				t.Errorf("kind %v, want invalid: %v", errs.KindOf(err), err)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestParseSIWEResourceLimit(t *testing.T) {
	text := dynamicSIWE() + "\nResources:" + strings.Repeat("\n- https://example.com/r", MaxResources)
	m, err := ParseSIWE(text)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Resources) != MaxResources {
		t.Errorf("%d resources", len(m.Resources))
	}
}

func TestMessageValidAt(t *testing.T) {
	issued := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	exp, nbf := issued.Add(time.Hour), issued.Add(10*time.Minute)
	m := &Message{IssuedAt: issued, ExpirationTime: &exp, NotBefore: &nbf}
	skew := time.Minute
	for _, tc := range []struct {
		name string
		now  time.Time
		ok   bool
	}{
		{"inside the window", issued.Add(30 * time.Minute), true},
		{"not before, within skew", nbf.Add(-30 * time.Second), true},
		{"too early", nbf.Add(-2 * time.Minute), false},
		{"expired", exp.Add(2 * time.Minute), false},
		{"expired within skew", exp.Add(30 * time.Second), true},
	} {
		if err := m.ValidAt(tc.now, skew); (err == nil) != tc.ok {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
	future := &Message{IssuedAt: issued.Add(2 * time.Minute)}
	if err := future.ValidAt(issued, skew); err == nil {
		t.Error("Issued At in the future accepted")
	}
}
