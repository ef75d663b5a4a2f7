// A social account's provider access token through the official client
// (@dynamic-labs/sdk-api@0.0.847): Google pointed at a real OpenID
// provider the test starts (zitadel/oidc's OP), the login begun with
// SDKApi.oauthAuthorizeHtml (the page's target followed through the
// provider and this server's redirect back to the application) and
// finished with SDKApi.oauthSignIn; then SDKApi.getEndUserOauthAccessToken
// for the owner (the token works at the provider's userinfo endpoint) and
// UsersApi.getUserOauthAccessToken for an admin, each refused to another
// user, to no session and from another environment.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Wallet } from 'ethers';
import { SettingsApi, UsersApi, Configuration } from '@dynamic-labs/sdk-api';
import { setup, sdkApi, expectOk, expectStatus, evmVerifyRequest, makeToken, APP_ORIGIN } from '../harness.mjs';
import { useTestOP, browse } from '../testop.mjs';

const { ctx, it } = setup({ serveArgs: ['--rate-limits', 'off', '--social-allow-private'] });
const op = useTestOP(ctx);
const admin = (token = ctx.token) => new UsersApi(new Configuration({ basePath: ctx.basePath,
  ...(token ? { accessToken: token, headers: { Authorization: `Bearer ${token}` } } : {}) }));

// The page's target: the URL of its meta refresh, HTML-unescaped.
function pageTarget(page) {
  const m = /<meta http-equiv="refresh" content="0;url=([^"]*)">/.exec(page);
  assert.ok(m, `no refresh target in ${page}`);
  return m[1].replaceAll('&amp;', '&').replaceAll('&#34;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>');
}

it('oauthAuthorizeHtml + oauthSignIn, then the account\'s access token for its owner and an admin only', async () => {
  await op.start();
  const settings = new SettingsApi(new Configuration({ basePath: ctx.basePath, accessToken: ctx.token,
    headers: { Authorization: `Bearer ${ctx.token}` } }));
  await settings.createProvider({ environmentId: ctx.envId, providerCreateRequest: {
    provider: 'google', clientId: 'dynamicauth-rp', clientSecret: 'rp-secret', domain: op.issuer, scopes: 'openid email profile' } });
  const sdk = sdkApi(ctx);

  const state = randomBytes(24).toString('base64url');
  const page = await sdk.oauthAuthorizeHtml({ environmentId: ctx.envId, providerType: 'google', state,
    redirectUri: `${APP_ORIGIN}/app`, scope: 'openid email' });
  assert.ok(!page.includes('<script'), page);
  const target = new URL(pageTarget(page));
  assert.ok(target.href.startsWith(op.issuer), target.href);
  assert.equal(target.searchParams.get('state'), state);
  assert.equal(target.searchParams.get('code_challenge_method'), 'S256');
  const back = await browse(target.href, APP_ORIGIN);
  assert.equal(back.searchParams.get('dynamicOauthState'), state);
  const signedIn = await expectOk(sdk.oauthSignInRaw({ environmentId: ctx.envId, providerType: 'google',
    oauthRequest: { state, code: back.searchParams.get('dynamicOauthCode') } }));
  const owner = signedIn.json.user;
  const account = owner.verifiedCredentials.find((c) => c.format === 'oauth');
  assert.ok(account, JSON.stringify(owner.verifiedCredentials));
  const ownerJwt = signedIn.json.minifiedJwt;

  // The owner's token, working at the provider.
  const mine = await sdkApi(ctx, { token: ownerJwt }).getEndUserOauthAccessToken({ environmentId: ctx.envId, oauthAccountId: account.id });
  assert.ok(mine.accessToken, JSON.stringify(mine));
  const discovery = await (await fetch(`${op.issuer}/.well-known/openid-configuration`)).json();
  const info = await fetch(discovery.userinfo_endpoint, { headers: { Authorization: `Bearer ${mine.accessToken}` } });
  assert.equal(info.status, 200);
  assert.equal((await info.json()).sub, 'op-user-1');
  // An admin of the environment reads the same token.
  const adminView = await admin().getUserOauthAccessToken({ oauthAccountId: account.id });
  assert.equal(adminView.accessToken, mine.accessToken);

  // Nobody else: another user, no session, another environment.
  const body = await evmVerifyRequest(ctx, Wallet.createRandom());
  const other = (await expectOk(sdk.verifyRaw({ environmentId: ctx.envId, verifyRequest: body }))).json.minifiedJwt;
  const refused = await expectStatus(sdkApi(ctx, { token: other }).getEndUserOauthAccessToken({ environmentId: ctx.envId,
    oauthAccountId: account.id }), 404, 'another user');
  assert.equal(refused.code, 'oauth_account_not_found');
  await expectStatus(sdk.getEndUserOauthAccessToken({ environmentId: ctx.envId, oauthAccountId: account.id }), 401, 'no session');
  await expectStatus(sdkApi(ctx, { token: ownerJwt }).getEndUserOauthAccessToken({ environmentId: ctx.liveEnvId,
    oauthAccountId: account.id }), 401, 'the owner\'s session on another environment');
  const live = await makeToken(ctx, ctx.liveEnvId);
  await expectStatus(admin(live.raw).getUserOauthAccessToken({ oauthAccountId: account.id }), [403, 404], 'an admin token of another environment');
  await expectStatus(admin(null).getUserOauthAccessToken({ oauthAccountId: account.id }), 401, 'no admin token');
});
