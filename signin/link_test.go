package signin_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/ethereum/go-ethereum/crypto"
)

func (f *fixture) signedRequest(t *testing.T, key *ecdsa.PrivateKey) signin.WalletRequest {
	t.Helper()
	m := f.message(key, f.nonce(t, f.ids.EnvironmentID))
	return f.request(m.address, m.String(), personalSign(t, key, m.String()))
}

func (f *fixture) signIn(t *testing.T, key *ecdsa.PrivateKey) *signin.Current {
	t.Helper()
	ctx := context.Background()
	res, err := f.svc.WalletSignIn(ctx, f.signedRequest(t, key))
	if err != nil {
		t.Fatal(err)
	}
	cur, err := f.svc.Authenticate(ctx, f.ids.EnvironmentID, res.Tokens.MinifiedJWT)
	if err != nil {
		t.Fatal(err)
	}
	return cur
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *errs.E
	if !errorsAs(err, &e) || e.Kind != errs.KindUnprocessable || e.Code != code {
		t.Fatalf("want 422 %s, got %v", code, err)
	}
}

func TestLinkTransferUnlinkSelect(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a, b, c := newKey(t), newKey(t), newKey(t)
	u1 := f.signIn(t, a)

	// Link a second wallet: same session, both credentials in the token.
	res, err := f.svc.LinkWallet(ctx, u1, f.signedRequest(t, b), signin.LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.User.Credentials) != 2 || res.Session.ID != u1.Session.ID {
		t.Fatalf("after link: %d credentials, session %s", len(res.User.Credentials), res.Session.ID)
	}
	var linked users.Credential
	for _, c := range res.User.Credentials {
		if c.PublicIdentifier == crypto.PubkeyToAddress(b.PublicKey).Hex() {
			linked = c
		}
	}
	if res.User.LastVerifiedCredentialID != linked.ID {
		t.Fatalf("last verified credential %s, want %s", res.User.LastVerifiedCredentialID, linked.ID)
	}
	cur, err := f.svc.Authenticate(ctx, f.ids.EnvironmentID, res.Tokens.MinifiedJWT)
	if err != nil || cur.Claims.Sid != u1.Session.ID || cur.Claims.VerifiedCredentialHashes.Blockchain == u1.Claims.VerifiedCredentialHashes.Blockchain {
		t.Fatalf("re-issued token: %v %+v", err, cur)
	}

	// The only wallet of another user: the link answers what a transfer
	// without skipEmptyAccountCheck would (Dynamic's widget then asks
	// before it sends one with it).
	u2 := f.signIn(t, c)
	req := f.signedRequest(t, c)
	_, err = f.svc.LinkWallet(ctx, u1, req, signin.LinkOptions{})
	wantCode(t, err, "reassign_wallet_error")
	// It is u2's only way in: a transfer needs skipEmptyAccountCheck.
	_, err = f.svc.LinkWallet(ctx, u1, req, signin.LinkOptions{Transfer: true})
	wantCode(t, err, "reassign_wallet_error")
	// The refusals wrote nothing, so the same signed message still works.
	res, err = f.svc.LinkWallet(ctx, u1, req, signin.LinkOptions{Transfer: true, AllowEmptyAccount: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.User.Credentials) != 3 {
		t.Fatalf("after transfer: %d credentials", len(res.User.Credentials))
	}
	// The same message cannot be used twice.
	_, err = f.svc.LinkWallet(ctx, u1, req, signin.LinkOptions{Transfer: true, AllowEmptyAccount: true})
	wantCode(t, err, "other_verify_failure")
	u2after, err := f.store.GetUser(ctx, u2.User.ID)
	if err != nil || len(u2after.Credentials) != 0 || u2after.LastVerifiedCredentialID != "" {
		t.Fatalf("former owner keeps %+v (%v)", u2after, err)
	}

	cur, err = f.svc.Authenticate(ctx, f.ids.EnvironmentID, res.Tokens.MinifiedJWT)
	if err != nil {
		t.Fatal(err)
	}
	// Select, then unlink down to the last credential.
	sel, err := f.svc.SelectWallet(ctx, cur, linked.ID, "auth.test", "")
	if err != nil || sel.User.Credential(linked.ID).LastSelectedAt == nil {
		t.Fatalf("select: %v", err)
	}
	_, err = f.svc.SelectWallet(ctx, cur, u2.User.ID, "auth.test", "")
	wantCode(t, err, "invalid_wallet_id")
	creds := cur.User.Credentials
	for i, cred := range creds {
		res, err := f.svc.UnlinkWallet(ctx, cur, cred.ID, "auth.test", "")
		if i == len(creds)-1 {
			wantCode(t, err, "cannot_delete_last_sign_in_verified_credential")
			break
		}
		if err != nil {
			t.Fatalf("unlink %d: %v", i, err)
		}
		if res.User.Credential(cred.ID) != nil || res.User.Credential(res.User.LastVerifiedCredentialID) == nil {
			t.Fatalf("after unlink: %+v", res.User)
		}
		if cur, err = f.svc.Authenticate(ctx, f.ids.EnvironmentID, res.Tokens.MinifiedJWT); err != nil {
			t.Fatal(err)
		}
	}
	_, err = f.svc.UnlinkWallet(ctx, cur, u2.User.ID, "auth.test", "")
	wantCode(t, err, "forbidden_unlink_request")
}

// missingAlias is a Profiles that reports a required alias as missing.
type missingAlias struct{}

func (missingAlias) Profile(_ context.Context, u *users.User) (*users.Profile, error) {
	return &users.Profile{User: u, Missing: []users.KycEntry{{Name: "alias", Required: true, Enabled: true}}}, nil
}

func (missingAlias) UpdateProfile(context.Context, *users.User, users.ProfileInput, users.Alongside) (*users.Profile, error) {
	return nil, errors.New("missingAlias changes no profile")
}

func (missingAlias) CheckProfile(context.Context, *users.User, users.ProfileInput) error {
	return errors.New("missingAlias changes no profile")
}

func TestTokensCarryMissingFields(t *testing.T) {
	f := newFixture(t)
	f.svc = signin.NewService(signin.Deps{Environments: f.store, Store: f.store, Links: f.store, Merges: f.store,
		Profiles: missingAlias{}, Sessions: f.sessions, Now: f.clock.now})
	res, err := f.svc.WalletSignIn(context.Background(), f.signedRequest(t, newKey(t)))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Profile.Missing) != 1 {
		t.Fatalf("result profile: %+v", res.Profile)
	}
	payload := decodePayload(t, res.Tokens.JWT)
	if !strings.Contains(payload, `"scope":"user:basic userDataForm"`) || !strings.Contains(payload, `"missing_fields":[{"name":"alias","required":true`) {
		t.Fatalf("full token claims: %s", payload)
	}
}

func decodePayload(t *testing.T, tok string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
