package dynamicauth_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Telegram from Go: a Mini App's telegramAuthToken, signed by the
// environment's bot, signs the user in once through the facade.
func TestSignInWithTelegramFromGo(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, err := dynamicauth.New(dynamicauth.Config{Store: st, MasterSecret: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	ids, _, err := a.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const bot = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
	typ, name, secret := social.Telegram, "go_test_bot", bot
	if _, err := a.Providers().Create(ctx, dynamicauth.System(ids.OrganizationID), ids.EnvironmentID,
		social.ProviderInput{Type: &typ, ClientID: &name, ClientSecret: &secret}); err != nil {
		t.Fatal(err)
	}
	tok := telegramToken(t, bot, 31337, "gopher", time.Now())
	req := signin.TelegramRequest{EnvironmentID: ids.EnvironmentID, AuthToken: tok}
	res, err := a.SignInWithTelegram(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	c := res.User.Credentials[0]
	if c.Chain != social.Telegram || c.Address != "31337" || c.PublicIdentifier != "gopher" || !res.NewUser || res.Tokens == nil {
		t.Fatalf("signed in as %+v (new %v)", c, res.NewUser)
	}
	var e *errs.E
	if _, err := a.SignInWithTelegram(ctx, req); !errors.As(err, &e) || e.Kind != errs.KindUnprocessable {
		t.Fatalf("the same token again: %v, want a 422", err)
	}
}

// telegramToken is a Mini App's telegramAuthToken for Telegram user id
// (username) at authDate: the widget's fields, signed as Telegram signs
// them, inside a JWT the bot signed with its token.
func telegramToken(t *testing.T, bot string, id int, username string, authDate time.Time) string {
	t.Helper()
	date := strconv.FormatInt(authDate.Unix(), 10)
	secretKey := sha256.Sum256([]byte(bot))
	mac := hmac.New(sha256.New, secretKey[:])
	fmt.Fprintf(mac, "auth_date=%s\nid=%d\nusername=%s", date, id, username)
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(bot)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(sig).Claims(map[string]any{"id": id, "username": username, "authDate": date,
		"hash": hex.EncodeToString(mac.Sum(nil))}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestLinkTelegramFromGo: a signed-in user adds a Telegram account by
// session (LinkTelegram, telegram/verify): the same session's tokens come
// back with the account on the user, who then signs in with it; the
// same login again, and another user linking the account, are refused.
func TestLinkTelegramFromGo(t *testing.T) {
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		const bot = "7000000002:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
		typ, name, secret := social.Telegram, "go_link_bot", bot
		if _, err := app.Providers().Create(ctx, app.System, env,
			social.ProviderInput{Type: &typ, ClientID: &name, ClientSecret: &secret}); err != nil {
			t.Fatal(err)
		}
		ann, bob := dynamicauthtest.SignInWallet(t, app), dynamicauthtest.SignInWallet(t, app)
		req := signin.TelegramRequest{AuthToken: telegramToken(t, bot, 4242, "ann_tg", time.Now()), Origin: app.Origin}
		res, err := app.LinkTelegram(ctx, env, ann.MinifiedJWT, req)
		if err != nil {
			t.Fatal(err)
		}
		if c := wantLinked(t, app, res, ann, social.Telegram, "4242"); c.PublicIdentifier != "ann_tg" {
			t.Fatalf("the Telegram credential's public identifier: %q", c.PublicIdentifier)
		}
		if _, err := app.LinkTelegram(ctx, env, ann.MinifiedJWT, req); !errs.Is(err, errs.KindUnprocessable) {
			t.Fatalf("the same login again: %v, want a 422", err)
		}
		again := signin.TelegramRequest{AuthToken: telegramToken(t, bot, 4242, "ann_tg", time.Now().Add(-time.Second))}
		if _, err := app.LinkTelegram(ctx, env, bob.MinifiedJWT, again); codeOf(err) != signin.CodeSocialAccountExists {
			t.Fatalf("Bob links Ann's Telegram account: %v, want %s", err, signin.CodeSocialAccountExists)
		}
		in, err := app.SignInWithTelegram(ctx, signin.TelegramRequest{EnvironmentID: env,
			AuthToken: telegramToken(t, bot, 4242, "ann_tg", time.Now().Add(-2*time.Second))})
		if err != nil || in.User.ID != ann.UserID || in.NewUser {
			t.Fatalf("sign in with the linked account: %+v, %v", in, err)
		}
	})
}

// wantLinked checks that a link of the account (chain, address) to the
// signed-in user s re-issued s's session, the account on its user, and
// returns the account's credential.
func wantLinked(t *testing.T, app *dynamicauthtest.App, res *signin.Result, s *dynamicauthtest.SignedIn, chain, address string) users.Credential {
	t.Helper()
	if res.User.ID != s.UserID || res.Tokens == nil || sessionClaims(t, app, res).Sid != tokenClaims(t, app, s.MinifiedJWT).Sid {
		t.Fatalf("the link answered user %s, tokens %v (signed in as %s)", res.User.ID, res.Tokens != nil, s.UserID)
	}
	for _, c := range res.User.Credentials {
		if c.Chain == chain && c.Address == address {
			return c
		}
	}
	t.Fatalf("no %s credential %s on the user", chain, address)
	return users.Credential{}
}
