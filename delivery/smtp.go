package delivery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTPConfig configures the SMTP Mailer.
type SMTPConfig struct {
	// URL is smtp://user:pass@host:port (STARTTLS, port 587 by default) or
	// smtps://user:pass@host:port (implicit TLS, port 465 by default). The
	// user and password are optional; a password is only ever sent over
	// TLS. On smtp://, ?tls=opportunistic upgrades when the server offers
	// STARTTLS and ?tls=none never does (a local relay without auth).
	URL string
	// From is the sender, "Name <address>" or an address (--mail-from).
	From string
	// RootCAs verify the server's certificate; nil means the system's.
	RootCAs *x509.CertPool
	// Timeout bounds connecting and each SMTP command (default 15s).
	Timeout time.Duration
}

// SMTP sends email to an SMTP server with github.com/wneessen/go-mail: a
// new connection per message (codes are few; no idle connection to lose).
type SMTP struct {
	host     string
	port     int
	implicit bool // smtps://
	policy   gomail.TLSPolicy
	user     string
	pass     string
	from     string
	tls      *tls.Config
	timeout  time.Duration
	redacted string
}

// NewSMTP parses and checks the configuration; it does not connect.
func NewSMTP(c SMTPConfig) (*SMTP, error) {
	u, err := url.Parse(c.URL)
	if err != nil {
		return nil, errors.New("smtp: the URL does not parse (smtp://user:pass@host:port)") // the URL may hold the password
	}
	s := &SMTP{host: u.Hostname(), policy: gomail.TLSMandatory, timeout: c.Timeout, redacted: u.Redacted()}
	switch u.Scheme {
	case "smtp":
		s.port = 587
	case "smtps":
		s.port, s.implicit = 465, true
	default:
		return nil, fmt.Errorf("smtp: URL scheme must be smtp or smtps, got %q", u.Scheme)
	}
	if s.host == "" {
		return nil, errors.New("smtp: the URL has no host")
	}
	if p := u.Port(); p != "" {
		if s.port, err = strconv.Atoi(p); err != nil || s.port < 1 || s.port > 65535 {
			return nil, fmt.Errorf("smtp: bad port %q", p)
		}
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	for k, v := range u.Query() {
		if k != "tls" || len(v) != 1 {
			return nil, fmt.Errorf("smtp: unknown URL parameter %q (only tls=starttls|opportunistic|none)", k)
		}
		switch {
		case s.implicit:
			return nil, errors.New("smtp: smtps:// is always TLS; tls= is for smtp://")
		case v[0] == "starttls":
		case v[0] == "opportunistic":
			s.policy = gomail.TLSOpportunistic
		case v[0] == "none":
			s.policy = gomail.NoTLS
		default:
			return nil, fmt.Errorf("smtp: tls=%s: want starttls, opportunistic or none", v[0])
		}
	}
	if s.user != "" && !s.implicit && s.policy != gomail.TLSMandatory {
		return nil, errors.New("smtp: a password is only sent over TLS: use smtp:// with STARTTLS (the default) or smtps://")
	}
	from, err := parseFrom(c.From)
	if err != nil {
		return nil, fmt.Errorf("smtp: --mail-from: %w", err)
	}
	s.from = from.String()
	if s.timeout <= 0 {
		s.timeout = 15 * time.Second
	}
	s.tls = &tls.Config{ServerName: s.host, RootCAs: c.RootCAs, MinVersion: tls.VersionTLS12}
	return s, nil
}

// String describes the transport for the start-up log, without the
// password.
func (s *SMTP) String() string {
	mode := "STARTTLS"
	switch {
	case s.implicit:
		mode = "implicit TLS"
	case s.policy == gomail.TLSOpportunistic:
		mode = "STARTTLS when offered"
	case s.policy == gomail.NoTLS:
		mode = "no TLS"
	}
	auth := "no auth"
	if s.user != "" {
		auth = "auth as " + s.user
	}
	return fmt.Sprintf("%s (%s, %s)", net.JoinHostPort(s.host, strconv.Itoa(s.port)), mode, auth)
}

// SendEmail sends m: text, and HTML as its alternative when there is one.
func (s *SMTP) SendEmail(ctx context.Context, m Email) error {
	if err := checkEmail(m); err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return fmt.Errorf("smtp: from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("smtp: to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageID()
	msg.SetDate()
	switch {
	case m.Text != "" && m.HTML != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	case m.Text != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	default:
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	}
	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTimeout(s.timeout), gomail.WithTLSConfig(s.tls)}
	if s.implicit {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(s.policy))
	}
	if s.user != "" {
		// The strongest mechanism the server offers (SCRAM, then PLAIN or
		// LOGIN, which go-mail sends only over TLS).
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.user), gomail.WithPassword(s.pass))
	}
	client, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("smtp: send through %s: %s", s.String(), scrub(err.Error(), []string{s.pass, m.Code}))
	}
	return nil
}
