package httpapi

import (
	"net/http"
)

// checkCaptcha lets a request that starts a sign-in or sends a code
// through when its environment has no captcha enabled, or when the
// captcha provider accepts its captchaToken (captcha.Checker); the
// request is refused before anything is verified, sent or written.
func (s *Server) checkCaptcha(r *http.Request, envID, token string) error {
	if s.captcha == nil {
		return nil
	}
	return s.captcha.Check(r.Context(), envID, token, s.clientIP(r))
}
