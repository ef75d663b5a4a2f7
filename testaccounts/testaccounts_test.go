package testaccounts

import (
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/otp"
)

func TestTestAddressForms(t *testing.T) {
	cases := []struct {
		channel string
		d       otp.Destination
		normal  string // "" when not a test address
	}{
		{otp.ChannelEmail, otp.Destination{Email: "Ada+Dynamic_Test@Example.com"}, "ada+dynamic_test@example.com"},
		{otp.ChannelEmail, otp.Destination{Email: " ada+dynamic_test@example.com "}, "ada+dynamic_test@example.com"},
		{otp.ChannelEmail, otp.Destination{Email: "ada+dynamic_test.x@example.com"}, ""},
		{otp.ChannelEmail, otp.Destination{Email: "ada@dynamic_test.example.com"}, ""},
		{otp.ChannelEmail, otp.Destination{Email: "ada+dynamic_test@"}, ""},
		{otp.ChannelEmail, otp.Destination{Email: "a@b+dynamic_test@example.com"}, ""},
		{otp.ChannelEmail, otp.Destination{Email: "ada@example.com"}, ""},
		{otp.ChannelSMS, otp.Destination{PhoneCountryCode: "1", PhoneNumber: "(555) 123-4242"}, "+15551234242"},
		{otp.ChannelSMS, otp.Destination{PhoneCountryCode: "+1", PhoneNumber: "555.000.0000"}, "+15550000000"},
		{otp.ChannelSMS, otp.Destination{PhoneCountryCode: "1", PhoneNumber: "5551234"}, ""},      // too short
		{otp.ChannelSMS, otp.Destination{PhoneCountryCode: "1", PhoneNumber: "555123424212"}, ""}, // too long
		{otp.ChannelSMS, otp.Destination{PhoneCountryCode: "1", PhoneNumber: "2125551234"}, ""},   // 555 not the area code
		{otp.ChannelSMS, otp.Destination{PhoneCountryCode: "44", PhoneNumber: "5551234242"}, ""},  // not +1
		{otp.ChannelSMS, otp.Destination{PhoneCountryCode: "1", PhoneNumber: "555123424x"}, ""},   // not digits
		{otp.ChannelSMS, otp.Destination{PhoneCountryCode: "15", PhoneNumber: "551234242"}, ""},   // the code split elsewhere
	}
	for _, tc := range cases {
		addr, ok := testAddress(tc.channel, tc.d)
		if ok != (tc.normal != "") || addr.Normal != tc.normal {
			t.Errorf("%s %+v: %q %v, want %q", tc.channel, tc.d, addr.Normal, ok, tc.normal)
		}
		if ok && !looksTest(tc.channel, addr.Normal) {
			t.Errorf("%s: looksTest refuses what testAddress took", addr.Normal)
		}
	}
	for range 20 {
		e, err := liveEmail()
		if err != nil {
			t.Fatal(err)
		}
		addr, ok := testAddress(otp.ChannelEmail, otp.Destination{Email: e})
		if !ok || addr.Normal != e || !strings.HasPrefix(e, "review-") {
			t.Fatalf("live email %q: %v", e, ok)
		}
	}
	if _, ok := testAddress(otp.ChannelEmail, otp.Destination{Email: sandboxEmail}); !ok {
		t.Fatal("the sandbox's example email is not a test address")
	}
	if _, ok := testAddress(otp.ChannelSMS, otp.Destination{PhoneCountryCode: "1", PhoneNumber: sandboxPhone[2:]}); !ok {
		t.Fatal("the sandbox's example number is not a test address")
	}
}
