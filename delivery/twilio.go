package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// TwilioURL is Twilio's REST API; TwilioConfig.BaseURL (--sms-url)
// replaces it.
const TwilioURL = "https://api.twilio.com"

// TwilioConfig configures the Twilio SMSSender.
type TwilioConfig struct {
	AccountSID string // AC…
	AuthToken  string
	// From is the sending number (E.164) or a Messaging Service SID (MG…).
	From    string
	BaseURL string // default TwilioURL
	HTTP    *http.Client
}

// Twilio sends SMS through Twilio's Messages API
// (POST /2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP basic auth
// with the account SID and auth token, form-encoded To, From or
// MessagingServiceSid, Body; 201 when queued).
type Twilio struct {
	c        TwilioConfig
	endpoint string
}

var (
	twilioSID = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	e164      = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
)

// NewTwilio checks the configuration.
func NewTwilio(c TwilioConfig) (*Twilio, error) {
	switch {
	case !twilioSID.MatchString(c.AccountSID):
		return nil, errors.New("twilio: the account SID is AC followed by 32 hex digits")
	case c.AuthToken == "":
		return nil, errors.New("twilio: no auth token")
	case !e164.MatchString(c.From) && !strings.HasPrefix(c.From, "MG"):
		return nil, fmt.Errorf("twilio: from %q is neither an E.164 number nor a Messaging Service SID (MG…)", c.From)
	}
	if c.BaseURL == "" {
		c.BaseURL = TwilioURL
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("twilio: base URL %q is not an http(s) URL", c.BaseURL)
	}
	if c.HTTP == nil {
		c.HTTP = NewHTTPClient(0)
	}
	return &Twilio{c: c, endpoint: strings.TrimRight(c.BaseURL, "/") + "/2010-04-01/Accounts/" + c.AccountSID + "/Messages.json"}, nil
}

// SendSMS sends m.
func (t *Twilio) SendSMS(ctx context.Context, m SMS) error {
	if !e164.MatchString(m.To) {
		return fmt.Errorf("twilio: recipient %q is not an E.164 number", m.To)
	}
	if m.Body == "" {
		return errors.New("twilio: empty message")
	}
	form := url.Values{"To": {m.To}, "Body": {m.Body}}
	if strings.HasPrefix(t.c.From, "MG") {
		form.Set("MessagingServiceSid", t.c.From)
	} else {
		form.Set("From", t.c.From)
	}
	req, err := http.NewRequest(http.MethodPost, t.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("twilio: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(t.c.AccountSID, t.c.AuthToken)
	return call(ctx, t.c.HTTP, "twilio", req, twilioError, t.c.AuthToken, m.Code)
}

// twilioError reads Twilio's {"code","message","more_info","status"}.
func twilioError(body []byte) string {
	var e struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil || e.Message == "" {
		return ""
	}
	if e.Code != 0 {
		return e.Message + " (Twilio error " + strconv.Itoa(e.Code) + ")"
	}
	return e.Message
}
