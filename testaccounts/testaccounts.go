// Package testaccounts holds an environment's test account (Dynamic's
// admin test/account): a static code that signs in the environment's test
// addresses by email or SMS without a code being sent, for app-store
// reviewers and automated tests. In a sandbox every email whose local part
// ends in "+dynamic_test" and every US number of area code 555 is a test
// address; in a live environment, the one email the account names.
//
// The code is a permanent credential, so it is sealed at rest and its
// guesses are bounded across verifications: every code asked for a test
// address counts one use, MaxUses of them without the code being accepted
// stop the account until a new one is created (otp.ErrStaticCodeSpent),
// and the verification's own attempt limit applies to each.
package testaccounts

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// MaxUses is how many codes may be asked for test addresses of an
// environment between two accepted ones: with otp's attempts per
// verification, a bound on the guesses of the static code.
const MaxUses = 20

// Account is an environment's test account as stored.
type Account struct {
	EnvironmentID string
	// Email is the live environment's test address; in a sandbox, an
	// example of its pattern. Phone is a sandbox's example number.
	Email, Phone string
	CodeSealed   []byte
	// Uses counts the codes asked for since one was last accepted.
	Uses      int
	CreatedAt time.Time
}

// ErrNotFound: the environment has no test account.
var ErrNotFound = errs.NotFound("test_account_not_found", "This environment has no test account")

// Store keeps the test accounts.
type Store interface {
	GetTestAccount(ctx context.Context, envID string) (*Account, error)
	// PutTestAccount stores a, replacing the environment's account.
	PutTestAccount(ctx context.Context, a *Account) error
	DeleteTestAccount(ctx context.Context, envID string) error
	// UseTestAccount counts one use unless max were counted since the
	// last reset; false then, and for an environment without an account.
	UseTestAccount(ctx context.Context, envID string, max int) (bool, error)
	// ResetTestAccountUses sets the count back to zero (no account: nothing).
	ResetTestAccountUses(ctx context.Context, envID string) error
}

// Environments checks the caller's reach (tenant.Service does).
type Environments interface {
	GetEnvironment(ctx context.Context, p *tenant.Principal, id string, scope tenant.Scope) (*tenant.Environment, error)
}

// Deps wire a Service.
type Deps struct {
	Store        Store
	Environments Environments
	Keys         *secrets.Keys
	Now          func() time.Time
	Logger       *slog.Logger
}

// Service manages test accounts and gives otp their codes.
type Service struct{ d Deps }

var _ otp.TestAccounts = (*Service)(nil)

// New builds the Service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{d: d}
}

// View is a test account as the admin API shows it.
type View struct {
	Code, Email, Phone string
}

// Create gives the environment a new test account, replacing the one it
// had (whose code then stops working).
func (s *Service) Create(ctx context.Context, p *tenant.Principal, envID string) (*View, error) {
	env, err := s.d.Environments.GetEnvironment(ctx, p, envID, tenant.ScopeSettingsWrite)
	if err != nil {
		return nil, err
	}
	code, err := otp.NewCode(nil)
	if err != nil {
		return nil, errs.Internal("test account code", err)
	}
	a := &Account{EnvironmentID: env.ID, Email: sandboxEmail, Phone: sandboxPhone,
		CreatedAt: s.d.Now().UTC().Truncate(time.Millisecond)}
	if env.Name != "sandbox" {
		if a.Email, err = liveEmail(); err != nil {
			return nil, errs.Internal("test account email", err)
		}
		a.Phone = ""
	}
	if a.CodeSealed, err = s.d.Keys.Seal([]byte(code), codeAAD(env.ID)); err != nil {
		return nil, errs.Internal("seal test account code", err)
	}
	if err := s.d.Store.PutTestAccount(ctx, a); err != nil {
		return nil, err
	}
	s.d.Logger.InfoContext(ctx, "test account created", "environment_id", env.ID)
	return &View{Code: code, Email: a.Email, Phone: a.Phone}, nil
}

// Get shows the environment's test account.
func (s *Service) Get(ctx context.Context, p *tenant.Principal, envID string) (*View, error) {
	if _, err := s.d.Environments.GetEnvironment(ctx, p, envID, tenant.ScopeSettingsRead); err != nil {
		return nil, err
	}
	a, err := s.d.Store.GetTestAccount(ctx, envID)
	if err != nil {
		return nil, err
	}
	code, err := s.code(a)
	if err != nil {
		return nil, err
	}
	return &View{Code: code, Email: a.Email, Phone: a.Phone}, nil
}

// Delete removes the environment's test account: its addresses are
// ordinary addresses again.
func (s *Service) Delete(ctx context.Context, p *tenant.Principal, envID string) error {
	if _, err := s.d.Environments.GetEnvironment(ctx, p, envID, tenant.ScopeSettingsWrite); err != nil {
		return err
	}
	return s.d.Store.DeleteTestAccount(ctx, envID)
}

// TestAddress implements otp.TestAccounts.
func (s *Service) TestAddress(ctx context.Context, env *tenant.Environment, channel string, d otp.Destination) (otp.Address, string, string, bool, error) {
	addr, ok := testAddress(channel, d)
	if !ok || (env.Name != "sandbox" && channel != otp.ChannelEmail) {
		return otp.Address{}, "", "", false, nil
	}
	a, err := s.d.Store.GetTestAccount(ctx, env.ID)
	if errors.Is(err, ErrNotFound) {
		return otp.Address{}, "", "", false, nil
	}
	if err != nil {
		return otp.Address{}, "", "", false, err
	}
	if !serves(env, a, channel, addr.Normal) {
		return otp.Address{}, "", "", false, nil
	}
	code, err := s.code(a)
	return addr, code, stamp(code), err == nil, err
}

// Stamp implements otp.TestAccounts.
func (s *Service) Stamp(ctx context.Context, envID string) (string, error) {
	a, err := s.d.Store.GetTestAccount(ctx, envID)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	code, err := s.code(a)
	return stamp(code), err
}

// stamp tells an account apart from the environment's earlier and later
// ones: its code, which each Create draws anew (an account replaced by
// one with the same code, one time in a million, keeps working as the
// new one). It only ever enters the codes' HMAC.
func stamp(code string) string { return "test account " + code }

// UseStaticCode implements otp.TestAccounts.
func (s *Service) UseStaticCode(ctx context.Context, envID string) error {
	used, err := s.d.Store.UseTestAccount(ctx, envID, MaxUses)
	if err != nil {
		return err
	}
	if !used { // spent, or deleted since TestAddress
		s.d.Logger.WarnContext(ctx, "test account spent: its code was asked for too often without being accepted; create a new one",
			"environment_id", envID)
		return otp.ErrStaticCodeSpent
	}
	return nil
}

// StaticCodeAccepted implements otp.TestAccounts: the account's uses
// start again when its static code was accepted, not when any address
// that looks like a test one was (in live, another "+dynamic_test" email
// is an ordinary address, whose real code its owner receives: its
// sign-in would otherwise lift the bound on guesses at the static code).
func (s *Service) StaticCodeAccepted(ctx context.Context, env *tenant.Environment, channel, address string) error {
	if !looksTest(channel, address) {
		return nil
	}
	a, err := s.d.Store.GetTestAccount(ctx, env.ID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil || !serves(env, a, channel, address) {
		return err
	}
	return s.d.Store.ResetTestAccountUses(ctx, env.ID)
}

// serves reports whether account a gives its static code to normal, a
// test address of channel, in env: any in a sandbox, in live only the
// account's own email.
func serves(env *tenant.Environment, a *Account, channel, normal string) bool {
	return env.Name == "sandbox" || (channel == otp.ChannelEmail && normal == strings.ToLower(a.Email))
}

func (s *Service) code(a *Account) (string, error) {
	b, err := s.d.Keys.Open(a.CodeSealed, codeAAD(a.EnvironmentID))
	if err != nil {
		return "", errs.Internal("open test account code", err)
	}
	return string(b), nil
}

// Reseal moves the test accounts' codes to the current master secret.
func (s *Service) Reseal(ctx context.Context, st secrets.SealedStore) (secrets.ResealCount, error) {
	return s.d.Keys.ResealEach(ctx, st, secrets.KindTestAccountCode, func(v secrets.Sealed) []byte { return codeAAD(v.Key) })
}

func codeAAD(envID string) []byte { return []byte("test-account:" + envID) }

// The test addresses' patterns.
const (
	emailTag     = "+dynamic_test@"
	sandboxEmail = "example+dynamic_test@example.com"
	sandboxPhone = "+15551234242"
	phonePrefix  = "+1555" // then 7 digits
)

// liveEmail draws a live environment's test address.
func liveEmail() (string, error) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "review-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)) + emailTag + "example.com", nil
}

// testAddress is d when it has a test address's form: an email tagged
// "+dynamic_test", or a +1 (555) number (which libphonenumber refuses: no
// such area code). The email is checked as otp does, sub-addresses
// allowed (the tag is one).
func testAddress(channel string, d otp.Destination) (otp.Address, bool) {
	if channel == otp.ChannelEmail {
		addr, err := otp.ParseEmail(d.Email, false)
		if err != nil || !looksTest(channel, addr.Normal) {
			return otp.Address{}, false
		}
		return addr, true
	}
	cc := strings.TrimPrefix(strings.TrimSpace(d.PhoneCountryCode), "+")
	var digits strings.Builder
	for _, c := range d.PhoneNumber {
		switch {
		case c >= '0' && c <= '9':
			digits.WriteRune(c)
		case strings.ContainsRune(" -().", c):
		default:
			return otp.Address{}, false
		}
	}
	e164 := "+" + cc + digits.String()
	if cc != "1" || !looksTest(channel, e164) {
		return otp.Address{}, false
	}
	return otp.Address{Channel: otp.ChannelSMS, Normal: e164, Display: strings.TrimSpace(d.PhoneNumber),
		PhoneCountryCode: d.PhoneCountryCode, PhoneNumber: d.PhoneNumber, ISOCountryCode: d.ISOCountryCode}, true
}

// looksTest tells whether a normal address has a test address's form.
func looksTest(channel, normal string) bool {
	if channel == otp.ChannelEmail {
		return strings.Contains(normal, emailTag)
	}
	if len(normal) != len(phonePrefix)+7 || !strings.HasPrefix(normal, phonePrefix) {
		return false
	}
	for _, c := range normal[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
