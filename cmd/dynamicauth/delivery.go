package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/delivery"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/store/postgres"
)

// deliveryFlags say how serve sends one-time codes: templates, SMTP for
// email, Twilio for SMS, and the dev outbox for each channel no real
// transport is configured for.
type deliveryFlags struct {
	outbox    string
	templates string
	smtpURL   string
	mailFrom  string
	smsURL    string
	smsFrom   string
	otpTTL    time.Duration
	// sendgridURL and resendURL are the APIs of environments' own email
	// providers (a proxy, or a local server in tests).
	sendgridURL, resendURL string
}

func (f *deliveryFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.outbox, "outbox", "", "dev outbox for codes when no mail or SMS transport is set: a JSON-lines file (default <db>.outbox.jsonl; - logs to stderr only)")
	fs.StringVar(&f.templates, "templates", "", "directory whose email_subject.txt, email.txt, email.html, sms.txt replace the built-in message templates")
	fs.StringVar(&f.smtpURL, "smtp-url", os.Getenv("DYNAMICAUTH_SMTP_URL"), "SMTP server for email codes: smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465 (implicit TLS); env DYNAMICAUTH_SMTP_URL")
	fs.StringVar(&f.mailFrom, "mail-from", os.Getenv("DYNAMICAUTH_MAIL_FROM"), "sender of email codes, \"Name <address>\" or an address; env DYNAMICAUTH_MAIL_FROM")
	fs.StringVar(&f.smsURL, "sms-url", delivery.TwilioURL, "Twilio API base URL for SMS codes (used when TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are set)")
	fs.StringVar(&f.smsFrom, "sms-from", os.Getenv("TWILIO_FROM"), "sending number (E.164) or Messaging Service SID (MG…) of SMS codes; env TWILIO_FROM")
	fs.DurationVar(&f.otpTTL, "otp-ttl", otp.DefaultTTL, "how long an email or SMS code is accepted")
	fs.StringVar(&f.sendgridURL, "sendgrid-url", delivery.SendGridURL, "SendGrid API base URL, for environments whose email provider is sendgrid")
	fs.StringVar(&f.resendURL, "resend-url", delivery.ResendURL, "Resend API base URL, for environments whose email provider is resend")
}

// channels is the delivery serve wires into the facade.
type channels struct {
	mailer    delivery.Mailer
	providers dynamicauth.EmailProvidersConfig
	sms       delivery.SMSSender
	templates *delivery.Templates
	otp       otp.Config
	close     func() error
}

// build opens what the flags ask for and says at start which delivery is
// active, since an operator must know whether codes reach people or a file.
func (f *deliveryFlags) build(o *options, log *slog.Logger) (*channels, error) {
	tpl, err := delivery.LoadTemplates(f.templates)
	if err != nil {
		return nil, fmt.Errorf("--templates: %w", err)
	}
	if f.otpTTL == 0 {
		f.otpTTL = otp.DefaultTTL
	}
	if f.otpTTL < time.Minute || f.otpTTL > 24*time.Hour {
		return nil, fmt.Errorf("--otp-ttl must be between 1m and 24h, got %s", f.otpTTL)
	}
	ch := &channels{templates: tpl, otp: otp.Config{TTL: f.otpTTL}, close: func() error { return nil },
		providers: dynamicauth.EmailProvidersConfig{From: f.mailFrom, SendGridURL: f.sendgridURL, ResendURL: f.resendURL}}
	log.Info("an environment with an enabled sendgrid or resend provider sends its email codes through it",
		"sendgrid", f.sendgridURL, "resend", f.resendURL)
	if f.smtpURL != "" {
		if f.mailFrom == "" {
			return nil, fmt.Errorf("--smtp-url needs --mail-from (the sender of the codes)")
		}
		smtp, err := delivery.NewSMTP(delivery.SMTPConfig{URL: f.smtpURL, From: f.mailFrom})
		if err != nil {
			return nil, fmt.Errorf("--smtp-url: %w", err)
		}
		ch.mailer = smtp
		log.Info("email codes are sent by SMTP", "server", smtp.String(), "from", f.mailFrom)
	}
	if sid, token := os.Getenv("TWILIO_ACCOUNT_SID"), os.Getenv("TWILIO_AUTH_TOKEN"); sid != "" || token != "" {
		tw, err := delivery.NewTwilio(delivery.TwilioConfig{AccountSID: sid, AuthToken: token, From: f.smsFrom, BaseURL: f.smsURL})
		if err != nil {
			return nil, fmt.Errorf("TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN: %w", err)
		}
		ch.sms = tw
		log.Info("SMS codes are sent by Twilio", "api", f.smsURL, "from", f.smsFrom)
	}
	if ch.mailer != nil && ch.sms != nil {
		return ch, nil
	}
	path := f.outbox
	if path == "" {
		path = o.db + ".outbox.jsonl"
		if postgres.IsURL(o.db) {
			path = "-" // no file beside a URL; replicas log their own
		}
	}
	box, err := delivery.OpenOutbox(path, log, nil)
	if err != nil {
		return nil, fmt.Errorf("--outbox: %w", err)
	}
	where := box.Path()
	if where == "" {
		where = "the log (stderr)"
	}
	var missing string
	if ch.mailer == nil {
		ch.mailer, missing = box, "email"
	}
	if ch.sms == nil {
		ch.sms = box
		if missing != "" {
			missing += " and "
		}
		missing += "SMS"
	}
	log.Warn(missing+" codes go to the dev outbox, not to users; configure --smtp-url and Twilio for production",
		"outbox", where)
	if f.templates != "" {
		log.Info("message templates", "dir", f.templates)
	}
	ch.close = box.Close
	return ch, nil
}
