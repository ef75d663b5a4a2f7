package signin_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/dynamicauth/dynamicauth/delivery/deliverytest"
	"github.com/dynamicauth/dynamicauth/devices"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/users"
)

// deviceProof signs a fresh nonce of the fixture's environment with the
// device key d, as the JS SDK's x-dynamic-device-* headers do.
func (f *fixture) deviceProof(t *testing.T, d *ecdsa.PrivateKey) *signin.DeviceProof {
	t.Helper()
	nonce := f.nonce(t, f.ids.EnvironmentID)
	pub, err := d.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte(nonce))
	r, s, err := ecdsa.Sign(rand.Reader, d, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return &signin.DeviceProof{Nonce: nonce, PublicKey: hex.EncodeToString(pub), Signature: hex.EncodeToString(sig)}
}

// signInOn signs the wallet key in from the device d.
func (f *fixture) signInOn(t *testing.T, key, d *ecdsa.PrivateKey) (*signin.Result, *signin.Current) {
	t.Helper()
	ctx := context.Background()
	req := f.signedRequest(t, key)
	req.Device = f.deviceProof(t, d)
	res, err := f.svc.WalletSignIn(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := f.svc.Authenticate(ctx, f.ids.EnvironmentID, res.Tokens.MinifiedJWT)
	if err != nil {
		t.Fatal(err)
	}
	return res, cur
}

func newDeviceKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestMergeAsksTheDeviceApproval: with device registration, signing in
// to an account from a device it has not registered leaves the session
// restricted until the owner approves the device from their email. A
// merge hands over the whole account on the caller's device, so it must
// not skip that approval: holding one wallet key of the account (the
// merge's proof, the same as a sign-in's) took every credential of it
// from a device the owner never approved. From a device the account has
// registered, the merge runs.
func TestMergeAsksTheDeviceApproval(t *testing.T) {
	f := newFixtureWith(t, func(d *signin.Deps, st *sqlite.Store) {
		d.Devices = devices.NewService(devices.Deps{Store: st, Mailer: &deliverytest.Box{}})
	})
	ctx := context.Background()
	f.setSecurity(t, "deviceRegistrationRequired", true)

	// The victim: two wallets and an email, the laptop registered.
	laptop, attackerPhone := newDeviceKey(t), newDeviceKey(t)
	kv, kv2 := newKey(t), newKey(t)
	_, victim := f.signInOn(t, kv, laptop)
	if _, err := f.svc.LinkWallet(ctx, victim, f.signedRequest(t, kv2), signin.LinkOptions{}); err != nil {
		t.Fatal(err)
	}
	f.setProfile(t, victim.User.ID, func(u *users.User) { u.Email = "victim@example.com" }, nil)
	// The premise: the attacker signing in with the victim's wallet on
	// their own phone gets a restricted session.
	if res, _ := f.signInOn(t, kv, attackerPhone); !res.Auth.DevicePending {
		t.Fatal("a returning user's sign-in on an unknown device is not pending")
	}

	_, mallory := f.signInOn(t, newKey(t), attackerPhone)
	_, err := f.svc.LinkWallet(ctx, mallory, f.signedRequest(t, kv), signin.LinkOptions{})
	wantCode(t, err, signin.CodeMergeInvalid)
	if _, err := f.svc.MergeAccounts(ctx, mallory, signin.MergeRequest{IssuerHost: "auth.test"}); err == nil {
		t.Fatal("the merge ran from a device the other account never approved")
	}
	if u, err := f.store.GetUser(ctx, victim.User.ID); err != nil || len(u.Credentials) != 2 {
		t.Fatalf("the victim's account after the refused merge: %v, %+v", err, u)
	}

	// The victim's own second account, on the laptop: the merge runs.
	_, second := f.signInOn(t, newKey(t), laptop)
	_, err = f.svc.LinkWallet(ctx, second, f.signedRequest(t, kv), signin.LinkOptions{})
	wantCode(t, err, signin.CodeMergeConfirmation)
	res, err := f.svc.MergeAccounts(ctx, second, signin.MergeRequest{IssuerHost: "auth.test"})
	if err != nil {
		t.Fatalf("merge from a device both accounts registered: %v", err)
	}
	if len(res.User.Credentials) != 3 {
		t.Fatalf("merged user has %d credentials, want 3", len(res.User.Credentials))
	}
}
