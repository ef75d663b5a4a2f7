package httpapi

import "testing"

// TestSDKRouteClassGuesses: every SDK route that checks a code, a token
// or a proof a client may guess or replay (and answers tokens when it
// holds) is in the sign-in class, whose per-IP bucket is small; the
// overall SDK bucket alone would let 600 a minute through.
func TestSDKRouteClassGuesses(t *testing.T) {
	for _, rest := range []string{
		"verify", "wallets/signin", "verify/link", "wallets/verify", "refresh",
		"emailVerifications/signin", "emailVerifications/verify", "smsVerifications/signin", "smsVerifications/verify",
		"users/mfa/auth/totp", "users/mfa/auth/recovery", "users/mfa/auth/email", "users/mfa/auth/passkey",
		"users/passkeys/signin", "providers/google/oauthResult", "providers/google/signIn", "externalAuth/signin",
		"farcaster/signin",
		// Telegram: the widget's signed data, the popup's code, a Mini
		// App's token.
		"telegram/auth", "telegram/signin", "telegram/verify", "checkTelegramAuth",
		// The emailed approval token, which re-issues the session's tokens.
		"deviceRegistration",
	} {
		if got := sdkRouteClass(rest); got != "signin" {
			t.Errorf("%s: class %q, want signin", rest, got)
		}
	}
	for _, rest := range []string{"settings", "users", "deviceRegistrations", "users/mfa/methods"} {
		if got := sdkRouteClass(rest); got != "" {
			t.Errorf("%s: class %q, want none", rest, got)
		}
	}
}
