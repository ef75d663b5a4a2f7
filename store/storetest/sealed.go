package storetest

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/testaccounts"
)

// testSealedValues: every kind of sealed value is listed by key, in pages,
// with what its aad is made of, and is replaced only while it holds what
// the caller read (a reseal beside serving servers).
func testSealedValues(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID

	key := newSigningKey(t, c, env)
	_, err := s.InsertSigningKey(ctx(t), key)
	must(t, "InsertSigningKey", err)
	at := c.next()
	sso := &tenant.SsoProvider{ID: id(), OrganizationID: e.org.ID, ClientID: "client", ClientSecretSealed: randomBytes(t, 40),
		MaskedClientSecret: "****", SsoDomain: "sso.acme.com", EmailDomain: "acme.com", Provider: "okta", CreatedAt: at, UpdatedAt: at}
	must(t, "CreateSsoProvider", s.CreateSsoProvider(ctx(t), sso))
	gh := &social.Provider{ID: id(), EnvironmentID: env, Type: social.GitHub, ClientID: "cid", ClientSecretSealed: randomBytes(t, 30),
		CreatedAt: at, UpdatedAt: at}
	must(t, "CreateProvider", s.CreateProvider(ctx(t), gh))
	bare := &social.Provider{ID: id(), EnvironmentID: env, Type: social.Google, ClientID: "no secret", CreatedAt: at, UpdatedAt: at}
	must(t, "CreateProvider without a secret", s.CreateProvider(ctx(t), bare))
	cred := newOAuthCredential(env, "acct-1")
	w := newWrite(t, env, cred, c.next())
	w.OAuthTokens = &social.SealedTokens{Access: []byte("access-1"), Refresh: []byte("refresh-1")}
	u, _, err := s.CompleteSignIn(ctx(t), w)
	must(t, "oauth CompleteSignIn", err)
	noRefresh := newOAuthCredential(env, "acct-2")
	w = newWrite(t, env, noRefresh, c.next())
	w.OAuthTokens = &social.SealedTokens{Access: []byte("access-2")}
	_, _, err = s.CompleteSignIn(ctx(t), w)
	must(t, "oauth CompleteSignIn without a refresh token", err)
	dev := newDevice(t, env, u.ID, c.next())
	must(t, "InsertMFADevice", s.InsertMFADevice(ctx(t), dev, nil))
	hook, ping := newHook(c, env, true, events.UserCreated)
	must(t, "CreateWebhook", s.CreateWebhook(ctx(t), hook, ping, 5))
	ta := &testaccounts.Account{EnvironmentID: env, Email: "x+dynamic_test@example.com", CodeSealed: randomBytes(t, 30), CreatedAt: c.next()}
	must(t, "PutTestAccount", s.PutTestAccount(ctx(t), ta))
	must(t, "UpdateEnvironmentSettings", s.UpdateEnvironmentSettings(ctx(t), env, []byte(`{"security":{"hCaptcha":{"secretKey":"sealed:v1:x"}}}`), c.next()))

	sorted := func(a, b string) []string {
		if a > b {
			a, b = b, a
		}
		return []string{a, b}
	}
	cases := []struct {
		kind    string
		keys    []string
		context map[string][]string
		value   map[string][]byte
	}{
		{kind: secrets.KindSigningKey, keys: []string{key.ID}, value: map[string][]byte{key.ID: key.PrivateSealed}},
		{kind: secrets.KindSSOSecret, keys: []string{sso.ID}, value: map[string][]byte{sso.ID: sso.ClientSecretSealed}},
		{kind: secrets.KindProviderSecret, keys: []string{gh.ID}, value: map[string][]byte{gh.ID: gh.ClientSecretSealed}},
		{kind: secrets.KindOAuthAccess, keys: sorted(cred.ID, noRefresh.ID),
			context: map[string][]string{cred.ID: {env, social.Google, "acct-1"}, noRefresh.ID: {env, social.Google, "acct-2"}},
			value:   map[string][]byte{cred.ID: []byte("access-1"), noRefresh.ID: []byte("access-2")}},
		{kind: secrets.KindOAuthRefresh, keys: []string{cred.ID},
			context: map[string][]string{cred.ID: {env, social.Google, "acct-1"}}, value: map[string][]byte{cred.ID: []byte("refresh-1")}},
		{kind: secrets.KindTOTPSeed, keys: []string{dev.ID}, context: map[string][]string{dev.ID: {u.ID}},
			value: map[string][]byte{dev.ID: dev.Secret}},
		{kind: secrets.KindEnvironmentSettings, keys: sorted(env, e.live.ID)},
		{kind: secrets.KindTestAccountCode, keys: []string{env}, value: map[string][]byte{env: ta.CodeSealed}},
		{kind: secrets.KindWebhookSecret, keys: []string{hook.ID}, value: map[string][]byte{hook.ID: []byte(hook.Secret)}},
	}
	for _, tc := range cases {
		got, err := s.SealedValues(ctx(t), tc.kind, "", 10)
		must(t, "SealedValues "+tc.kind, err)
		var keys []string
		for _, v := range got {
			keys = append(keys, v.Key)
			if want, ok := tc.value[v.Key]; ok && !bytes.Equal(v.Value, want) {
				t.Errorf("%s %s: value %q, want %q", tc.kind, v.Key, v.Value, want)
			}
			eqStrings(t, fmt.Sprintf("%s %s context", tc.kind, v.Key), v.Context, tc.context[v.Key])
		}
		eqStrings(t, "SealedValues "+tc.kind, keys, tc.keys)
		// Pages: one at a time, after the last key.
		var paged []string
		for after := ""; ; {
			page, err := s.SealedValues(ctx(t), tc.kind, after, 1)
			must(t, "SealedValues page "+tc.kind, err)
			if len(page) == 0 {
				break
			}
			paged, after = append(paged, page[0].Key), page[0].Key
		}
		eqStrings(t, "paged "+tc.kind, paged, tc.keys)

		// Replaced only from what was read; a stale read changes nothing.
		first := got[0]
		next := append([]byte(nil), first.Value...)
		if tc.kind == secrets.KindEnvironmentSettings {
			next = []byte(`{"resealed":true}`)
		} else {
			next = append(next, 'x')
		}
		ok, err := s.ReplaceSealed(ctx(t), tc.kind, first.Key, first.Value, next)
		must(t, "ReplaceSealed "+tc.kind, err)
		eq(t, "ReplaceSealed "+tc.kind+" replaced", ok, true)
		ok, err = s.ReplaceSealed(ctx(t), tc.kind, first.Key, first.Value, []byte(`{"stale":true}`))
		must(t, "stale ReplaceSealed "+tc.kind, err)
		eq(t, "stale ReplaceSealed "+tc.kind+" replaced", ok, false)
		ok, err = s.ReplaceSealed(ctx(t), tc.kind, id(), first.Value, next)
		must(t, "ReplaceSealed of an unknown row "+tc.kind, err)
		eq(t, "ReplaceSealed of an unknown row "+tc.kind+" replaced", ok, false)
		again, err := s.SealedValues(ctx(t), tc.kind, "", 10)
		must(t, "SealedValues after replace "+tc.kind, err)
		if tc.kind == secrets.KindEnvironmentSettings {
			if string(again[0].Value) != `{"resealed": true}` && string(again[0].Value) != `{"resealed":true}` {
				t.Errorf("settings after replace: %s", again[0].Value)
			}
			continue
		}
		if !bytes.Equal(again[0].Value, next) {
			t.Errorf("%s after replace: %q, want %q", tc.kind, again[0].Value, next)
		}
	}
	if _, err := s.SealedValues(ctx(t), "passwords", "", 1); err == nil {
		t.Error("SealedValues of an unknown kind")
	}

	// The TOTP seed, the provider secret and the refresh token read back
	// as replaced through their own interfaces.
	devs, err := s.ListMFADevices(ctx(t), u.ID)
	must(t, "ListMFADevices", err)
	eq(t, "device secret replaced", string(devs[0].Secret), string(dev.Secret)+"x")
	a, err := s.GetOAuthAccount(ctx(t), cred.ID)
	must(t, "GetOAuthAccount", err)
	eq(t, "refresh token replaced", string(a.Sealed.Refresh), "refresh-1x")
	_, err = s.GetEnvironment(ctx(t), env)
	must(t, "GetEnvironment after a settings replace", err)
	h, err := s.GetWebhook(ctx(t), env, hook.ID)
	must(t, "GetWebhook", err)
	eq(t, "webhook secret replaced", h.Secret, hook.Secret+"x")
}

// testRehashToken: an API token's hash is replaced only from the hash it
// has, and the token is then found by the new one alone.
func testRehashToken(t *testing.T, s store.Store) {
	c := newClock()
	org, owner := createOrg(t, s, c, "acme", newUser(c, "alice"))
	_, sb, _ := createProject(t, s, c, org.ID, "one")
	tok := createToken(t, s, c, sb, owner, "old", nil, false)
	newHash, stale := randomBytes(t, 32), randomBytes(t, 32)
	must(t, "RehashToken", s.RehashToken(ctx(t), tok.ID, tok.Hash, newHash))
	got, _, err := s.TokenByHash(ctx(t), newHash)
	must(t, "TokenByHash(new)", err)
	eq(t, "rehashed token", got.ID, tok.ID)
	_, _, err = s.TokenByHash(ctx(t), tok.Hash)
	wantKind(t, "TokenByHash(old)", err, errs.KindNotFound)
	must(t, "stale RehashToken", s.RehashToken(ctx(t), tok.ID, tok.Hash, stale))
	_, _, err = s.TokenByHash(ctx(t), stale)
	wantKind(t, "TokenByHash after a stale rehash", err, errs.KindNotFound)
}
