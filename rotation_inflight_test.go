package dynamicauth_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/delivery/deliverytest"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/exports"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/mfa/mfatest"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
)

// TestInFlightAcrossRotation: what a server handed out shortly before a
// master-secret rotation's restart (a sign-in nonce, an emailed code, an
// mfaToken, an elevated access token, an export download link) still
// works on the server restarted with the old secret as previous, and is
// refused by one given the new secret alone.
func TestInFlightAcrossRotation(t *testing.T) { onBothStores(t, testInFlightAcrossRotation) }

// handedOut is what a user or operator holds between two requests.
type handedOut struct {
	nonce, verificationID, email, code string
	userID, sessionID                  string
	mfaToken, elevated                 string
	export                             *exports.Export
	link                               url.Values
}

func testInFlightAcrossRotation(t *testing.T, st store.Store) {
	ctx := t.Context()
	oldSecret, newSecret := bytes.Repeat([]byte{5}, 32), bytes.Repeat([]byte{6}, 32)
	box := &deliverytest.Box{}
	on := func(master []byte, previous ...[]byte) *dynamicauthtest.App {
		auth, err := dynamicauth.New(dynamicauth.Config{Store: st, MasterSecret: master, PreviousMasterSecrets: previous, Mailer: box})
		if err != nil {
			t.Fatal(err)
		}
		return dynamicauthtest.Wrap(t, auth)
	}
	a := on(oldSecret)
	env := a.IDs.EnvironmentID
	setMFA(t, a, map[string]any{"enabled": true})
	enableEmailCodes(t, a)
	w := dynamicauthtest.NewWallet(t)
	totpSecret := enrollTOTP(t, a, a.SignIn(t, w).MinifiedJWT)
	// Each hand-out passes TOTP once, a step each (a step passes once).
	handOut := func(step int) handedOut {
		var h handedOut
		nonces, err := a.IssueNonces(ctx, env, 1)
		if err != nil {
			t.Fatal(err)
		}
		h.nonce = nonces[0]
		h.email = "rotation-" + ids.New() + "@example.com"
		started, err := a.Codes().Start(ctx, otp.Request{EnvironmentID: env, Channel: otp.ChannelEmail,
			Destination: otp.Destination{Email: h.email}, Client: "192.0.2.7"})
		if err != nil {
			t.Fatal(err)
		}
		h.verificationID, h.code = started.Verification.ID, box.LastEmail(t, h.email).Code
		up, err := a.PassTOTP(ctx, env, a.SignIn(t, w).MinifiedJWT, signin.MFARequest{Code: mfatest.Code(t, totpSecret, step),
			MFAToken: true, Scopes: []string{"credential:unlink"}})
		if err != nil || up.MFAToken == "" || up.ElevatedAccessToken == "" {
			t.Fatalf("TOTP with an mfaToken and an elevated access token: %+v, %v", up, err)
		}
		h.userID, h.sessionID, h.mfaToken, h.elevated = up.User.ID, up.Session.ID, up.MFAToken, up.ElevatedAccessToken
		h.export, err = a.Exports().Create(ctx, a.System, env, exports.Input{Format: exports.FormatCSV, Model: exports.ModelUsers})
		if err != nil {
			t.Fatal(err)
		}
		if h.link, err = url.ParseQuery(a.Exports().LinkQuery(h.export)); err != nil {
			t.Fatal(err)
		}
		return h
	}
	before, alone := handOut(0), handOut(1)

	// accepted lists what app accepted of h.
	accepted := func(app *dynamicauthtest.App, h handedOut) map[string]bool {
		nw := dynamicauthtest.NewWallet(t)
		msg, sig := app.SignMessage(t, nw, h.nonce)
		status, _ := app.Do(t, "POST", "/api/v0/sdk/"+env+"/verify", "", map[string]string{"chain": "EVM",
			"publicWalletAddress": nw.Address, "messageToSign": msg, "signedMessage": sig, "walletName": "metamask",
			"walletProvider": "browserExtension", "network": "1"})
		_, codeErr := app.SignInWithCode(ctx, signin.CodeRequest{EnvironmentID: env, Channel: otp.ChannelEmail,
			VerificationID: h.verificationID, Code: h.code, Origin: app.Origin, IP: "192.0.2.7"})
		_, _, linkErr := app.Exports().OpenLink(ctx, env, h.export.ID, h.link.Get("expires"), h.link.Get("signature"))
		return map[string]bool{
			"nonce":    status == http.StatusOK,
			"code":     codeErr == nil,
			"mfaToken": app.MFA().CheckToken(ctx, h.userID, h.sessionID, h.mfaToken) == nil,
			"elevated": app.MFA().CheckElevated(ctx, h.userID, h.sessionID, h.elevated, "credential:unlink") == nil,
			"link":     linkErr == nil || errors.Is(linkErr, exports.ErrNotReady),
		}
	}
	for what, ok := range accepted(on(newSecret, oldSecret), before) {
		if !ok {
			t.Errorf("the %s handed out under the old secret, refused with it as previous", what)
		}
	}
	for what, ok := range accepted(on(newSecret), alone) {
		if ok {
			t.Errorf("the %s handed out under the old secret, accepted under the new one alone", what)
		}
	}
}
