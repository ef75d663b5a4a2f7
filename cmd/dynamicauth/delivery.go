package main

import (
	"flag"
	"fmt"
	"log/slog"

	"github.com/dynamicauth/dynamicauth/delivery"
	"github.com/dynamicauth/dynamicauth/store/postgres"
)

// deliveryFlags say how serve sends one-time codes: templates, and the dev
// outbox for each channel no real transport is configured for.
type deliveryFlags struct {
	outbox    string
	templates string
}

func (f *deliveryFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.outbox, "outbox", "", "dev outbox for codes when no mail or SMS transport is set: a JSON-lines file (default <db>.outbox.jsonl; - logs to stderr only)")
	fs.StringVar(&f.templates, "templates", "", "directory whose email_subject.txt, email.txt, email.html, sms.txt replace the built-in message templates")
}

// channels is the delivery serve wires into the facade.
type channels struct {
	mailer    delivery.Mailer
	sms       delivery.SMSSender
	templates *delivery.Templates
	close     func() error
}

// build opens what the flags ask for and says at start which delivery is
// active, since an operator must know whether codes reach people or a file.
func (f *deliveryFlags) build(o *options, log *slog.Logger) (*channels, error) {
	tpl, err := delivery.LoadTemplates(f.templates)
	if err != nil {
		return nil, fmt.Errorf("--templates: %w", err)
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
	log.Warn("email and SMS codes go to the dev outbox, not to users; configure a mail server and an SMS provider for production",
		"outbox", where)
	if f.templates != "" {
		log.Info("message templates", "dir", f.templates)
	}
	return &channels{mailer: box, sms: box, templates: tpl, close: box.Close}, nil
}
