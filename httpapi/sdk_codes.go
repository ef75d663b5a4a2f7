package httpapi

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/signin"
)

// What the email and SMS code routes share (sdk_email.go, sdk_sms.go).

// codeVerifyBody is EmailVerificationVerifyRequest and
// SmsVerificationVerifyRequest (the same shape).
type codeVerifyBody struct {
	VerificationUUID  string   `json:"verificationUUID"`
	VerificationToken string   `json:"verificationToken"`
	SessionPublicKey  string   `json:"sessionPublicKey"`
	RequestedScopes   []string `json:"requestedScopes"`
	// AllowNewMFALinking is read on sign-in (the JS SDK's verifyOTP).
	AllowNewMFALinking bool `json:"allowNewMFALinking"`
}

// codeRequest decodes a verify request with the caller's context.
func (s *Server) codeRequest(w http.ResponseWriter, r *http.Request, channel, schema string) (signin.CodeRequest, error) {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return signin.CodeRequest{}, err
	}
	var body codeVerifyBody
	if err := s.decode(w, r, schema, &body); err != nil {
		return signin.CodeRequest{}, err
	}
	device, err := deviceProof(r)
	if err != nil {
		return signin.CodeRequest{}, err
	}
	sessionKey := body.SessionPublicKey
	if sessionKey == "" {
		sessionKey = r.Header.Get("X-Dyn-Session-Public-Key")
	}
	return signin.CodeRequest{EnvironmentID: envID, Channel: channel, VerificationID: body.VerificationUUID,
		Code: body.VerificationToken, SessionPublicKey: sessionKey, Device: device, Origin: r.Header.Get("Origin"),
		IssuerHost: s.issuerHost(r), IP: s.clientIP(r), UserAgent: truncateUA(r.UserAgent()), Scopes: body.RequestedScopes,
		Elevated: r.Header.Get(elevatedHeader), AllowNewMFALinking: body.AllowNewMFALinking}, nil
}

// codeSignIn answers {email,sms}Verifications/signin: VerifyResponse.
func (s *Server) codeSignIn(channel, schema string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		req, err := s.codeRequest(w, r, channel, schema)
		if err != nil {
			return err
		}
		res, err := s.signin.CodeSignIn(r.Context(), req)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
		return nil
	}
}

// codeVerify answers {email,sms}Verifications/verify: the signed-in user
// gets the email or number, UpdateSelfResponse with nextView done.
func (s *Server) codeVerify(channel, schema string) func(http.ResponseWriter, *http.Request, *signin.Current) error {
	return func(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
		req, err := s.codeRequest(w, r, channel, schema)
		if err != nil {
			return err
		}
		res, err := s.signin.CodeVerify(r.Context(), cur, req)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, s.toUpdateSelf(w, r, res, "done", nil))
		return nil
	}
}

// codes is the code service, or the channel's "not enabled" refusal.
func (s *Server) startCode(r *http.Request, req otp.Request) (*otp.Started, error) {
	req.Client = rateKey(s.clientIP(r))
	if req.ID != "" {
		return s.signin.CodesOrRefusal(req.Channel, func(c *otp.Service) (*otp.Started, error) { return c.Retry(r.Context(), req) })
	}
	return s.signin.CodesOrRefusal(req.Channel, func(c *otp.Service) (*otp.Started, error) { return c.Start(r.Context(), req) })
}

// wireUpdateSelf is UpdateSelfResponse: VerifyResponse and what comes
// next (nextView, a started verification).
type wireUpdateSelf struct {
	wireVerifyResponse
	NextView          string                 `json:"nextView"`
	EmailVerification *wireEmailVerification `json:"emailVerification,omitempty"`
	SMSVerification   *wireSMSVerification   `json:"smsVerification,omitempty"`
}

type wireEmailVerification struct {
	VerificationUUID string `json:"verificationUUID"`
	Email            string `json:"email"`
}

type wireSMSVerification struct {
	VerificationUUID string `json:"verificationUUID"`
	PhoneNumber      string `json:"phoneNumber"`
	PhoneCountryCode string `json:"phoneCountryCode"`
	ISOCountryCode   string `json:"isoCountryCode"`
}

func toWireVerification(st *otp.Started) (*wireEmailVerification, *wireSMSVerification) {
	if st == nil {
		return nil, nil
	}
	if st.Address.Channel == otp.ChannelSMS {
		return nil, &wireSMSVerification{VerificationUUID: st.Verification.ID, PhoneNumber: st.Address.PhoneNumber,
			PhoneCountryCode: st.Address.PhoneCountryCode, ISOCountryCode: st.Address.ISOCountryCode}
	}
	return &wireEmailVerification{VerificationUUID: st.Verification.ID, Email: st.Address.Display}, nil
}

func (s *Server) toUpdateSelf(w http.ResponseWriter, r *http.Request, res *signin.Result, next string, st *otp.Started) wireUpdateSelf {
	e, m := toWireVerification(st)
	return wireUpdateSelf{wireVerifyResponse: s.verifyResponse(w, r, res), NextView: next, EmailVerification: e, SMSVerification: m}
}
