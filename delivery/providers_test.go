package delivery_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/delivery"
)

// recorder is a provider API: it checks each request with check and
// answers status and body.
type recorder struct {
	calls  atomic.Int32
	status int
	body   string
	check  func(t *testing.T, r *http.Request, body []byte)
}

func (rec *recorder) serve(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.calls.Add(1)
		b, _ := io.ReadAll(r.Body)
		rec.check(t, r, b)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.status)
		_, _ = io.WriteString(w, rec.body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func wantHeader(t *testing.T, r *http.Request, name, want string) {
	t.Helper()
	if got := r.Header.Get(name); got != want {
		t.Errorf("%s: %q, want %q", name, got, want)
	}
}

func wantJSON(t *testing.T, body []byte, want string) {
	t.Helper()
	var got, exp any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("body is not JSON: %s", body)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("body\n got %s\nwant %s", body, want)
	}
}

const sgKey = "SG.test-key.0123456789abcdefghij"

func TestSendGridSendsAsTheV3MailSendAPIDocuments(t *testing.T) {
	rec := &recorder{status: http.StatusAccepted, check: func(t *testing.T, r *http.Request, b []byte) {
		if r.Method != http.MethodPost || r.URL.Path != "/v3/mail/send" {
			t.Errorf("%s %s, want POST /v3/mail/send", r.Method, r.URL.Path)
		}
		wantHeader(t, r, "Authorization", "Bearer "+sgKey)
		wantHeader(t, r, "Content-Type", "application/json")
		wantJSON(t, b, `{"personalizations":[{"to":[{"email":"ada@example.com"}]}],
			"from":{"email":"auth@acme.test","name":"Acme"},
			"subject":"428613 is your Acme verification code",
			"content":[{"type":"text/plain","value":"Your Acme verification code is: 428613\n"},
			           {"type":"text/html","value":"<p>Your Acme verification code is: <b>428613</b></p>"}],
			"ip_pool_name":"transactional"}`)
	}}
	srv := rec.serve(t)
	sg, err := delivery.NewSendGrid(delivery.SendGridConfig{APIKey: sgKey, From: "Acme <auth@acme.test>", IPPoolName: "transactional", BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := sg.SendEmail(context.Background(), codeEmail("ada@example.com", "428613")); err != nil {
		t.Fatal(err)
	}
	if rec.calls.Load() != 1 {
		t.Fatalf("%d calls", rec.calls.Load())
	}
}

const resendKey = "re_test_0123456789abcdef"

func TestResendSendsAsTheEmailsAPIDocuments(t *testing.T) {
	rec := &recorder{status: http.StatusOK, body: `{"id":"49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"}`, check: func(t *testing.T, r *http.Request, b []byte) {
		if r.Method != http.MethodPost || r.URL.Path != "/emails" {
			t.Errorf("%s %s, want POST /emails", r.Method, r.URL.Path)
		}
		wantHeader(t, r, "Authorization", "Bearer "+resendKey)
		wantHeader(t, r, "Content-Type", "application/json")
		if r.Header.Get("User-Agent") == "" {
			t.Error("no User-Agent (Resend refuses requests without one)")
		}
		wantJSON(t, b, `{"from":"Acme Auth <auth@acme.test>","to":["ada@example.com"],
			"subject":"428613 is your Acme verification code",
			"text":"Your Acme verification code is: 428613\n",
			"html":"<p>Your Acme verification code is: <b>428613</b></p>"}`)
	}}
	srv := rec.serve(t)
	rs, err := delivery.NewResend(delivery.ResendConfig{APIKey: resendKey, From: "Acme Auth <auth@acme.test>", BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.SendEmail(context.Background(), codeEmail("ada@example.com", "428613")); err != nil {
		t.Fatal(err)
	}
}

const (
	twSID   = "AC0123456789abcdef0123456789abcdef"
	twToken = "twilio-auth-token-5ecret"
)

func TestTwilioSendsAsTheMessagesAPIDocuments(t *testing.T) {
	for _, from := range []string{"+15005550006", "MG0123456789abcdef0123456789abcdef"} {
		rec := &recorder{status: http.StatusCreated, body: `{"sid":"SM1","status":"queued"}`, check: func(t *testing.T, r *http.Request, b []byte) {
			if want := "/2010-04-01/Accounts/" + twSID + "/Messages.json"; r.Method != http.MethodPost || r.URL.Path != want {
				t.Errorf("%s %s, want POST %s", r.Method, r.URL.Path, want)
			}
			if u, p, ok := r.BasicAuth(); !ok || u != twSID || p != twToken {
				t.Errorf("basic auth %q %q %v", u, p, ok)
			}
			wantHeader(t, r, "Content-Type", "application/x-www-form-urlencoded")
			form, err := url.ParseQuery(string(b))
			if err != nil {
				t.Fatal(err)
			}
			want := url.Values{"To": {"+447700900123"}, "Body": {"428613 is your Acme code"}}
			if strings.HasPrefix(from, "MG") {
				want.Set("MessagingServiceSid", from)
			} else {
				want.Set("From", from)
			}
			if !reflect.DeepEqual(form, want) {
				t.Errorf("form %v, want %v", form, want)
			}
		}}
		srv := rec.serve(t)
		tw, err := delivery.NewTwilio(delivery.TwilioConfig{AccountSID: twSID, AuthToken: twToken, From: from, BaseURL: srv.URL + "/"})
		if err != nil {
			t.Fatal(err)
		}
		if err := tw.SendSMS(context.Background(), delivery.SMS{To: "+447700900123", Body: "428613 is your Acme code", Code: "428613"}); err != nil {
			t.Fatal(err)
		}
		if rec.calls.Load() != 1 {
			t.Fatalf("%d calls", rec.calls.Load())
		}
	}
}

// Each provider's refusal becomes one clear error naming the provider, its
// status and its message, never the credential, and is not retried.
func TestProviderErrorsAreClearAndHoldNoSecret(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name, status, body, want string
		code                     int
		send                     func(base string) error
	}{
		{name: "sendgrid", code: 401, body: `{"errors":[{"message":"The provided authorization grant is invalid, expired, or revoked (key ` + sgKey + `)","field":null,"help":null}]}`,
			want: "sendgrid: HTTP 401: The provided authorization grant is invalid",
			send: func(base string) error {
				sg, _ := delivery.NewSendGrid(delivery.SendGridConfig{APIKey: sgKey, From: "auth@acme.test", BaseURL: base})
				return sg.SendEmail(ctx, codeEmail("ada@example.com", "1"))
			}},
		{name: "resend", code: 422, body: `{"statusCode":422,"name":"validation_error","message":"The acme.test domain is not verified."}`,
			want: "resend: HTTP 422: validation_error: The acme.test domain is not verified.",
			send: func(base string) error {
				rs, _ := delivery.NewResend(delivery.ResendConfig{APIKey: resendKey, From: "auth@acme.test", BaseURL: base})
				return rs.SendEmail(ctx, codeEmail("ada@example.com", "1"))
			}},
		{name: "twilio", code: 400, body: `{"code":21211,"message":"The 'To' number +15005550001 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}`,
			want: "twilio: HTTP 400: The 'To' number +15005550001 is not a valid phone number. (Twilio error 21211)",
			send: func(base string) error {
				tw, _ := delivery.NewTwilio(delivery.TwilioConfig{AccountSID: twSID, AuthToken: twToken, From: "+15005550006", BaseURL: base})
				return tw.SendSMS(ctx, delivery.SMS{To: "+15005550001", Body: "x"})
			}},
		{name: "html error page", code: 503, body: "<html>Service Unavailable</html>", want: "sendgrid: HTTP 503: <html>Service Unavailable</html>",
			send: func(base string) error {
				sg, _ := delivery.NewSendGrid(delivery.SendGridConfig{APIKey: sgKey, From: "auth@acme.test", BaseURL: base})
				return sg.SendEmail(ctx, codeEmail("ada@example.com", "1"))
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{status: c.code, body: c.body, check: func(*testing.T, *http.Request, []byte) {}}
			srv := rec.serve(t)
			err := c.send(srv.URL)
			if err == nil {
				t.Fatal("a refusal was taken for success")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want %q", err, c.want)
			}
			for _, s := range []string{sgKey, resendKey, twToken} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error leaks a credential: %q", err)
				}
			}
			if rec.calls.Load() != 1 {
				t.Errorf("%d calls: a refusal must not be retried", rec.calls.Load())
			}
		})
	}
}

func TestProviderTimeoutIsAnErrorNotAHang(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	tw, err := delivery.NewTwilio(delivery.TwilioConfig{AccountSID: twSID, AuthToken: twToken, From: "+15005550006",
		BaseURL: srv.URL, HTTP: delivery.NewHTTPClient(200 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = tw.SendSMS(context.Background(), delivery.SMS{To: "+447700900123", Body: "x"})
	if err == nil || !strings.Contains(err.Error(), "twilio") {
		t.Fatalf("want a twilio error, got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("took %s", time.Since(start))
	}
}

func TestAdapterConfigAndInputChecks(t *testing.T) {
	for name, err := range map[string]error{
		"sendgrid without key":  func() error { _, e := delivery.NewSendGrid(delivery.SendGridConfig{From: "a@b.c"}); return e }(),
		"sendgrid without from": func() error { _, e := delivery.NewSendGrid(delivery.SendGridConfig{APIKey: "k"}); return e }(),
		"resend without key":    func() error { _, e := delivery.NewResend(delivery.ResendConfig{From: "a@b.c"}); return e }(),
		"resend bad from":       func() error { _, e := delivery.NewResend(delivery.ResendConfig{APIKey: "k", From: "nope"}); return e }(),
		"twilio bad sid": func() error {
			_, e := delivery.NewTwilio(delivery.TwilioConfig{AccountSID: "x", AuthToken: "t", From: "+15005550006"})
			return e
		}(),
		"twilio no token": func() error {
			_, e := delivery.NewTwilio(delivery.TwilioConfig{AccountSID: twSID, From: "+15005550006"})
			return e
		}(),
		"twilio bad from": func() error {
			_, e := delivery.NewTwilio(delivery.TwilioConfig{AccountSID: twSID, AuthToken: "t", From: "555"})
			return e
		}(),
		"twilio bad url": func() error {
			_, e := delivery.NewTwilio(delivery.TwilioConfig{AccountSID: twSID, AuthToken: "t", From: "+15005550006", BaseURL: "ftp://x"})
			return e
		}(),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	rec := &recorder{status: 202, check: func(t *testing.T, _ *http.Request, _ []byte) { t.Error("a bad message reached the provider") }}
	srv := rec.serve(t)
	sg, _ := delivery.NewSendGrid(delivery.SendGridConfig{APIKey: "k", From: "a@b.c", BaseURL: srv.URL})
	for _, m := range []delivery.Email{{To: "not-an-address", Text: "x"}, {To: "Eve <eve@example.com>", Text: "x"}, {To: "ada@example.com"}} {
		if err := sg.SendEmail(context.Background(), m); err == nil {
			t.Errorf("%+v sent", m)
		}
	}
	tw, _ := delivery.NewTwilio(delivery.TwilioConfig{AccountSID: twSID, AuthToken: "t", From: "+15005550006", BaseURL: srv.URL})
	for _, m := range []delivery.SMS{{To: "07700900123", Body: "x"}, {To: "+447700900123"}} {
		if err := tw.SendSMS(context.Background(), m); err == nil {
			t.Errorf("%+v sent", m)
		}
	}
}

// A provider that quotes the refused request in its refusal (a proxy's
// error page, an API echoing the field it disliked) gets the message's
// one-time code left out of the error, which is logged beside the
// verification's id while the code stays good for a retry.
func TestProviderErrorsHoldNoCode(t *testing.T) {
	ctx := context.Background()
	const code = "815372"
	for name, send := range map[string]func(base string) error{
		"sendgrid": func(base string) error {
			sg, _ := delivery.NewSendGrid(delivery.SendGridConfig{APIKey: sgKey, From: "auth@acme.test", BaseURL: base})
			return sg.SendEmail(ctx, codeEmail("ada@example.com", code))
		},
		"resend": func(base string) error {
			rs, _ := delivery.NewResend(delivery.ResendConfig{APIKey: resendKey, From: "auth@acme.test", BaseURL: base})
			return rs.SendEmail(ctx, codeEmail("ada@example.com", code))
		},
		"twilio": func(base string) error {
			tw, _ := delivery.NewTwilio(delivery.TwilioConfig{AccountSID: twSID, AuthToken: twToken, From: "+15005550006", BaseURL: base})
			return tw.SendSMS(ctx, delivery.SMS{To: "+447700900123", Body: "Your Acme code is " + code, Code: code})
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write(b) // not the provider's error shape: the body is the message
			}))
			defer srv.Close()
			err := send(srv.URL)
			if err == nil || !strings.Contains(err.Error(), "HTTP 400") {
				t.Fatalf("a refusal: %v", err)
			}
			if strings.Contains(err.Error(), code) {
				t.Errorf("the error carries the code: %v", err)
			}
		})
	}
}
