package httpapi

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/otp"
)

// Email codes: emailVerifications/create|retry|signin|verify and
// emailProvider. The rules are package otp's and signin's.

func (s *Server) createEmailVerification(w http.ResponseWriter, r *http.Request) error {
	return s.emailVerification(w, r, false)
}

func (s *Server) retryEmailVerification(w http.ResponseWriter, r *http.Request) error {
	return s.emailVerification(w, r, true)
}

func (s *Server) emailVerification(w http.ResponseWriter, r *http.Request, retry bool) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	var body struct {
		Email            string `json:"email"`
		VerificationUUID string `json:"verificationUUID"`
		CaptchaToken     string `json:"captchaToken"`
	}
	schema := "EmailVerificationCreateRequest"
	if retry {
		schema = "EmailVerificationRetryRequest"
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
	req := otp.Request{EnvironmentID: envID, Channel: otp.ChannelEmail, Destination: otp.Destination{Email: body.Email}}
	if retry {
		req.ID = body.VerificationUUID
	}
	st, err := s.startCode(r, req)
	if err != nil {
		return err
	}
	e, _ := toWireVerification(st)
	writeJSON(w, http.StatusOK, e)
	return nil
}

// emailProvider answers GET /sdk/{env}/emailProvider?email=: the
// provider the email signs in with. The official client documents it as
// the sign-in method (emailOnly, or magicLink when Magic's external
// provider is on and the email is not a wallet user's), not the delivery:
// dynamicauth signs every email in with its own codes, whether they are
// sent by SMTP, the outbox or the environment's SendGrid or Resend, so a
// valid email answers emailOnly.
func (s *Server) emailProvider(w http.ResponseWriter, r *http.Request) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	if _, err := s.tenants.PublicSettings(r.Context(), envID); err != nil {
		return err
	}
	if _, err := otp.ParseEmail(r.URL.Query().Get("email"), false); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"emailProvider": "emailOnly"})
	return nil
}
