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
// completeSocialRedirect's requestedScopes for an elevated token.
import assert from 'node:assert/strict';
import { SettingsApi, Configuration } from '@dynamic-labs/sdk-api';
import {
  createDynamicClient, initializeClient, signInWithSocialRedirect, detectSocialRedirectUrl, completeSocialRedirect,
  getUserSocialAccounts, logout, unlinkSocialAccount, connectAndVerifyWithWalletProvider, getElevatedAccessToken,
  authenticateWithSocial, completeSocialAuthentication,
} from '@dynamic-labs-sdk/client';
import { getWalletProviderRegistry, WalletProviderPriority } from '@dynamic-labs-sdk/client/core';
import { Wallet } from 'ethers';
import { setup, verifySessionJwt, APP_ORIGIN } from '../harness.mjs';
import { memoryKeychain, settle, trackedFetch, ethersProvider } from '../sdk-shims.mjs';
import { useTestOP, browse as browseTo } from '../testop.mjs';

const { ctx, it } = setup({ serveArgs: ['--social-allow-private'] }); // the test's OpenID provider is on loopback
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
