// Social sign-in through the official client (@dynamic-labs/sdk-api@0.0.847):
// a GitHub provider set up with SettingsApi, SDKApi.oauthLoginUrl (the URL
// built here: client id, the registered redirect URL, state, PKCE S256),
// SDKApi.initAuth with the SDK's own state (and a return URL outside the
// allowed origins refused), the provider's redirect recording the code once
// and sending the browser back with dynamicOauthCode/dynamicOauthState
// (SDKApi.oauthRedirectCode, cbOauthRedirect, and Apple's form POST,
// oauthRedirectApple), SDKApi.oauthLogin sending the browser to the
// provider, SDKApi.oauthResult, and SDKApi.oauthSignIn refusing an unknown
// state.
// Nothing here reaches github.com: the code exchange itself is tested in Go
// against a real OpenID provider (httpapi/sdk_providers_test.go).
import assert from 'node:assert/strict';
import { randomBytes, generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { SettingsApi, Configuration } from '@dynamic-labs/sdk-api';
import { setup, expectStatus, sdkApi, redirected, MANUAL_REDIRECT, APP_ORIGIN } from '../harness.mjs';

// more logins than the sign-in class allows a second; Apple's discovery document on loopback
const { ctx, it } = setup({ serveArgs: ['--rate-limits', 'off', '--social-allow-private'] });

const state = () => randomBytes(24).toString('base64url');
let github; // the provider the first test creates
const manual = MANUAL_REDIRECT; // the 3xx as the client hands it back (harness.mjs)

it('GitHub login: loginUrl, initAuth, redirect (once), oauthResult, signIn refusals', async () => {
  const settings = new SettingsApi(new Configuration({ basePath: ctx.basePath, accessToken: ctx.token,
    headers: { Authorization: `Bearer ${ctx.token}` } }));
  const provider = github = await settings.createProvider({ environmentId: ctx.envId,
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
  const r = await redirected(sdk.oauthRedirectCodeRaw({ environmentId: ctx.envId, providerType: 'github',
    state: s, code: 'gh-code-1', scope: 'read:user' }, manual));
  assert.equal(r.status, 303);
  const back = new URL(r.headers.get('location'));
  assert.equal(back.origin + back.pathname, `${APP_ORIGIN}/callback`);
  assert.equal(back.searchParams.get('keep'), '1');
  assert.equal(back.searchParams.get('dynamicOauthState'), s);
  assert.equal(back.searchParams.get('dynamicOauthCode'), 'gh-code-1');
  const again = await expectStatus(sdk.oauthRedirectCodeRaw({ environmentId: ctx.envId, providerType: 'github',
    state: s, code: 'gh-code-2' }, manual), 422, 'a second delivery for the state');
  assert.equal(typeof again.code, 'string', JSON.stringify(again));

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

it('oauthLogin sends the browser to the provider (302); the redirect without a return URL ends on a page (200 text); refusals', async () => {
  const sdk = sdkApi(ctx);
  const r = await redirected(sdk.oauthLoginRaw({ environmentId: ctx.envId, providerType: 'github' }, manual));
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  const u = new URL(r.headers.get('location'));
  assert.equal(u.origin + u.pathname, 'https://github.com/login/oauth/authorize');
  assert.equal(u.searchParams.get('client_id'), 'gh-client-1');
  assert.equal(u.searchParams.get('redirect_uri'), github.redirectUrl);
  assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
  const s = u.searchParams.get('state');
  assert.ok((s ?? '').length >= 32, u.href);
  const next = await redirected(sdk.oauthLoginRaw({ environmentId: ctx.envId, providerType: 'github' }, manual));
  assert.notEqual(new URL(next.headers.get('location')).searchParams.get('state'), s, 'a fresh state per login');

  assert.equal((await sdk.oauthResult({ environmentId: ctx.envId, providerType: 'github', oauthResultRequest: { state: s } })).status, 'pending');
  // A login the server started has no return URL: the provider's redirect
  // ends on a page of the server's (the contract's 200 string), and the
  // client polling oauthResult reads the code.
  const page = await sdk.oauthRedirectCodeRaw({ environmentId: ctx.envId, providerType: 'github', state: s, code: 'gh-code-3' });
  assert.equal(page.raw.status, 200);
  assert.match(await page.value(), /Sign-in complete/);
  const done = await sdk.oauthResult({ environmentId: ctx.envId, providerType: 'github', oauthResultRequest: { state: s } });
  assert.deepEqual({ status: done.status, code: done.code }, { status: 'completed', code: 'gh-code-3' });
  let body = await expectStatus(sdk.oauthRedirectCodeRaw({ environmentId: ctx.envId, providerType: 'github',
    state: s, code: 'gh-code-4' }), 422, 'the state delivered twice');
  assert.equal(typeof body.code, 'string', JSON.stringify(body));
  body = await expectStatus(sdk.oauthRedirectCodeRaw({ environmentId: ctx.envId, providerType: 'github',
    state: state(), code: 'gh-code-5' }), 422, 'a state no login made');
  assert.equal(typeof body.code, 'string', JSON.stringify(body));

  // The provider's refusal (the user said no) ends the login: the popup's
  // page says so, oauthResult answers it completed with the error and no
  // code, and a code delivered afterwards is refused.
  const denied = new URL((await redirected(sdk.oauthLoginRaw({ environmentId: ctx.envId, providerType: 'github' }, manual))).headers.get('location'));
  const deniedState = denied.searchParams.get('state');
  const refusal = await sdk.oauthRedirectCodeRaw({ environmentId: ctx.envId, providerType: 'github',
    state: deniedState, error: 'access_denied' });
  assert.match(await refusal.value(), /not completed: access_denied/);
  const result = () => sdk.oauthResult({ environmentId: ctx.envId, providerType: 'github', oauthResultRequest: { state: deniedState } });
  const over = await result();
  assert.deepEqual({ status: over.status, error: over.error, code: over.code }, { status: 'completed', error: 'access_denied', code: undefined });
  await expectStatus(sdk.oauthRedirectCodeRaw({ environmentId: ctx.envId, providerType: 'github',
    state: deniedState, code: 'gh-code-6' }), 422, 'a code after the refusal');
  assert.equal((await result()).code, undefined, 'no code taken after the refusal');

  body = await expectStatus(sdk.oauthLoginRaw({ environmentId: ctx.envId, providerType: 'discord' }, manual), 422, 'a provider not configured');
  assert.equal(typeof body.code, 'string', JSON.stringify(body));
  await expectStatus(sdk.oauthLoginRaw({ environmentId: ctx.envId, providerType: 'myspace' }, manual), 404, 'no such provider type');
});

it('cbOauthRedirect delivers the code of the login its state names, once', async () => {
  const sdk = sdkApi(ctx);
  const s = state();
  await sdk.initAuth({ environmentId: ctx.envId, providerType: 'github',
    oauthInitAuthRequest: { state: s, redirectUrl: `${APP_ORIGIN}/cb` } });
  const r = await redirected(sdk.cbOauthRedirectRaw({ environmentId: ctx.envId, state: s, code: 'cb-code-1', scope: 'wallet:user:read' }, manual));
  assert.equal(r.status, 303);
  const back = new URL(r.headers.get('location'));
  assert.equal(back.origin + back.pathname, `${APP_ORIGIN}/cb`);
  assert.equal(back.searchParams.get('dynamicOauthState'), s);
  assert.equal(back.searchParams.get('dynamicOauthCode'), 'cb-code-1');
  const done = await sdk.oauthResult({ environmentId: ctx.envId, providerType: 'github', oauthResultRequest: { state: s } });
  assert.equal(done.code, 'cb-code-1');
  for (const [what, q] of Object.entries({ 'the state delivered twice': { state: s, code: 'cb-code-2' },
    'a state no login made': { state: state(), code: 'cb-code-3' } })) {
    const body = await expectStatus(sdk.cbOauthRedirectRaw({ environmentId: ctx.envId, ...q }, manual), 422, what);
    assert.equal(typeof body.code, 'string', JSON.stringify(body));
  }
});

it('oauthRedirectApple: Apple\'s form POST delivers the code (303 to the application), once; Apple\'s error goes back as dynamicOauthError', async () => {
  const settings = new SettingsApi(new Configuration({ basePath: ctx.basePath, accessToken: ctx.token,
    headers: { Authorization: `Bearer ${ctx.token}` } }));
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // Apple is an OpenID provider: a login starts from its discovery
  // document, served here in appleid.apple.com's place (the provider's domain).
  const discovery = http.createServer((req, res) => {
    const issuer = `http://127.0.0.1:${discovery.address().port}`;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ issuer, authorization_endpoint: `${issuer}/auth/authorize`, token_endpoint: `${issuer}/auth/token`,
      jwks_uri: `${issuer}/auth/keys`, response_types_supported: ['code'], subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'] }));
  });
  await new Promise((r) => discovery.listen(0, '127.0.0.1', r));
  discovery.unref(); // a failed test must not keep the run alive
  await settings.createProvider({ environmentId: ctx.envId, providerCreateRequest: { provider: 'apple', clientId: 'com.example.web',
    appleTeamId: 'TEAM123456', appleKeyId: 'KEY1234567', clientSecret: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    domain: `http://127.0.0.1:${discovery.address().port}` } });
  const sdk = sdkApi(ctx);
  const login = async () => {
    const s = state();
    await sdk.initAuth({ environmentId: ctx.envId, providerType: 'apple', oauthInitAuthRequest: { state: s, redirectUrl: `${APP_ORIGIN}/apple` } });
    return s;
  };
  const s = await login();
  const r = await redirected(sdk.oauthRedirectAppleRaw({ environmentId: ctx.envId, state: s, code: 'apple-code-1' }, manual));
  assert.equal(r.status, 303, 'a 303: the browser GETs the application\'s page after the POST');
  const back = new URL(r.headers.get('location'));
  assert.equal(back.origin + back.pathname, `${APP_ORIGIN}/apple`);
  assert.equal(back.searchParams.get('dynamicOauthState'), s);
  assert.equal(back.searchParams.get('dynamicOauthCode'), 'apple-code-1');
  const body = await expectStatus(sdk.oauthRedirectAppleRaw({ environmentId: ctx.envId, state: s, code: 'apple-code-2' }, manual), 422, 'the state delivered twice');
  assert.equal(typeof body.code, 'string', JSON.stringify(body));

  const cancelled = await login();
  const c = await redirected(sdk.oauthRedirectAppleRaw({ environmentId: ctx.envId, state: cancelled, error: 'user_cancelled_authorize' }, manual));
  assert.equal(c.status, 303);
  const cb = new URL(c.headers.get('location'));
  assert.equal(cb.searchParams.get('dynamicOauthError'), 'user_cancelled_authorize');
  assert.equal(cb.searchParams.get('dynamicOauthCode'), null);
  await expectStatus(sdk.oauthRedirectAppleRaw({ environmentId: ctx.envId, code: 'apple-code-3' }, manual), 422, 'no state');
  discovery.close();
});
