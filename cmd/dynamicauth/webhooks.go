package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/dynamicauth/dynamicauth/webhooks"
)

// webhookFlags are serve's delivery settings.
type webhookFlags struct {
	allowPrivate  bool
	live, sandbox string
	disableAfter  int
	timeout       time.Duration
	poll          time.Duration
}

func (f *webhookFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.allowPrivate, "webhooks-allow-private", false,
		"let webhook endpoints be on loopback, link-local and private addresses (tests, receivers on this network)")
	fs.StringVar(&f.live, "webhooks-retry-live", webhooks.LiveSchedule.String(),
		"waits between the attempts of a live environment's webhook message (comma-separated durations; ±10% jitter)")
	fs.StringVar(&f.sandbox, "webhooks-retry-sandbox", webhooks.SandboxSchedule.String(),
		"waits between the attempts of a sandbox environment's webhook message")
	fs.IntVar(&f.disableAfter, "webhooks-disable-after", webhooks.DefaultDisableAfter,
		"consecutive failed attempts that disable a webhook (0: never)")
	fs.DurationVar(&f.timeout, "webhooks-timeout", 10*time.Second, "time limit of one delivery attempt")
	fs.DurationVar(&f.poll, "webhooks-poll", time.Second, "how often to look for due webhook messages")
}

func (f *webhookFlags) config() (webhooks.Config, error) {
	live, err := webhooks.ParseSchedule(f.live)
	if err != nil {
		return webhooks.Config{}, fmt.Errorf("--webhooks-retry-live: %w", err)
	}
	sandbox, err := webhooks.ParseSchedule(f.sandbox)
	if err != nil {
		return webhooks.Config{}, fmt.Errorf("--webhooks-retry-sandbox: %w", err)
	}
	disable := f.disableAfter
	if disable == 0 {
		disable = -1 // the flag's 0 is "never"; Config's 0 is the default
	}
	if f.timeout <= 0 || f.poll <= 0 {
		return webhooks.Config{}, fmt.Errorf("--webhooks-timeout and --webhooks-poll must be positive")
	}
	return webhooks.Config{AllowPrivate: f.allowPrivate, Live: live, Sandbox: sandbox, DisableAfter: disable,
		Timeout: f.timeout, Poll: f.poll}, nil
}
