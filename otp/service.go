package otp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/dynamicauth/dynamicauth/delivery"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/ratelimit"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// Config tunes codes and their limits; zero values take the defaults.
type Config struct {
	// TTL is how long a code is accepted (--otp-ttl; default 10 minutes).
	TTL time.Duration
	// MaxAttempts is how many codes may be tried against one verification
	// before it is dead (default 5).
	MaxAttempts int
	// SendPerAddress bounds the codes sent to one address (default 3 per
	// 10 minutes, Dynamic's published limit); SendPerIP those asked for
	// by one client (default 3 per minute).
	SendPerAddress, SendPerIP ratelimit.Rule
	// NoSendLimits turns both send limits off (trusted load tests).
	NoSendLimits bool
}

// DefaultTTL is a code's lifetime unless configured.
const DefaultTTL = 10 * time.Minute

// DefaultMaxAttempts is the wrong-code limit of a verification.
const DefaultMaxAttempts = 5

func (c *Config) defaults() {
	if c.TTL <= 0 {
		c.TTL = DefaultTTL
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.SendPerAddress == (ratelimit.Rule{}) {
		c.SendPerAddress = ratelimit.Rule{Burst: 3, Per: 10 * time.Minute}
	}
	if c.SendPerIP == (ratelimit.Rule{}) {
		c.SendPerIP = ratelimit.Rule{Burst: 3, Per: time.Minute}
	}
}

// Deps build a Service. Store, Environments and Key are required.
type Deps struct {
	Config Config
	// Key keys the codes' HMAC (derived from the master secret, so that
	// replicas agree and a stolen database yields no code). PreviousKeys,
	// derived from previous master secrets, still match the codes sent
	// before a rotation.
	Key          []byte
	PreviousKeys [][]byte
	Store        Store
	Environments Environments
	// Limiter keeps the send limits' buckets (in the store on PostgreSQL,
	// so they hold across replicas); nil means this process's memory.
	Limiter ratelimit.Taker
	// Mailer and SMS send the codes; a nil one leaves its channel off
	// (no_enabled_email_provider, no_enabled_sms_provider), and so does
	// a Mailer that is an EmailReach answering false for the environment.
	Mailer    delivery.Mailer
	SMS       delivery.SMSSender
	Templates *delivery.Templates
	Now       func() time.Time
	// Rand draws codes; nil means crypto/rand.
	Rand   io.Reader
	Logger *slog.Logger
	// TestAccounts gives the static codes of environments' test accounts
	// (package testaccounts); nil: none.
	TestAccounts TestAccounts
}

// TestAccounts knows the test addresses that take a static code, which is
// not sent.
type TestAccounts interface {
	// TestAddress returns d's address and the account's static code when
	// d is a test address of env's test account; ok false otherwise.
	// stamp tells the account apart from the environment's earlier and
	// later ones.
	TestAddress(ctx context.Context, env *tenant.Environment, channel string, d Destination) (addr Address, code, stamp string, ok bool, err error)
	// Stamp is the stamp of the environment's test account; "" if none.
	Stamp(ctx context.Context, envID string) (string, error)
	// UseStaticCode counts one use of the environment's static code
	// (ErrStaticCodeSpent past the account's limit).
	UseStaticCode(ctx context.Context, envID string) error
	// StaticCodeAccepted tells that the static code was accepted for
	// address in env.
	StaticCodeAccepted(ctx context.Context, env *tenant.Environment, channel, address string) error
}

// ErrStaticCodeSpent: a test account's code was asked for too often
// without being accepted.
var ErrStaticCodeSpent = errors.New("otp: the test account's code was asked for too often; create a new test account")

// Service starts, retries and checks verifications.
type Service struct {
	d Deps
}

// New builds the Service.
func New(d Deps) *Service {
	d.Config.defaults()
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Limiter == nil {
		d.Limiter = ratelimit.New(d.Now)
	}
	if d.Templates == nil {
		d.Templates = delivery.DefaultTemplates()
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{d: d}
}

// Config is the configuration in effect (defaults filled in).
func (s *Service) Config() Config { return s.d.Config }

// channelCodes are a channel's contract error codes.
type channelCodes struct{ wrong, invalid, locked, disabled string }

var contractCodes = map[string]channelCodes{
	ChannelEmail: {"wrong_email_verification_token", "invalid_email_verification", "too_many_email_verification_attempts",
		"no_enabled_email_provider"},
	ChannelSMS: {"wrong_sms_verification_token", "invalid_sms_verification", "too_many_sms_verification_attempts",
		"no_enabled_sms_provider"},
}

// Destination is where a code goes, as the client sent it: an email, or
// the parts of a phone number.
type Destination struct {
	Email                                         string
	PhoneCountryCode, PhoneNumber, ISOCountryCode string
}

// Request starts or retries a verification.
type Request struct {
	EnvironmentID string
	Channel       string
	Destination   Destination
	// ID is the verification to retry (Retry only).
	ID string
	// Client is the caller's rate-limit key (its IP, or its IPv6 /64).
	Client string
	// Session is the signed-in session whose profile change (PUT /users,
	// past its step-up) the verification is for; "" for any other.
	Session string
}

// Started is a verification whose code was sent.
type Started struct {
	Verification *Verification
	Address      Address
}

// Start creates a verification of the destination and sends its first
// code.
func (s *Service) Start(ctx context.Context, req Request) (*Started, error) {
	p, err := s.Prepare(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := s.d.Store.CreateVerification(ctx, p.Verification); err != nil {
		return nil, err
	}
	return s.Deliver(ctx, p)
}

// Pending is a verification Prepare made ready: checked, its send limits
// taken and its code drawn, nothing stored nor sent. The caller stores
// Verification (in the transaction of the change it is for, say), then
// Deliver sends the code.
type Pending struct {
	Verification *Verification
	t            target
	code         string
}

// Prepare is Start up to the verification's write: what Start refuses is
// refused here, and Start's send limits are taken.
func (s *Service) Prepare(ctx context.Context, req Request) (*Pending, error) {
	t, err := s.prepare(ctx, req)
	if err != nil {
		return nil, err
	}
	now := s.now()
	v := &Verification{ID: ids.New(), EnvironmentID: req.EnvironmentID, Channel: req.Channel, Address: t.addr.Normal,
		Session: req.Session, ExpiresAt: now.Add(s.d.Config.TTL), CreatedAt: now}
	code, err := t.code(s.d.Rand)
	if err != nil {
		return nil, errs.Internal("start verification", err)
	}
	v.CodeHash = hashCode(s.d.Key, v.EnvironmentID, v.ID, v.Channel, code, t.stamp)
	return &Pending{Verification: v, t: t, code: code}, nil
}

// Deliver sends a prepared verification's code, once the verification is
// stored. A failure to send is logged and answered as Start answers it;
// the verification stays and can be retried.
func (s *Service) Deliver(ctx context.Context, p *Pending) (*Started, error) {
	if err := s.deliver(ctx, p.Verification, p.t, p.code); err != nil {
		return nil, err
	}
	return p.Started(), nil
}

// Started is the verification as Start would return it.
func (p *Pending) Started() *Started {
	return &Started{Verification: p.Verification, Address: p.t.addr}
}

// Retry replaces the code of a verification of the same destination and
// sends the new one; the old code stops working. Wrong guesses made so far
// still count.
func (s *Service) Retry(ctx context.Context, req Request) (*Started, error) {
	t, err := s.prepare(ctx, req)
	if err != nil {
		return nil, err
	}
	cc := contractCodes[req.Channel]
	now := s.now()
	v := &Verification{ID: req.ID, EnvironmentID: req.EnvironmentID, Channel: req.Channel, Address: t.addr.Normal,
		ExpiresAt: now.Add(s.d.Config.TTL), CreatedAt: now}
	code, err := t.code(s.d.Rand)
	if err != nil {
		return nil, errs.Internal("retry verification", err)
	}
	v.CodeHash = hashCode(s.d.Key, v.EnvironmentID, v.ID, v.Channel, code, t.stamp)
	out, err := s.d.Store.ReplaceVerificationCode(ctx, Replace{EnvironmentID: v.EnvironmentID, ID: v.ID, Channel: v.Channel,
		Address: v.Address, CodeHash: v.CodeHash, MaxAttempts: s.d.Config.MaxAttempts, ExpiresAt: v.ExpiresAt, Now: now})
	if err != nil {
		return nil, err
	}
	switch out {
	case Accepted:
	case Locked:
		return nil, errs.Unprocessable(cc.locked, "too many wrong codes for this verification; start a new one", nil)
	default:
		return nil, errs.Unprocessable(cc.invalid, "verificationUUID: no live verification of this "+
			addressNoun(req.Channel), nil)
	}
	if err := s.deliver(ctx, v, t, code); err != nil {
		return nil, err
	}
	return &Started{Verification: v, Address: t.addr}, nil
}

// ParseDestination checks and normalises a destination under an
// environment's settings (sdk.blockEmailSubaddresses).
func (s *Service) ParseDestination(ctx context.Context, envID, channel string, d Destination) (Address, error) {
	env, err := s.d.Environments.GetEnvironment(ctx, envID)
	if err != nil {
		return Address{}, err
	}
	return parseDestination(channel, d, readSettings(env.Settings))
}

func parseDestination(channel string, d Destination, set envSettings) (Address, error) {
	if channel == ChannelSMS {
		return ParsePhone(d.PhoneCountryCode, d.PhoneNumber, d.ISOCountryCode)
	}
	return ParseEmail(d.Email, set.SDK.BlockEmailSubaddresses)
}

// Enabled tells whether codes on channel are on for the environment:
// enabled in its settings and with a way to send them on this server.
func (s *Service) Enabled(ctx context.Context, envID, channel string) (bool, error) {
	on, err := s.EnabledInSettings(ctx, envID, channel)
	if err != nil || !on {
		return false, err
	}
	return s.canSend(ctx, envID, channel)
}

// target is where a code goes: its address and the project named in the
// message, or, for a test account's address, the static code (not sent).
type target struct {
	addr       Address
	project    string
	staticCode string
	stamp      string // the test account's, with staticCode
}

// code is the code to give the verification.
func (t target) code(r io.Reader) (string, error) {
	if t.staticCode != "" {
		return t.staticCode, nil
	}
	return NewCode(r)
}

// deliver sends the code, unless it is a test account's.
func (s *Service) deliver(ctx context.Context, v *Verification, t target, code string) error {
	if t.staticCode != "" {
		s.d.Logger.InfoContext(ctx, "one-time code of a test account: not sent", "environment_id", v.EnvironmentID,
			"verification_id", v.ID, "channel", v.Channel)
		return nil
	}
	return s.send(ctx, v, t.addr, t.project, code)
}

// EnabledInSettings tells whether the environment's settings turn codes
// on channel on, whether or not this server can send them: a code checked
// was given already (or is a test account's, never sent).
func (s *Service) EnabledInSettings(ctx context.Context, envID, channel string) (bool, error) {
	env, err := s.d.Environments.GetEnvironment(ctx, envID)
	if err != nil {
		return false, err
	}
	return readSettings(env.Settings).enabled(channel), nil
}

// prepare runs what Start and Retry check before writing: the channel is
// on, the destination is valid, the send limits allow one more code. A
// test account's address needs no way to send.
func (s *Service) prepare(ctx context.Context, req Request) (target, error) {
	cc, ok := contractCodes[req.Channel]
	if !ok {
		return target{}, errs.Internal("send code", fmt.Errorf("unknown channel %q", req.Channel))
	}
	env, err := s.d.Environments.GetEnvironment(ctx, req.EnvironmentID)
	if err != nil {
		return target{}, err
	}
	set := readSettings(env.Settings)
	disabled := errs.Unprocessable(cc.disabled, addressNoun(req.Channel)+" sign-in is not enabled for this environment", nil)
	if !set.enabled(req.Channel) && !SendsForMFA(env.Settings, req.Channel) {
		return target{}, disabled
	}
	t, err := s.staticTarget(ctx, env, req)
	if err != nil || t.staticCode != "" {
		return t, err
	}
	if on, err := s.canSend(ctx, env.ID, req.Channel); err != nil || !on {
		if err == nil {
			err = disabled
		}
		return target{}, err
	}
	if t.addr, err = parseDestination(req.Channel, req.Destination, set); err != nil {
		return target{}, err
	}
	if err := s.takeSend(ctx, req, t.addr); err != nil {
		return target{}, err
	}
	if t.project = set.General.DisplayName; t.project == "" {
		if p, err := s.d.Environments.GetProject(ctx, env.ProjectID); err == nil {
			t.project = p.Name
		}
	}
	return t, nil
}

// staticTarget is the target of a test account's address (its send limits
// taken), or an empty one.
func (s *Service) staticTarget(ctx context.Context, env *tenant.Environment, req Request) (target, error) {
	if s.d.TestAccounts == nil {
		return target{}, nil
	}
	addr, code, stamp, ok, err := s.d.TestAccounts.TestAddress(ctx, env, req.Channel, req.Destination)
	if err != nil || !ok {
		return target{}, err
	}
	if err := s.takeSend(ctx, req, addr); err != nil {
		return target{}, err
	}
	err = s.d.TestAccounts.UseStaticCode(ctx, env.ID)
	if errors.Is(err, ErrStaticCodeSpent) {
		return target{}, errs.Unprocessable(contractCodes[req.Channel].locked, err.Error(), nil)
	}
	return target{addr: addr, staticCode: code, stamp: stamp}, err
}

// takeSend applies the send limits: per client, then per address.
func (s *Service) takeSend(ctx context.Context, req Request, addr Address) error {
	if s.d.Config.NoSendLimits {
		return nil
	}
	for _, b := range []struct {
		key  string
		rule ratelimit.Rule
	}{
		{"otp-send-client|" + req.EnvironmentID + "|" + req.Client, s.d.Config.SendPerIP},
		{"otp-send-address|" + req.EnvironmentID + "|" + addr.Channel + "|" + addr.Normal, s.d.Config.SendPerAddress},
	} {
		ok, wait, err := s.d.Limiter.Take(ctx, b.key, b.rule)
		if err != nil {
			// Sending is what costs; without the limiter, refuse rather than
			// let a flood through.
			return errs.Internal("otp send limit", err)
		}
		if !ok {
			return errs.RateLimited(wait)
		}
	}
	return nil
}

// EmailReach is a Mailer that knows per environment whether an email has
// a way out (delivery.Router: the environment's own provider, or the
// server's mailer).
type EmailReach interface {
	CanSend(ctx context.Context, environmentID string) (bool, error)
}

// canSend tells whether a code on channel can leave for the environment.
func (s *Service) canSend(ctx context.Context, envID, channel string) (bool, error) {
	if channel == ChannelSMS {
		return s.d.SMS != nil, nil
	}
	if s.d.Mailer == nil {
		return false, nil
	}
	if r, ok := s.d.Mailer.(EmailReach); ok {
		on, err := r.CanSend(ctx, envID)
		if err != nil {
			return false, errs.Internal("email delivery", err)
		}
		return on, nil
	}
	return true, nil
}

// send renders and sends a code. A failure is logged and answered as
// provider_not_available; the verification stays and can be retried.
func (s *Service) send(ctx context.Context, v *Verification, addr Address, project, code string) error {
	msg := delivery.CodeMessage{ProjectName: project, Code: code, ExpiresInMinutes: int(s.d.Config.TTL.Round(time.Minute) / time.Minute),
		To: addr.Display}
	var err error
	switch v.Channel {
	case ChannelSMS:
		var m delivery.SMS
		if m, err = s.d.Templates.SMS(msg); err == nil {
			m.EnvironmentID = v.EnvironmentID
			err = s.d.SMS.SendSMS(ctx, m)
		}
	default:
		var m delivery.Email
		if m, err = s.d.Templates.Email(msg); err == nil {
			m.EnvironmentID = v.EnvironmentID
			err = s.d.Mailer.SendEmail(ctx, m)
		}
	}
	if err != nil {
		s.d.Logger.WarnContext(ctx, "sending a one-time code failed; the verification can be retried",
			"environment_id", v.EnvironmentID, "verification_id", v.ID, "channel", v.Channel, "err", err)
		return errs.Unprocessable("provider_not_available", "the code could not be sent; try again in a moment", nil)
	}
	return nil
}

func addressNoun(channel string) string {
	if channel == ChannelSMS {
		return "phone number"
	}
	return "email"
}

func (s *Service) now() time.Time { return s.d.Now().UTC().Truncate(time.Millisecond) }
