package dynamicauth_test

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/delivery/deliverytest"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/externaljwt/externaljwttest"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/social/oidctest"
	"github.com/dynamicauth/dynamicauth/users"
)

// credentialMirror is what an application mirroring credentials keeps
// of each user's, from AfterChange alone: user id → credential ids.
type credentialMirror map[string]map[string]bool

func (m credentialMirror) hear(changes []dynamicauth.Change) {
	for _, c := range changes {
		switch c.Kind {
		case dynamicauth.CredentialLinked:
			if m[c.UserID] == nil {
				m[c.UserID] = map[string]bool{}
			}
			m[c.UserID][c.CredentialID] = true
		case dynamicauth.CredentialUnlinked:
			delete(m[c.UserID], c.CredentialID)
		case dynamicauth.UserDeleted:
			delete(m, c.UserID)
		}
	}
}

// wantMirrored hears what the log got since the last take and checks
// that the mirror holds exactly the credentials each user of the
// environment has; then it holds them, so that the next step is judged
// on its own.
func wantMirrored(t *testing.T, app *dynamicauthtest.App, log *changeLog, m credentialMirror, what string) {
	t.Helper()
	wantMirroredIn(t, app.Auth, app.System, app.IDs.EnvironmentID, log, m, what)
}

func wantMirroredIn(t *testing.T, auth *dynamicauth.Auth, p *dynamicauth.Principal, env string, log *changeLog, m credentialMirror, what string) {
	t.Helper()
	m.hear(log.take())
	list, err := auth.Users().ListUsers(t.Context(), p, env, users.ListQuery{Page: users.Page{Limit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	stored := credentialMirror{}
	for _, u := range list.Users {
		stored[u.ID] = map[string]bool{}
		for _, c := range u.Credentials {
			stored[u.ID][c.ID] = true
		}
	}
	for user, creds := range stored {
		if !maps.Equal(creds, m[user]) && len(creds)+len(m[user]) > 0 {
			t.Errorf("%s: user %s has credentials %v; AfterChange told %v", what, user, slices.Sorted(maps.Keys(creds)),
				slices.Sorted(maps.Keys(m[user])))
		}
	}
	for user, creds := range m {
		if _, ok := stored[user]; !ok && len(creds) > 0 {
			t.Errorf("%s: AfterChange left credentials %v with user %s, who is gone", what, slices.Sorted(maps.Keys(creds)), user)
		}
	}
	clear(m)
	maps.Copy(m, stored)
}

// TestAfterChangeHearsEveryCredential: an application mirroring who holds
// which credential from AfterChange alone keeps up with every way one
// comes to or leaves a user: a code sign-in joining the operator's user
// who has the email, an external JWT's verified email (a new user's
// second credential, linked to a returning user), a wallet transferred
// from another user, an admin-created or imported user's credentials
// and those an import adds to an existing user.
func TestAfterChangeHearsEveryCredential(t *testing.T) {
	box, log := &deliverytest.Box{}, &changeLog{}
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env, m := t.Context(), app.IDs.EnvironmentID, credentialMirror{}
		idp := externaljwttest.New(t)
		enableEmailCodes(t, app)
		enableExternalAuth(t, app, idp)
		ann, bob := dynamicauthtest.SignInWallet(t, app), dynamicauthtest.SignInWallet(t, app)
		wantMirrored(t, app, log, m, "wallet sign-ins")

		verified := "olga@example.com"
		olga, err := app.Users().CreateUser(ctx, app.System, env, users.NewUser{Email: "olga@example.com",
			Wallets: []users.NewWallet{{Address: dynamicauthtest.NewWallet(t).Address, Chain: "EVM"}}})
		if err != nil {
			t.Fatal(err)
		}
		wantMirrored(t, app, log, m, "an admin-created user")
		now := time.Now()
		for _, x := range []struct {
			what   string
			row    users.NewUser
			upsert bool
		}{
			{"an import adding a wallet to a user", users.NewUser{Email: "olga@example.com",
				Wallets: []users.NewWallet{{Address: dynamicauthtest.NewWallet(t).Address, Chain: "EVM"}}}, true},
			{"an import creating a user", users.NewUser{Email: "pat@example.com", EmailVerifiedAt: &now,
				Wallets: []users.NewWallet{{Address: dynamicauthtest.NewWallet(t).Address, Chain: "EVM"}}}, false},
		} {
			bulk, err := app.Users().BulkCreate(ctx, app.System, env, []users.NewUser{x.row}, users.BulkOptions{Upsert: x.upsert})
			if err != nil || len(bulk.Failed) != 0 {
				t.Fatalf("%s: %+v, %v", x.what, bulk, err)
			}
			wantMirrored(t, app, log, m, x.what)
		}

		started, err := app.Codes().Start(ctx, otp.Request{EnvironmentID: env, Channel: otp.ChannelEmail,
			Destination: otp.Destination{Email: verified}, Client: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		res, err := app.SignInWithCode(ctx, signin.CodeRequest{EnvironmentID: env, Channel: otp.ChannelEmail,
			VerificationID: started.Verification.ID, Code: box.LastEmail(t, verified).Code, Origin: app.Origin})
		if err != nil || res.NewUser || res.User.ID != olga.ID {
			t.Fatalf("olga's code sign-in: %+v, %v", res, err)
		}
		wantMirrored(t, app, log, m, "a code sign-in joining the operator's user")

		ext := func(claims map[string]any) *signin.Result { return signInExternal(t, app, idp, claims) }
		if res := ext(nil); !res.NewUser || len(res.User.Credentials) != 2 {
			t.Fatalf("ada's external sign-in: %+v", res.User)
		}
		wantMirrored(t, app, log, m, "a new user with an external JWT's email")
		bea := ext(map[string]any{"sub": "app-user-2", "email": "bea@example.com", "email_verified": false})
		again := ext(map[string]any{"sub": "app-user-2", "email": "bea@example.com"})
		if again.NewUser || again.User.ID != bea.User.ID || len(again.User.Credentials) != 2 {
			t.Fatalf("bea's verified email: %+v", again.User)
		}
		wantMirrored(t, app, log, m, "an external JWT's email linked to a returning user")

		if _, err := app.TransferWallet(ctx, env, ann.MinifiedJWT, walletProof(t, app, bob.Wallet),
			dynamicauth.TransferOptions{AllowEmptyAccount: true}); err != nil {
			t.Fatal(err)
		}
		wantMirrored(t, app, log, m, "a transfer")

		if err := app.Users().DeleteUser(ctx, app.System, env, olga.ID); err != nil {
			t.Fatal(err)
		}
		wantMirrored(t, app, log, m, "an admin delete")
	}, func(c *dynamicauth.Config) {
		c.Mailer = box
		c.Hooks.AfterChange = log.hook
	})
}

// TestAfterChangeHearsSocialJoin: a social account signing in for the
// first time with a verified email its owner has joins that user; the
// hook hears the account linked to them, as it hears both credentials of
// a user the first account created.
func TestAfterChangeHearsSocialJoin(t *testing.T) {
	ctx, log, m := t.Context(), &changeLog{}, credentialMirror{}
	app := newOAuthApp(t, func(c *dynamicauth.Config) { c.Hooks.AfterChange = log.hook })
	app.op.AddUser(oidctest.User{ID: "op-ada", Email: "ada@example.com", Name: "Ada", EmailVerified: true})
	ada, err := app.auth.SignInWithOAuth(ctx, app.login(t, "ada-browser"))
	if err != nil || !ada.NewUser || len(ada.User.Credentials) != 2 {
		t.Fatalf("ada's first social sign-in: %+v, %v", ada, err)
	}
	wantMirroredIn(t, app.auth, app.system, app.env, log, m, "a new social user with a verified email")

	app.op.AddUser(oidctest.User{ID: "op-ada-2", Email: "ada@example.com", Name: "Ada", EmailVerified: true})
	joined, err := app.auth.SignInWithOAuth(ctx, app.login(t, "ada-browser"))
	if err != nil || joined.NewUser || joined.User.ID != ada.User.ID || len(joined.User.Credentials) != 3 {
		t.Fatalf("ada's second social account: %+v, %v", joined, err)
	}
	wantMirroredIn(t, app.auth, app.system, app.env, log, m, "a social account joining its email's owner")
}

// TestAfterChangeHearsProfilesSignInsChange: a returning user whose
// identity provider now vouches for other names, a verify adding an email
// to the profile, and a wallet selection (the user's primary wallet)
// change the user; the hook hears each as UserUpdated with the user
// after it.
func TestAfterChangeHearsProfilesSignInsChange(t *testing.T) {
	box, log := &deliverytest.Box{}, &changeLog{}
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		idp := externaljwttest.New(t)
		enableEmailCodes(t, app)
		enableExternalAuth(t, app, idp)
		updated := func(what, userID string, ok func(*users.User) bool) {
			t.Helper()
			for _, c := range log.take() {
				if c.Kind == dynamicauth.UserUpdated && c.UserID == userID && c.EnvironmentID == env && c.User != nil && ok(c.User) {
					return
				}
			}
			t.Errorf("%s: no UserUpdated of %s with the change", what, userID)
		}

		ext := func(claims map[string]any) *signin.Result { return signInExternal(t, app, idp, claims) }
		ada := ext(map[string]any{"given_name": "Ada", "family_name": "Byron"})
		log.take()
		if again := ext(map[string]any{"given_name": "Ada", "family_name": "Lovelace"}); again.User.LastName != "Lovelace" {
			t.Fatalf("ada's new name: %+v", again.User)
		}
		updated("a returning user's vouched names", ada.User.ID, func(u *users.User) bool { return u.LastName == "Lovelace" })

		s := dynamicauthtest.SignInWallet(t, app)
		email := "wendy@example.com"
		verifyNewEmail(t, app, box, log, s.MinifiedJWT, email)
		updated("a verified email", s.UserID, func(u *users.User) bool { return u.Email == email })

		second := dynamicauthtest.NewWallet(t)
		linked, err := app.LinkWallet(ctx, env, s.MinifiedJWT, walletProof(t, app, second))
		if err != nil {
			t.Fatal(err)
		}
		log.take()
		id := credentialOf(linked.User, second)
		if _, err := app.SelectWallet(ctx, env, linked.Tokens.MinifiedJWT, id); err != nil {
			t.Fatal(err)
		}
		updated("a wallet selected", s.UserID, func(u *users.User) bool { return u.PrimaryWallet() != nil && u.PrimaryWallet().ID == id })
	}, func(c *dynamicauth.Config) {
		c.Mailer = box
		c.Hooks.AfterChange = log.hook
	})
}
