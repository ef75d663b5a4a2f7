// Social sign-in through the official client (@dynamic-labs/sdk-api@0.0.847):
// a GitHub provider set up with SettingsApi, SDKApi.oauthLoginUrl (the URL
// built here: client id, the registered redirect URL, state, PKCE S256),
// SDKApi.initAuth with the SDK's own state (and a return URL outside the
// allowed origins refused), the provider's redirect recording the code once
// and sending the browser back with dynamicOauthCode/dynamicOauthState,
// SDKApi.oauthResult, and SDKApi.oauthSignIn refusing an unknown state.
// Nothing here reaches github.com: the code exchange itself is tested in Go
// against a real OpenID provider (httpapi/sdk_providers_test.go).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SettingsApi, Configuration } from '@dynamic-labs/sdk-api';
import { setup, expectStatus, sdkApi, APP_ORIGIN } from '../harness.mjs';

const { ctx, it } = setup();

const state = () => randomBytes(24).toString('base64url');

it('GitHub login: loginUrl, initAuth, redirect (once), oauthResult, signIn refusals', async () => {
  const settings = new SettingsApi(new Configuration({ basePath: ctx.basePath, accessToken: ctx.token,
    headers: { Authorization: `Bearer ${ctx.token}` } }));
  const provider = await settings.createProvider({ environmentId: ctx.envId,
    providerCreateRequest: { provider: 'github', clientId: 'gh-client-1', clientSecret: 'gh-secret-123456', scopes: 'read:user user:email' } });
  const sdk = sdkApi(ctx);

  const { url } = await sdk.oauthLoginUrl({ environmentId: ctx.envId, providerType: 'github' });
  const u = new URL(url);
  assert.equal(u.origin + u.pathname, 'https://github.com/login/oauth/authorize');
  assert.equal(u.searchParams.get('client_id'), 'gh-client-1');
  assert.equal(u.searchParams.get('redirect_uri'), provider.redirectUrl);
  assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
  assert.ok((u.searchParams.get('code_challenge') ?? '').length >= 43, url);
  assert.ok((u.searchParams.get('state') ?? '').length >= 32, url);
  const second = await sdk.oauthLoginUrl({ environmentId: ctx.envId, providerType: 'github' });
  assert.notEqual(new URL(second.url).searchParams.get('state'), u.searchParams.get('state'), 'a fresh state per login');

  // The SDK's own state, announced before the browser leaves.
  const s = state();
  await sdk.initAuth({ environmentId: ctx.envId, providerType: 'github',
    oauthInitAuthRequest: { state: s, redirectUrl: `${APP_ORIGIN}/callback?keep=1` } });
  await expectStatus(sdk.initAuth({ environmentId: ctx.envId, providerType: 'github',
    oauthInitAuthRequest: { state: s, redirectUrl: `${APP_ORIGIN}/callback` } }), 400, 'the same state twice');
  await expectStatus(sdk.initAuth({ environmentId: ctx.envId, providerType: 'github',
    oauthInitAuthRequest: { state: state(), redirectUrl: 'https://evil.example/steal' } }), 400, 'return URL outside the allowed origins');
  await expectStatus(sdk.initAuth({ environmentId: ctx.envId, providerType: 'discord',
    oauthInitAuthRequest: { state: state(), redirectUrl: `${APP_ORIGIN}/callback` } }), 422, 'provider not configured');

  let pending = await sdk.oauthResult({ environmentId: ctx.envId, providerType: 'github', oauthResultRequest: { state: s } });
  assert.equal(pending.status, 'pending');

  // The provider sends the browser to the registered redirect URL.
  const redirect = `${ctx.basePath}/sdk/${ctx.envId}/providers/github/redirect?state=${s}&code=gh-code-1`;
  let r = await fetch(redirect, { redirect: 'manual' });
  assert.equal(r.status, 303);
  const back = new URL(r.headers.get('location'));
  assert.equal(back.origin + back.pathname, `${APP_ORIGIN}/callback`);
  assert.equal(back.searchParams.get('keep'), '1');
  assert.equal(back.searchParams.get('dynamicOauthState'), s);
  assert.equal(back.searchParams.get('dynamicOauthCode'), 'gh-code-1');
  r = await fetch(redirect.replace('gh-code-1', 'gh-code-2'), { redirect: 'manual' });
  assert.equal(r.status, 422, 'a second delivery for the state is refused');

  const done = await sdk.oauthResult({ environmentId: ctx.envId, providerType: 'github', oauthResultRequest: { state: s } });
  assert.deepEqual({ status: done.status, code: done.code }, { status: 'completed', code: 'gh-code-1' });

  const refused = await expectStatus(sdk.oauthSignIn({ environmentId: ctx.envId, providerType: 'github',
    oauthRequest: { state: state(), code: 'gh-code-1' } }), 422, 'unknown state');
  assert.equal(refused.code, 'other_verify_failure');
  const wrongCode = await expectStatus(sdk.oauthSignIn({ environmentId: ctx.envId, providerType: 'github',
    oauthRequest: { state: s, code: 'another-code' } }), 422, 'not the code delivered for the state');
  assert.equal(wrongCode.code, 'other_verify_failure');
  await expectStatus(sdk.oauthSignIn({ environmentId: ctx.envId, providerType: 'github',
    oauthRequest: { state: s, code: 'gh-code-1' } }), 422, 'the state was used up by the refusal');
});
