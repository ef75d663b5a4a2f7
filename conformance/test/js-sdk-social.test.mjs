// Dynamic's own JavaScript SDK (@dynamic-labs-sdk/client@1.27.1, unchanged)
// signing in with Google in Node, against a real OpenID provider the test
// starts (zitadel/oidc's OP, through `go run ./social/oidctest/testop`):
// the provider set up with SettingsApi (google, pointed at the test
// provider by its `domain`), signInWithSocialRedirect (the SDK builds the
// authorize URL from the settings and calls initAuth; coreConfig.navigate
// hands the URL to this test's "browser", which follows the provider's
// login and this server's redirect back to the application),
// detectSocialRedirectUrl and completeSocialRedirect (oauthSignIn), the
// user's social account with the provider's profile picture
// (oauthAccountPhotos, which the SDK serves as the account's photos), the
// session JWT verified against the JWKS, and a
// second login in a fresh SDK finding the same user, and
// unlinkSocialAccount removing the account; then a wallet user linking it
// (authenticateWithSocial + completeSocialAuthentication, the deprecated
// names, signed in: providers/google/verify) and proving it again with
// completeSocialRedirect's requestedScopes for an elevated token. Then the
// official client alone (@dynamic-labs/sdk-api@0.0.847): oauthLogin to the
// provider, oauthRedirectCode back, oauthSignIn, and oauthVerify proving
// the account again for its owner, refused replayed, without a bearer and
// for another user. Last, signInWithSocialPopUp: the web build's refusal,
// and the React Native build (native-sdk.mjs) through its auth session.
import assert from 'node:assert/strict';
import { SettingsApi, DeeplinkUrlsApi, Configuration } from '@dynamic-labs/sdk-api';
import {
  createDynamicClient, initializeClient, signInWithSocialRedirect, detectSocialRedirectUrl, completeSocialRedirect,
  getUserSocialAccounts, logout, unlinkSocialAccount, connectAndVerifyWithWalletProvider, getElevatedAccessToken,
  authenticateWithSocial, completeSocialAuthentication, signInWithSocialPopUp,
} from '@dynamic-labs-sdk/client';
import { getWalletProviderRegistry, WalletProviderPriority } from '@dynamic-labs-sdk/client/core';
import { Wallet } from 'ethers';
import { setup, verifySessionJwt, sdkApi, expectOk, expectStatus, evmVerifyRequest, redirected, MANUAL_REDIRECT, APP_ORIGIN } from '../harness.mjs';
import { memoryKeychain, settle, trackedFetch, ethersProvider } from '../sdk-shims.mjs';
import { useTestOP, browse as browseTo } from '../testop.mjs';
import { nativeSdk } from '../native-sdk.mjs';

// the test's OpenID provider is on loopback; the file's many logins would meet the sign-in rate limit
const { ctx, it } = setup({ serveArgs: ['--social-allow-private', '--rate-limits', 'off'] });
const op = useTestOP(ctx);
const live = [];
const inflight = new Set();

function newSdk(navigated) {
  const mem = new Map();
  const client = createDynamicClient({
    environmentId: ctx.envId,
    autoInitialize: false,
    coreConfig: {
      apiBaseUrl: ctx.basePath,
      fetch: trackedFetch(inflight),
      storageAdapter: {
        getItem: async (k) => (mem.has(k) ? mem.get(k) : null),
        setItem: async (k, v) => { mem.set(k, v); },
        removeItem: async (k) => { mem.delete(k); },
      },
      keychain: memoryKeychain(),
      navigate: async (url) => { navigated.push(url); },
    },
    metadata: { name: 'Conformance', universalLink: APP_ORIGIN },
    instrumentation: { enabled: false },
  });
  live.push(client);
  return client;
}

const browse = (start) => browseTo(start, APP_ORIGIN);

async function socialLogin() {
  const navigated = [];
  const client = newSdk(navigated);
  await initializeClient(client);
  await signInWithSocialRedirect({ provider: 'google', redirectUrl: `${APP_ORIGIN}/app?tab=1` }, client);
  assert.equal(navigated.length, 1, 'the SDK navigated to the provider');
  const authorize = new URL(navigated[0]);
  assert.ok(navigated[0].startsWith(op.issuer), `authorize URL at the test provider: ${navigated[0]}`);
  assert.equal(authorize.searchParams.get('redirect_uri'), `${ctx.basePath}/sdk/${ctx.envId}/providers/google/redirect`);
  const back = await browse(navigated[0]);
  assert.equal(back.searchParams.get('tab'), '1', 'the application URL keeps its own parameters');
  assert.ok(await detectSocialRedirectUrl({ url: back }, client), `the SDK recognises ${back}`);
  const user = await completeSocialRedirect({ url: back }, client);
  return { client, user };
}

it('signInWithSocialRedirect + completeSocialRedirect against a real OpenID provider', async () => {
  const picture = 'https://photos.example.com/ada.png?size=96';
  await op.start('-picture', picture);
  const settings = new SettingsApi(new Configuration({ basePath: ctx.basePath, accessToken: ctx.token,
    headers: { Authorization: `Bearer ${ctx.token}` } }));
  await settings.createProvider({ environmentId: ctx.envId, providerCreateRequest: {
    provider: 'google', clientId: 'dynamicauth-rp', clientSecret: 'rp-secret', domain: op.issuer, scopes: 'openid email profile' } });

  try {
    const first = await socialLogin();
    assert.ok(first.user && first.user.id, 'signed in');
    const accounts = getUserSocialAccounts(first.client);
    assert.equal(accounts.length, 1, JSON.stringify(first.user.verifiedCredentials));
    assert.equal(accounts[0].provider, 'google');
    assert.deepEqual(accounts[0].photos, [picture], 'the provider\'s picture claim as the account\'s photos');
    const { payload } = await verifySessionJwt(ctx, first.client.token);
    assert.equal(payload.sub, first.user.id);
    assert.ok(payload.amr.includes('oauth'), JSON.stringify(payload.amr));
    assert.ok(first.user.verifiedCredentials.some((c) => c.format === 'email' && c.email === 'ada@example.com'),
      'the provider-verified email became the new user\'s email credential');

    const second = await socialLogin();
    assert.equal(second.user.id, first.user.id, 'a second login finds the same user');

    // unlinkSocialAccount (verify/unlink): the account goes, the email stays to sign in with.
    const [account] = getUserSocialAccounts(second.client);
    await unlinkSocialAccount({ verifiedCredentialId: account.verifiedCredentialId }, second.client);
    assert.equal(getUserSocialAccounts(second.client).length, 0, JSON.stringify(second.client.user.verifiedCredentials));
    assert.ok(second.client.user.verifiedCredentials.some((c) => c.format === 'email'), 'the email stays');

    // Signed in with a wallet, the same two calls link the (now free) Google account: providers/google/verify.
    // authenticateWithSocial and completeSocialAuthentication are their deprecated names.
    const navigated = [];
    const w = newSdk(navigated);
    await initializeClient(w);
    const provider = ethersProvider(Wallet.createRandom());
    getWalletProviderRegistry(w).register({ priority: WalletProviderPriority.WALLET_SDK, walletProvider: provider });
    await connectAndVerifyWithWalletProvider({ walletProviderKey: provider.key }, w);
    const walletUser = w.user.id;
    await authenticateWithSocial({ provider: 'google', redirectUrl: `${APP_ORIGIN}/settings` }, w);
    const back = await browse(navigated[0]);
    const linked = await completeSocialAuthentication({ url: back }, w);
    assert.equal(linked.id, walletUser, 'linked to the signed-in user, not signed in as another');
    assert.equal(getUserSocialAccounts(w).length, 1, JSON.stringify(w.user.verifiedCredentials));
    assert.equal(getUserSocialAccounts(w)[0].provider, 'google');
    const linkedClaims = (await verifySessionJwt(ctx, w.token)).payload;
    assert.equal(linkedClaims.sub, walletUser);

    // completeSocialRedirect with requestedScopes: the user's own account proved again is a step-up, nothing linked
    await signInWithSocialRedirect({ provider: 'google', redirectUrl: `${APP_ORIGIN}/settings` }, w);
    const again = await browse(navigated[1]);
    const before = w.user.verifiedCredentials.length;
    await completeSocialRedirect({ url: again, requestedScopes: ['credential:unlink'] }, w);
    assert.ok(getElevatedAccessToken({ scope: 'credential:unlink', consume: false }, w), 'an elevated token the SDK keeps');
    assert.equal(w.user.verifiedCredentials.length, before);
  } finally {
    // Signed-in clients keep an expiry timer that keeps the process alive,
    // failed or not: log them out while the server runs, and let the
    // settings refetch logout starts finish.
    for (const c of live) await logout(c);
    await settle(inflight);
  }
});

// opLogin is a Google login through the official client: oauthLogin sends
// the browser to the provider, whose login ends at this server's redirect
// URL, taken with oauthRedirectCode (no return URL: the server's page). It
// returns the login's state and code.
async function opLogin(sdk) {
  const r = await redirected(sdk.oauthLoginRaw({ environmentId: ctx.envId, providerType: 'google' }, MANUAL_REDIRECT));
  assert.equal(r.status, 302);
  let url = r.headers.get('location');
  assert.ok(url.startsWith(op.issuer), `oauthLogin sends the browser to the provider: ${url}`);
  const callback = `${ctx.basePath}/sdk/${ctx.envId}/providers/google/redirect`;
  for (let hops = 0; !url.startsWith(callback); hops++) {
    assert.ok(hops < 10, `too many redirects at the provider, at ${url}`);
    const res = await fetch(url, { redirect: 'manual' });
    const loc = res.headers.get('location');
    assert.ok(res.status >= 300 && res.status < 400 && loc, `stopped at ${url}: ${res.status}`);
    url = new URL(loc, url).toString();
  }
  const q = new URL(url).searchParams;
  const page = await sdk.oauthRedirectCodeRaw({ environmentId: ctx.envId, providerType: 'google',
    state: q.get('state'), code: q.get('code'), scope: q.get('scope') ?? undefined });
  assert.equal(page.raw.status, 200);
  assert.match(await page.value(), /Sign-in complete/);
  return { state: q.get('state'), code: q.get('code') };
}

it('oauthVerify (official client): the account\'s owner proves it again (VerifyResponse, nothing linked); replayed, without a bearer, for another user, for no login and with a bad body it is refused', async () => {
  // The provider and its one account come from the test above, which left
  // the account linked to its wallet user: signing in with it finds them.
  const sdk = sdkApi(ctx);
  const signIn = await opLogin(sdk);
  const owner = await expectOk(sdk.oauthSignInRaw({ environmentId: ctx.envId, providerType: 'google', oauthRequest: signIn }));
  assert.equal(owner.value.user.id, owner.json.user.id, 'the client model parses the sign-in');
  const google = owner.value.user.verifiedCredentials.filter((c) => c.format === 'oauth' && c.oauthProvider === 'google');
  assert.equal(google.length, 1, JSON.stringify(owner.json.user.verifiedCredentials));

  const mine = sdkApi(ctx, { token: owner.json.minifiedJwt });
  const proof = await opLogin(sdk);
  const res = await expectOk(mine.oauthVerifyRaw({ environmentId: ctx.envId, providerType: 'google', oauthRequest: proof }));
  assert.equal(res.value.user.id, owner.json.user.id, 'the client model (VerifyResponse) parses');
  assert.equal(res.value.user.verifiedCredentials.length, owner.json.user.verifiedCredentials.length, 'nothing linked');
  const { payload } = await verifySessionJwt(ctx, res.json.jwt);
  assert.equal(payload.sub, owner.json.user.id);
  let body = await expectStatus(mine.oauthVerifyRaw({ environmentId: ctx.envId, providerType: 'google', oauthRequest: proof }), 422, 'the login replayed');
  assert.equal(body.code, 'other_verify_failure', JSON.stringify(body));

  await expectStatus(sdk.oauthVerifyRaw({ environmentId: ctx.envId, providerType: 'google', oauthRequest: await opLogin(sdk) }), 401, 'no bearer');

  // A wallet user linking the account another user holds.
  const wallet = await expectOk(sdk.verifyRaw({ environmentId: ctx.envId, verifyRequest: await evmVerifyRequest(ctx, Wallet.createRandom()) }));
  const other = sdkApi(ctx, { token: wallet.json.minifiedJwt });
  body = await expectStatus(other.oauthVerifyRaw({ environmentId: ctx.envId, providerType: 'google', oauthRequest: await opLogin(sdk) }), 422,
    'an account another user holds');
  assert.equal(body.code, 'social_account_already_exists', JSON.stringify(body));
  body = await expectStatus(other.oauthVerifyRaw({ environmentId: ctx.envId, providerType: 'google',
    oauthRequest: { state: 'no-such-login', code: 'c' } }), 422, 'a state no login made');
  assert.equal(body.code, 'other_verify_failure', JSON.stringify(body));
  body = await expectStatus(other.oauthVerifyRaw({ environmentId: ctx.envId, providerType: 'google',
    oauthRequest: { state: 'no-such-login', code: 42 } }), 400, 'a code that is no string');
  assert.match(body.error, /code/);
});

// signInWithSocialPopUp is the SDK's React Native flow: on the web build it
// refuses at once (MethodNotImplementedError, "use signInWithSocialRedirect
// on web"), asking nothing of the server. The native build (native-sdk.mjs:
// index.native.esm.js with React Native's modules stubbed) calls initAuth
// with the app's metadata.nativeLink as the return URL, hands the authorize
// URL to coreConfig.openAuthSession (the in-app browser: here the test's,
// through the provider's login and this server's redirect to the deeplink)
// and completes with oauthSignIn. The deeplink is one the environment
// allows (deeplinkUrls). Closed before the provider answers, it is
// UserCancelledSocialPopUpError; denied at the provider, the server sends
// dynamicOauthError back to the app and no one is signed in.
it('signInWithSocialPopUp: refused on the web build; the React Native build signs in through its auth session to an allowed deeplink, and a closed or denied pop-up signs no one in', async () => {
  const NATIVE_LINK = 'conformanceapp://oauth';
  const navigated = [];
  const web = newSdk(navigated);
  await initializeClient(web);
  const sent = inflight.size;
  await assert.rejects(signInWithSocialPopUp({ provider: 'google' }, web), (e) => e.code === 'method_not_implemented_error');
  assert.equal(inflight.size, sent, 'nothing asked of the server');
  assert.equal(navigated.length, 0);

  const native = await nativeSdk();
  const mem = new Map();
  let session = async ({ authUrl, redirectUrl }) => ({ type: 'success', url: (await browseTo(authUrl, redirectUrl)).toString() });
  const opened = [];
  const client = native.createDynamicClient({
    environmentId: ctx.envId,
    autoInitialize: false,
    coreConfig: {
      apiBaseUrl: ctx.basePath,
      fetch: trackedFetch(inflight),
      storageAdapter: {
        getItem: async (k) => (mem.has(k) ? mem.get(k) : null),
        setItem: async (k, v) => { mem.set(k, v); },
        removeItem: async (k) => { mem.delete(k); },
      },
      keychain: memoryKeychain(),
      openAuthSession: (args) => { opened.push(args); return session(args); },
    },
    metadata: { name: 'Conformance', universalLink: APP_ORIGIN, nativeLink: NATIVE_LINK },
    instrumentation: { enabled: false },
  });
  try {
    await native.initializeClient(client);
    // A deeplink the environment does not allow: initAuth refuses it, no session opens.
    await assert.rejects(native.signInWithSocialPopUp({ provider: 'google' }, client),
      (e) => e.status === 422 && e.code === 'unauthorized_mobile_deeplink_url');
    assert.equal(opened.length, 0, 'no auth session for a refused deeplink');
    const links = new DeeplinkUrlsApi(new Configuration({ basePath: ctx.basePath, accessToken: ctx.token,
      headers: { Authorization: `Bearer ${ctx.token}` } }));
    await links.addDeeplinkUrl({ environmentId: ctx.envId, addDeeplinkUrlRequest: { url: NATIVE_LINK } });

    const user = await native.signInWithSocialPopUp({ provider: 'google' }, client);
    assert.equal(opened.length, 1);
    assert.ok(opened[0].authUrl.startsWith(op.issuer), `the session opens the provider: ${opened[0].authUrl}`);
    assert.equal(opened[0].redirectUrl, NATIVE_LINK);
    assert.ok(user?.id, 'signed in');
    assert.equal(client.user?.id, user.id);
    const google = user.verifiedCredentials.filter((c) => c.format === 'oauth' && c.oauthProvider === 'google');
    assert.equal(google.length, 1, JSON.stringify(user.verifiedCredentials));
    assert.deepEqual(google[0].oauthEmails, ['ada@example.com'], JSON.stringify(google[0]));
    const { payload } = await verifySessionJwt(ctx, client.token);
    assert.equal(payload.sub, user.id);
    assert.ok(payload.amr.includes('oauth'), JSON.stringify(payload.amr));
    await native.logout(client);

    // The user closes the pop-up: the SDK's cancel, nobody signed in, the state it kept dropped.
    session = async () => ({ type: 'cancel' });
    await assert.rejects(native.signInWithSocialPopUp({ provider: 'google' }, client), (e) => e.code === 'user_cancelled_social_popup_error');
    assert.equal(client.user, null);
    assert.ok(![...mem.keys()].some((k) => /redirect/i.test(k)), `redirect state left: ${[...mem.keys()]}`);

    // The user denies at the provider, which answers the server's redirect URL with error=access_denied.
    session = async ({ authUrl, redirectUrl }) => {
      const state = new URL(authUrl).searchParams.get('state');
      const denied = `${ctx.basePath}/sdk/${ctx.envId}/providers/google/redirect?error=access_denied&state=${state}`;
      return { type: 'success', url: (await browseTo(denied, redirectUrl)).toString() };
    };
    let back;
    const deny = session;
    session = async (args) => { const r = await deny(args); back = new URL(r.url); return r; };
    await assert.rejects(native.signInWithSocialPopUp({ provider: 'google' }, client), (e) => e.code === 'missing_social_url_param_error' && /dynamicOauthCode/.test(e.message));
    assert.equal(back.searchParams.get('dynamicOauthError'), 'access_denied', back.toString());
    assert.equal(back.searchParams.get('dynamicOauthCode'), null);
    assert.equal(client.user, null);
  } finally {
    await native.logout(client).catch(() => {});
    await logout(web);
    await settle(inflight);
  }
});
