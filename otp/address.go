package otp

import (
	"net/mail"
	"regexp"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/dynamicauth/dynamicauth/errs"
)

// Address is a normalised destination: what verifications and credentials
// store (a lower-case email, an E.164 number) and what the user typed.
type Address struct {
	Channel string
	// Normal is the stored and compared form.
	Normal string
	// Display is the form the user typed, trimmed (emails keep their case).
	Display string
	// Phone parts as sent, echoed in SmsVerificationCreateResponse; those
	// not sent (a whole number in PUT /users' phoneNumber) are the parsed
	// number's: calling code, national number, region.
	PhoneCountryCode, PhoneNumber, ISOCountryCode string
}

// maxAddress is the contract's maxLength of email and SMS fields.
const maxAddress = 255

// emailRE is the contract's pattern for an email.
var emailRE = regexp.MustCompile(`^[^@]{1,64}@[^@]+$`)

// ParseEmail checks and normalises an email address. Emails compare
// case-insensitively, so the normal form is lower case. With
// blockSubaddresses, plus-addressing (local+tag@domain) is refused.
func ParseEmail(raw string, blockSubaddresses bool) (Address, error) {
	email := strings.TrimSpace(raw)
	if email == "" {
		return Address{}, errs.Unprocessable("email_cannot_be_null", "email: is required", nil)
	}
	if len(email) > maxAddress || !emailRE.MatchString(email) {
		return Address{}, errs.Unprocessable("invalid_email", "email: not an email address", nil)
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" || !strings.Contains(email[strings.IndexByte(email, '@'):], ".") {
		return Address{}, errs.Unprocessable("invalid_email", "email: not an email address", nil)
	}
	if blockSubaddresses && strings.Contains(email[:strings.IndexByte(email, '@')], "+") {
		return Address{}, errs.Unprocessable("invalid_email_address",
			"email: sub-addresses (name+tag@domain) are not accepted by this environment", nil)
	}
	return Address{Channel: ChannelEmail, Normal: strings.ToLower(email), Display: email}, nil
}

// ParsePhone checks a phone number as the SMS routes send it (country
// calling code, number, ISO country) and normalises it to E.164 with
// libphonenumber's rules, so one line is one address however it is typed.
func ParsePhone(countryCode, number, isoCountry string) (Address, error) {
	cc, num, iso := strings.TrimSpace(countryCode), strings.TrimSpace(number), strings.ToUpper(strings.TrimSpace(isoCountry))
	invalid := errs.Unprocessable("invalid_phone", "phoneNumber: not a valid phone number for its country", nil)
	if num == "" || len(num) > maxAddress || len(cc) > maxAddress || len(iso) > 4 {
		return Address{}, invalid
	}
	var text, region string
	switch {
	case strings.HasPrefix(num, "+"):
		text = num
	case cc != "":
		text = "+" + strings.TrimPrefix(cc, "+") + num
	default:
		text, region = num, iso
	}
	p, err := phonenumbers.Parse(text, region)
	if err != nil || !phonenumbers.IsValidNumber(p) {
		return Address{}, invalid
	}
	if iso != "" && phonenumbers.GetRegionCodeForNumber(p) != iso && !regionShares(p, iso) {
		return Address{}, errs.Unprocessable("invalid_phone", "phoneNumber: not a number of "+iso, nil)
	}
	e164 := phonenumbers.Format(p, phonenumbers.E164)
	a := Address{Channel: ChannelSMS, Normal: e164, Display: e164, PhoneCountryCode: cc, PhoneNumber: num, ISOCountryCode: isoCountry}
	// SmsVerificationCreateResponse requires all three (Dynamic's JS SDK
	// hands updateUser's smsVerification to the app as its verification).
	if cc == "" {
		a.PhoneCountryCode = strconv.Itoa(int(p.GetCountryCode()))
		a.PhoneNumber = phonenumbers.GetNationalSignificantNumber(p)
	}
	if iso == "" {
		a.ISOCountryCode = phonenumbers.GetRegionCodeForNumber(p)
	}
	return a, nil
}

// regionShares tells whether iso uses p's calling code (+1 is shared by
// the US, Canada and the Caribbean; a number's region is one of them).
func regionShares(p *phonenumbers.PhoneNumber, iso string) bool {
	return phonenumbers.GetCountryCodeForRegion(iso) == int(p.GetCountryCode())
}
