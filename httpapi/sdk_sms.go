package httpapi

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/otp"
)

// SMS codes: smsVerifications/create|retry (signin and verify are the
// shared code routes, sdk_codes.go).

func (s *Server) createSMSVerification(w http.ResponseWriter, r *http.Request) error {
	return s.smsVerification(w, r, false)
}

func (s *Server) retrySMSVerification(w http.ResponseWriter, r *http.Request) error {
	return s.smsVerification(w, r, true)
}

func (s *Server) smsVerification(w http.ResponseWriter, r *http.Request, retry bool) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	var body struct {
		PhoneCountryCode string `json:"phoneCountryCode"`
		PhoneNumber      string `json:"phoneNumber"`
		ISOCountryCode   string `json:"isoCountryCode"`
		VerificationUUID string `json:"verificationUUID"`
		CaptchaToken     string `json:"captchaToken"`
	}
	schema := "SmsVerificationCreateRequest"
	if retry {
		schema = "SmsVerificationRetryRequest"
	}
	if err := s.decode(w, r, schema, &body); err != nil {
		return err
	}
	if !retry {
		// a new code is what a bot wants sent; a retry needs one sent first
		if err := s.checkCaptcha(r, envID, body.CaptchaToken); err != nil {
			return err
		}
	}
	req := otp.Request{EnvironmentID: envID, Channel: otp.ChannelSMS, Destination: otp.Destination{
		PhoneCountryCode: body.PhoneCountryCode, PhoneNumber: body.PhoneNumber, ISOCountryCode: body.ISOCountryCode}}
	if retry {
		req.ID = body.VerificationUUID
	}
	st, err := s.startCode(r, req)
	if err != nil {
		return err
	}
	_, m := toWireVerification(st)
	writeJSON(w, http.StatusOK, m)
	return nil
}
