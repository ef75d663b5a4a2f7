package dynamicauth_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
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
	// The widget's fields, signed as Telegram signs them, inside a JWT
	// the bot signed with its token.
	authDate := strconv.FormatInt(time.Now().Unix(), 10)
	secretKey := sha256.Sum256([]byte(bot))
	mac := hmac.New(sha256.New, secretKey[:])
	mac.Write([]byte("auth_date=" + authDate + "\nid=31337\nusername=gopher"))
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(bot)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(sig).Claims(map[string]any{"id": 31337, "username": "gopher", "authDate": authDate,
		"hash": hex.EncodeToString(mac.Sum(nil))}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
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
