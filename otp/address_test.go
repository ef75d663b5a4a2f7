package otp_test

import (
	"testing"

	"github.com/dynamicauth/dynamicauth/otp"
)

// ParsePhone echoes the parts a request sent and fills in those it did not
// from the parsed number: PUT /users sends one whole number, and its
// smsVerification (SmsVerificationCreateResponse) requires all three.
func TestParsePhoneParts(t *testing.T) {
	for _, c := range []struct {
		name, cc, num, iso       string
		wantCC, wantNum, wantISO string
	}{
		{"as the SMS routes send it", "1", "4155550188", "US", "1", "4155550188", "US"},
		{"a whole number (PUT /users)", "", "+14155550188", "", "1", "4155550188", "US"},
		{"a whole number with its region", "", "+447911123456", "GB", "44", "7911123456", "GB"},
		{"a national number with its region", "", "07911 123456", "GB", "44", "7911123456", "GB"},
		{"a whole number with a calling code sent", "+1", "+14155550188", "", "+1", "+14155550188", "US"},
	} {
		a, err := otp.ParsePhone(c.cc, c.num, c.iso)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if a.PhoneCountryCode != c.wantCC || a.PhoneNumber != c.wantNum || a.ISOCountryCode != c.wantISO {
			t.Errorf("%s: parts %q %q %q, want %q %q %q", c.name, a.PhoneCountryCode, a.PhoneNumber, a.ISOCountryCode,
				c.wantCC, c.wantNum, c.wantISO)
		}
		if a.Normal != "+14155550188" && a.Normal != "+447911123456" {
			t.Errorf("%s: normal %q", c.name, a.Normal)
		}
	}
}
