package users

import (
	"errors"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
)

func errorsAs(err error, e **errs.E) bool { return errors.As(err, e) }

func TestStandardFields(t *testing.T) {
	cases := []struct {
		field, in, want string
		kind            errs.Kind
		code            string
	}{
		{"email", " ada@example.com ", "ada@example.com", ok, ""},
		{"email", "Ada <ada@example.com>", "", errs.KindUnprocessable, "invalid_email"},
		{"email", "ada@localhost", "", errs.KindUnprocessable, "invalid_email"},
		{"email", "not an email", "", errs.KindUnprocessable, "invalid_email"},
		{"email", "", "", ok, ""},
		{"phoneNumber", "+1 (415) 555-0100", "+14155550100", ok, ""},
		{"phoneNumber", "447700900123", "+447700900123", ok, ""},
		{"phoneNumber", "+0123456789", "", errs.KindUnprocessable, "invalid_phone"},
		{"phoneNumber", "+12345", "", errs.KindUnprocessable, "invalid_phone"},
		{"phoneNumber", "+1234567890123456", "", errs.KindUnprocessable, "invalid_phone"},
		{"phoneNumber", "call me", "", errs.KindUnprocessable, "invalid_phone"},
		{"username", "ada_l.1-x", "ada_l.1-x", ok, ""},
		{"username", "ab", "", errs.KindUnprocessable, "invalid_username"},
		{"username", strings.Repeat("a", 65), "", errs.KindUnprocessable, "invalid_username"},
		{"username", "ada lovelace", "", errs.KindUnprocessable, "invalid_username"},
		{"username", "adá", "", errs.KindUnprocessable, "invalid_username"},
		{"country", "us", "US", ok, ""},
		{"country", "USA", "", errs.KindInvalid, ""},
		{"alias", "Zoë O'Brien-Smith", "Zoë O'Brien-Smith", ok, ""},
		{"firstName", "Ada <script>", "", errs.KindInvalid, ""},
		{"team", "R&D / 2", "R&D / 2", ok, ""},
		{"jobTitle", strings.Repeat("a", 256), "", errs.KindInvalid, ""},
		{"tShirtSize", "XL", "XL", ok, ""},
		{"btcWallet", "x", "", errs.KindInvalid, ""},
	}
	for _, c := range cases {
		got, err := CheckStandard(c.field, c.in)
		wantErr(t, c.field+"="+c.in, err, c.kind, c.code, c.field)
		if err == nil && got != c.want {
			t.Errorf("%s=%q -> %q, want %q", c.field, c.in, got, c.want)
		}
	}
}

func TestStandardRequired(t *testing.T) {
	kyc := []KycEntry{{Name: "email", Enabled: true, Required: true}, {Name: "alias", Enabled: true, Required: true},
		{Name: "team", Enabled: false, Required: true}}
	empty := ""
	_, err := checkStandardFields(map[string]*string{"email": nil}, kyc)
	wantErr(t, "clear required email", err, errs.KindUnprocessable, "email_cannot_be_null", "email")
	_, err = checkStandardFields(map[string]*string{"alias": &empty}, kyc)
	wantErr(t, "clear required alias", err, errs.KindInvalid, "", "alias")
	got, err := checkStandardFields(map[string]*string{"team": nil, "firstName": &empty}, kyc)
	if err != nil || len(got) != 2 || got["team"] != "" {
		t.Errorf("clearing optional or disabled fields: %v %v", got, err)
	}
}
