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
	}
	schema := "EmailVerificationCreateRequest"
	if retry {
		schema = "EmailVerificationRetryRequest"
	}
	if err := s.decode(w, r, schema, &body); err != nil {
		return err
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

// emailProvider answers GET /sdk/{env}/emailProvider?email=: who
// delivers the email's codes here. dynamicauth ties no email to a social
// provider, so a valid email answers the environment's enabled email
// provider (sendgrid, resend) when it has one, else emailOnly (the
// server's own SMTP or outbox).
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
	provider := "emailOnly"
	if s.providers != nil {
		p, err := s.providers.EnabledEmail(r.Context(), envID)
		if err != nil {
			return err
		}
		if p != nil {
			provider = p.Type
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"emailProvider": provider})
	return nil
}
