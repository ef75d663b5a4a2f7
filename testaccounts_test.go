package dynamicauth_test

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/delivery/deliverytest"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/testaccounts"
)

// TestTestAccounts: a sandbox's test account signs in any "+dynamic_test"
// email and any +1 (555) number with its static code, sending nothing
// (SMS without an SMS provider); a live environment's only its one email.
// Its code is bounded: past MaxUses codes asked without one accepted the
// account refuses, also under concurrent asks, until a new one replaces
// it (the old code then fails). Another organization reaches none of it;
// deleted, the addresses are ordinary again.
func TestTestAccounts(t *testing.T) {
	box := &deliverytest.Box{}
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env, live := t.Context(), app.IDs.EnvironmentID, app.IDs.LiveEnvironmentID
		updateSettings(t, app, func(settings map[string]any) {
			now := time.Now().UTC().Format(time.RFC3339)
			settings["providers"] = []any{map[string]any{"provider": "emailOnly", "enabledAt": now},
				map[string]any{"provider": "sms", "enabledAt": now}}
		})
		if _, err := app.TestAccounts().Get(ctx, app.System, env); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("Get before Create: %v", err)
		}
		acct, err := app.TestAccounts().Create(ctx, app.System, env)
		if err != nil || len(acct.Code) != otp.CodeDigits || acct.Email == "" || acct.Phone == "" {
			t.Fatalf("Create: %+v, %v", acct, err)
		}
		if got, err := app.TestAccounts().Get(ctx, app.System, env); err != nil || *got != *acct {
			t.Fatalf("Get: %+v, %v (created %+v)", got, err, acct)
		}
		other := dynamicauth.System("another-organization")
		if _, err := app.TestAccounts().Get(ctx, other, env); err == nil {
			t.Fatal("another organization read the test account")
		}

		sent := len(box.Emails())
		email := otp.Destination{Email: "Reviewer+dynamic_test@Store.example"}
		res := signInWithStaticCode(t, app, env, otp.ChannelEmail, email, acct.Code)
		if res.User.Email != "reviewer+dynamic_test@store.example" || !res.NewUser {
			t.Fatalf("email sign-in: %q, new %v", res.User.Email, res.NewUser)
		}
		phone := otp.Destination{PhoneCountryCode: "1", PhoneNumber: "(555) 123-4242", ISOCountryCode: "US"}
		res = signInWithStaticCode(t, app, env, otp.ChannelSMS, phone, acct.Code)
		if res.User.PhoneNumber != "+15551234242" {
			t.Fatalf("SMS sign-in: phone %q", res.User.PhoneNumber)
		}
		if len(box.Emails()) != sent {
			t.Fatal("a test account's code was emailed")
		}
		// A retry of a test address's verification sends nothing either,
		// and the static code still signs in.
		retryTo := otp.Destination{Email: "retry+dynamic_test@example.com"}
		vid := startCode(t, app, env, otp.ChannelEmail, retryTo)
		if _, err := app.Codes().Retry(ctx, otp.Request{EnvironmentID: env, Channel: otp.ChannelEmail, Destination: retryTo,
			ID: vid, Client: newClient()}); err != nil {
			t.Fatalf("Retry: %v", err)
		}
		if _, err := app.SignInWithCode(ctx, signin.CodeRequest{EnvironmentID: env, Channel: otp.ChannelEmail,
			VerificationID: vid, Code: acct.Code, Origin: app.Origin, IP: "192.0.2.1"}); err != nil {
			t.Fatalf("sign-in after a retry: %v", err)
		}
		if len(box.Emails()) != sent {
			t.Fatal("a test account's code was emailed on retry")
		}
		// An ordinary address gets a code of its own, sent.
		if _, err := app.Codes().Start(ctx, otp.Request{EnvironmentID: env, Channel: otp.ChannelEmail,
			Destination: otp.Destination{Email: "ada@example.com"}, Client: newClient()}); err != nil {
			t.Fatal(err)
		}
		if m := box.LastEmail(t, "ada@example.com"); m.Code == "" {
			t.Fatal("an ordinary address got no code")
		}

		// MaxUses codes asked, at once, with none accepted: the account is
		// spent, and the next ask refused; a new account works again.
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, spent := 0, 0
		for i := range testaccounts.MaxUses + 5 {
			wg.Go(func() {
				_, err := app.Codes().Start(ctx, otp.Request{EnvironmentID: env, Channel: otp.ChannelEmail,
					Destination: otp.Destination{Email: fmt.Sprintf("guess%d+dynamic_test@example.com", i)}, Client: fmt.Sprintf("198.51.100.%d", i)})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case codeOf(err) == "too_many_email_verification_attempts":
					spent++
				default:
					t.Errorf("ask %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if ok != testaccounts.MaxUses || spent != 5 {
			t.Fatalf("%d codes given, %d refused; want %d and 5", ok, spent, testaccounts.MaxUses)
		}
		fresh, err := app.TestAccounts().Create(ctx, app.System, env)
		if err != nil {
			t.Fatal(err)
		}
		if fresh.Code != acct.Code {
			started := startCode(t, app, env, otp.ChannelEmail, email)
			if _, err := app.SignInWithCode(ctx, signin.CodeRequest{EnvironmentID: env, Channel: otp.ChannelEmail,
				VerificationID: started, Code: acct.Code, Origin: app.Origin, IP: "192.0.2.1"}); err == nil {
				t.Fatal("the replaced account's code still signs in")
			}
		}
		// An accepted code gives the account its uses back: MaxUses-1 asked
		// (after the one above), the last one signs in, and asks go on.
		for i := range testaccounts.MaxUses - 2 {
			startCode(t, app, env, otp.ChannelEmail, otp.Destination{Email: fmt.Sprintf("again%d+dynamic_test@example.com", i)})
		}
		signInWithStaticCode(t, app, env, otp.ChannelEmail, otp.Destination{Email: "last+dynamic_test@example.com"}, fresh.Code)
		startCode(t, app, env, otp.ChannelEmail, otp.Destination{Email: "next+dynamic_test@example.com"})

		// Live: the one email, no phone; another tagged email is ordinary.
		setLiveProviders(t, app, live)
		la, err := app.TestAccounts().Create(ctx, app.System, live)
		if err != nil || la.Phone != "" || la.Email == acct.Email {
			t.Fatalf("live Create: %+v, %v", la, err)
		}
		signInWithStaticCode(t, app, live, otp.ChannelEmail, otp.Destination{Email: la.Email}, la.Code)
		sent = len(box.Emails())
		if _, err := app.Codes().Start(ctx, otp.Request{EnvironmentID: live, Channel: otp.ChannelEmail,
			Destination: email, Client: newClient()}); err != nil || len(box.Emails()) != sent+1 {
			t.Fatalf("another tagged email in live: %v, %d emails sent", err, len(box.Emails())-sent)
		}

		// Deleted: a tagged email gets a code of its own, sent.
		if err := app.TestAccounts().Delete(ctx, app.System, env); err != nil {
			t.Fatal(err)
		}
		if err := app.TestAccounts().Delete(ctx, app.System, env); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("second Delete: %v", err)
		}
		sent = len(box.Emails())
		if _, err := app.Codes().Start(ctx, otp.Request{EnvironmentID: env, Channel: otp.ChannelEmail,
			Destination: otp.Destination{Email: "after+dynamic_test@example.com"}, Client: newClient()}); err != nil || len(box.Emails()) != sent+1 {
			t.Fatalf("a tagged email without a test account: %v, %d emails sent", err, len(box.Emails())-sent)
		}
	}, func(c *dynamicauth.Config) { c.Mailer = box })
}

// startCode starts a verification of d, from a client of its own (the
// send limits count per client), and returns its id.
func startCode(t *testing.T, app *dynamicauthtest.App, env, channel string, d otp.Destination) string {
	t.Helper()
	started, err := app.Codes().Start(t.Context(), otp.Request{EnvironmentID: env, Channel: channel, Destination: d, Client: newClient()})
	if err != nil {
		t.Fatalf("start %s: %v", channel, err)
	}
	return started.Verification.ID
}

// signInWithStaticCode signs d in with code, after a wrong code is refused.
func signInWithStaticCode(t *testing.T, app *dynamicauthtest.App, env, channel string, d otp.Destination, code string) *signin.Result {
	t.Helper()
	req := signin.CodeRequest{EnvironmentID: env, Channel: channel, VerificationID: startCode(t, app, env, channel, d),
		Origin: app.Origin, IP: "192.0.2.1"}
	req.Code = otherCode(code)
	if _, err := app.SignInWithCode(t.Context(), req); err == nil {
		t.Fatalf("%s: a wrong code signed in", channel)
	}
	req.Code = code
	res, err := app.SignInWithCode(t.Context(), req)
	if err != nil {
		t.Fatalf("%s sign-in with the static code: %v", channel, err)
	}
	return res
}

// setLiveProviders turns email sign-in on in the live environment, for
// the app's origin.
func setLiveProviders(t *testing.T, app *dynamicauthtest.App, live string) {
	t.Helper()
	ctx := t.Context()
	e, err := app.Tenants().GetEnvironment(ctx, app.System, live, tenant.ScopeSettingsRead)
	if err != nil {
		t.Fatal(err)
	}
	var settings map[string]any
	if err := json.Unmarshal(e.Settings, &settings); err != nil {
		t.Fatal(err)
	}
	settings["providers"] = []any{map[string]any{"provider": "emailOnly", "enabledAt": time.Now().UTC().Format(time.RFC3339)}}
	if _, err := app.Tenants().UpdateSettings(ctx, app.System, live, settings); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Tenants().AddOrigin(ctx, app.System, live, app.Origin); err != nil {
		t.Fatal(err)
	}
}

// newClient is a client address no other request used (an IPv6 /64).
func newClient() string {
	b := make([]byte, 6)
	rand.Read(b)
	return fmt.Sprintf("2001:db8:%x:%x:%x::1", b[0:2], b[2:4], b[4:6])
}

// TestTestAccountSpentStaysSpent: a live environment's test account whose
// code was asked for MaxUses times without being accepted stays spent; a
// stranger's own "+dynamic_test" email (an ordinary address in live,
// whose real code they receive) accepted in between must not give the
// account its uses back, or the static code's guesses are unbounded.
func TestTestAccountSpentStaysSpent(t *testing.T) {
	box := &deliverytest.Box{}
	clk := newMovingClock()
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, live := t.Context(), app.IDs.LiveEnvironmentID
		setLiveProviders(t, app, live)
		la, err := app.TestAccounts().Create(ctx, app.System, live)
		if err != nil {
			t.Fatal(err)
		}
		ask := func() error {
			clk.Advance(5 * time.Minute) // the per-address send limit: 3 per 10 minutes
			_, err := app.Codes().Start(ctx, otp.Request{EnvironmentID: live, Channel: otp.ChannelEmail,
				Destination: otp.Destination{Email: la.Email}, Client: newClient()})
			return err
		}
		// The attacker asks MaxUses codes for the reviewer's address (each
		// verification good for 5 guesses of the static code)...
		for i := range testaccounts.MaxUses {
			if err := ask(); err != nil {
				t.Fatalf("ask %d: %v", i, err)
			}
		}
		if err := ask(); codeOf(err) != "too_many_email_verification_attempts" {
			t.Fatalf("ask past MaxUses: %v, want the account spent", err)
		}
		// ...then signs in with a code sent to their own tagged mailbox.
		own := "attacker+dynamic_test@evil.example"
		vid := startCode(t, app, live, otp.ChannelEmail, otp.Destination{Email: own})
		if _, err := app.Codes().Check(ctx, live, otp.ChannelEmail, vid, box.Code(t, own)); err != nil {
			t.Fatalf("the attacker's own code: %v", err)
		}
		if err := ask(); err == nil {
			t.Fatal("an ordinary address's code, accepted, gave the spent test account its uses back")
		}
	}, func(c *dynamicauth.Config) { c.Mailer = box; c.Now = clk.Now })
}

// TestTestAccountSandboxRealCodeKeepsSpent: in a sandbox, a "+dynamic_test"
// mailbox of the attacker's own asked for before the test account existed
// was sent a real code; accepted once the account is spent, that code is
// not the static one and must not give the account its uses back (a
// stock of such verifications would lift the bound on guesses).
func TestTestAccountSandboxRealCodeKeepsSpent(t *testing.T) {
	box := &deliverytest.Box{}
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		updateSettings(t, app, func(settings map[string]any) {
			settings["providers"] = []any{map[string]any{"provider": "emailOnly", "enabledAt": time.Now().UTC().Format(time.RFC3339)}}
		})
		own := "stock+dynamic_test@evil.example"
		stocked := startCode(t, app, env, otp.ChannelEmail, otp.Destination{Email: own})
		real := box.Code(t, own)
		if _, err := app.TestAccounts().Create(ctx, app.System, env); err != nil {
			t.Fatal(err)
		}
		ask := func(i int) error {
			_, err := app.Codes().Start(ctx, otp.Request{EnvironmentID: env, Channel: otp.ChannelEmail,
				Destination: otp.Destination{Email: fmt.Sprintf("guess%d+dynamic_test@evil.example", i)}, Client: newClient()})
			return err
		}
		for i := range testaccounts.MaxUses {
			if err := ask(i); err != nil {
				t.Fatalf("ask %d: %v", i, err)
			}
		}
		if err := ask(testaccounts.MaxUses); codeOf(err) != "too_many_email_verification_attempts" {
			t.Fatalf("ask past MaxUses: %v, want the account spent", err)
		}
		if _, err := app.Codes().Check(ctx, env, otp.ChannelEmail, stocked, real); err != nil {
			t.Fatalf("the real code sent before the account existed: %v", err)
		}
		if err := ask(testaccounts.MaxUses + 1); err == nil {
			t.Fatal("a real code, accepted, gave the spent test account its uses back")
		}
	}, func(c *dynamicauth.Config) { c.Mailer = box })
}

// TestTestAccountReplacedCodeStops: once the test account is replaced or
// deleted, its old code signs nothing in, not even through a verification
// asked for before; the new account's code does.
func TestTestAccountReplacedCodeStops(t *testing.T) {
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, live := t.Context(), app.IDs.LiveEnvironmentID
		setLiveProviders(t, app, live)
		old, err := app.TestAccounts().Create(ctx, app.System, live)
		if err != nil {
			t.Fatal(err)
		}
		before := startCode(t, app, live, otp.ChannelEmail, otp.Destination{Email: old.Email})
		replaced, err := app.TestAccounts().Create(ctx, app.System, live)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Codes().Check(ctx, live, otp.ChannelEmail, before, old.Code); err == nil {
			t.Fatal("the replaced test account's code was accepted")
		}
		after := startCode(t, app, live, otp.ChannelEmail, otp.Destination{Email: replaced.Email})
		if _, err := app.Codes().Check(ctx, live, otp.ChannelEmail, after, replaced.Code); err != nil {
			t.Fatalf("the new test account's code: %v", err)
		}
		before = startCode(t, app, live, otp.ChannelEmail, otp.Destination{Email: replaced.Email})
		if err := app.TestAccounts().Delete(ctx, app.System, live); err != nil {
			t.Fatal(err)
		}
		if _, err := app.Codes().Check(ctx, live, otp.ChannelEmail, before, replaced.Code); err == nil {
			t.Fatal("the deleted test account's code was accepted")
		}
	})
}
