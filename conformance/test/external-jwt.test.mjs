// External JWT ("bring your own auth") through the official client
// (@dynamic-labs/sdk-api@0.0.847): the environment's security.externalAuth
// set with updateProjectSettings, the admin dry run checkExternalJwt, and
// SDKApi.externalAuthSignin with tokens signed by an application key whose
// JWKS a local server publishes, and SDKApi.externalAuthVerify (a signed-in
// user's fresh token, and the assertion for an elevated token).
import assert from 'node:assert/strict';
import httpServer from 'node:http';
import { Configuration, ExternalJwtApi, UsersApi, EventsApi } from '@dynamic-labs/sdk-api';
import { generateKeyPair, exportJWK, SignJWT } from 'jose';
import { setup, clients, sdkApi, expectOk, expectStatus, verifySessionJwt, UUID_RE } from '../harness.mjs';

const { ctx, it } = setup({ serveArgs: ['--rate-limits', 'off', '--external-jwt-allow-private'] });
const app = {};

async function startJwks() {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'app-1', alg: 'RS256', use: 'sig' };
  const srv = httpServer.createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return { privateKey, srv, url: `http://127.0.0.1:${srv.address().port}/jwks.json` };
}

const sign = (claims = {}, { exp = '1h', key = app.privateKey, kid = 'app-1' } = {}) =>
  new SignJWT({ email: 'ada@example.com', email_verified: true, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid })
    .setIssuer(claims.iss ?? 'https://app.example')
    .setAudience(claims.aud ?? 'conformance')
    .setSubject(claims.sub ?? 'app-user-1')
    .setExpirationTime(exp)
    .sign(key);

const externalJwtApi = () => new ExternalJwtApi(new Configuration({ basePath: ctx.basePath, accessToken: ctx.token }));

it('security.externalAuth is set through updateProjectSettings', async () => {
  Object.assign(app, await startJwks());
  const api = clients(ctx);
  const env = await expectOk(api.envs.getEnvironmentByIdRaw({ environmentId: ctx.envId }));
  const model = env.value.settings;
  model.security = { ...model.security,
    externalAuth: { enabled: true, iss: 'https://app.example', aud: 'conformance', jwksUrl: app.url } };
  const put = await expectOk(api.envs.updateProjectSettingsRaw({ environmentId: ctx.envId, projectSettings: model }));
  assert.equal(put.json.security.externalAuth.jwksUrl, app.url);
  assert.equal(put.json.security.externalAuth.enabled, true);
});

it('checkExternalJwt: a good token is valid; a bad one lists each reason', async () => {
  const api = externalJwtApi();
  const ok = await api.checkExternalJwt({ environmentId: ctx.envId, externalJwtCheckRequest: { encodedJwt: await sign() } });
  assert.equal(ok.valid, true);
  const bad = await api.checkExternalJwt({ environmentId: ctx.envId,
    externalJwtCheckRequest: { encodedJwt: await sign({ iss: 'https://evil.example', aud: 'other' }, { exp: '-1h' }) } });
  assert.equal(bad.valid, false);
  const reasons = bad.errors.join(' | ');
  for (const want of ['iss:', 'aud:', 'exp:']) assert.ok(reasons.includes(want), `${want} in ${reasons}`);
});

it('externalAuthSignin signs the sub in, returns a VerifyResponse, and finds the same user again', async () => {
  const sdk = sdkApi(ctx);
  const first = await expectOk(sdk.externalAuthSigninRaw({ environmentId: ctx.envId,
    externalAuthSigninRequest: { jwt: await sign() } }));
  const u = first.json.user;
  assert.match(u.id, UUID_RE);
  assert.equal(u.newUser, true);
  const cred = u.verifiedCredentials.find((c) => c.format === 'externalUser');
  assert.ok(cred, JSON.stringify(u.verifiedCredentials));
  assert.equal(cred.publicIdentifier ?? cred.public_identifier, 'app-user-1');
  assert.equal(first.value.user.id, u.id, 'the client model parses the response');
  const { payload: claims } = await verifySessionJwt(ctx, first.json.jwt);
  assert.equal(claims.sub, u.id);
  assert.ok(claims.verifiedCredentialsHashes?.externalUser ?? claims.verified_credentials_hashes?.externalUser,
    `externalUser hash in ${JSON.stringify(claims)}`);

  const again = await sdk.externalAuthSignin({ environmentId: ctx.envId, externalAuthSigninRequest: { jwt: await sign() } });
  assert.equal(again.user.id, u.id);
  const other = await sdk.externalAuthSignin({ environmentId: ctx.envId,
    externalAuthSigninRequest: { jwt: await sign({ sub: 'app-user-2', email: 'grace@example.com' }) } });
  assert.notEqual(other.user.id, u.id);
});

it('externalAuthSignin copies a verified email and the names; an unverified email is not; a taken one is refused with nothing written', async () => {
  const sdk = sdkApi(ctx);
  const users = new UsersApi(new Configuration({ basePath: ctx.basePath, accessToken: ctx.token,
    headers: { Authorization: `Bearer ${ctx.token}` } }));
  const events = new EventsApi(new Configuration({ basePath: ctx.basePath, accessToken: ctx.token,
    headers: { Authorization: `Bearer ${ctx.token}` } }));
  const signIn = async (claims) => (await expectOk(sdk.externalAuthSigninRaw({ environmentId: ctx.envId,
    externalAuthSigninRequest: { jwt: await sign(claims) } }))).json.user;
  const formats = (u) => u.verifiedCredentials.map((c) => `${c.format}:${c.publicIdentifier ?? c.public_identifier}`).sort();

  const mary = await signIn({ sub: 'claims-mary', email: 'Mary@Example.com', email_verified: true, given_name: 'Mary', family_name: 'Somerville' });
  assert.equal(mary.email, 'mary@example.com');
  assert.equal(mary.firstName, 'Mary');
  assert.equal(mary.lastName, 'Somerville');
  assert.deepEqual(formats(mary), ['email:mary@example.com', 'externalUser:claims-mary']);

  const tom = await signIn({ sub: 'claims-tom', email: 'tom@example.com', email_verified: false, name: 'Tom Kilburn' });
  assert.ok(!tom.email, `an unverified email was copied: ${tom.email}`);
  assert.equal(tom.firstName, 'Tom');
  assert.equal(tom.lastName, 'Kilburn');
  assert.deepEqual(formats(tom), ['externalUser:claims-tom']);

  const count = async () => (await expectOk(users.getEnvironmentUsersRaw({ environmentId: ctx.envId }))).json.count;
  const newest = async () => (await expectOk(events.getEventsRaw({ environmentId: ctx.envId }))).json.data?.[0]?.eventId;
  const [usersBefore, eventBefore] = [await count(), await newest()];
  assert.ok(eventBefore, 'the sign-ins above wrote events');
  for (const [what, claims] of Object.entries({
    'a new sub with mary\'s email': { sub: 'claims-mallory', email: 'MARY@example.com', email_verified: true },
    'tom taking mary\'s email': { sub: 'claims-tom', email: 'mary@example.com', email_verified: true, given_name: 'Mallory' },
  })) {
    const body = await expectStatus(sdk.externalAuthSignin({ environmentId: ctx.envId,
      externalAuthSigninRequest: { jwt: await sign(claims) } }), 422, what);
    assert.equal(body.code, 'user_has_already_account_with_email', `${what}: ${JSON.stringify(body)}`);
  }
  assert.equal(await count(), usersBefore, 'a refused sign-in wrote a user');
  assert.equal(await newest(), eventBefore, 'a refused sign-in wrote an event');
  const tomNow = (await users.getUser({ environmentId: ctx.envId, userId: tom.id })).user;
  assert.equal(tomNow.firstName, 'Tom');
  assert.ok(!tomNow.email);

  const again = await signIn({ sub: 'claims-mary', email: 'mary@example.com', email_verified: true, given_name: 'Mary', family_name: 'Fairfax' });
  assert.equal(again.id, mary.id, 'the same issuer and sub find the same user');
  assert.equal(again.lastName, 'Fairfax');
  assert.deepEqual(formats(again), ['email:mary@example.com', 'externalUser:claims-mary']);
});

it('externalAuthVerify: the signed-in user\'s own fresh token vouches for them (204), with scope and jti it is an elevatedAccessToken once; another sub, no bearer, an expired token, no jwt and a bad body are refused', async () => {
  // ada@example.com is another user's (above): this user's tokens carry their own email
  const ada = (claims = {}, opts) => sign({ sub: 'verify-ada', email: 'verify-ada@example.com', ...claims }, opts);
  const signedIn = await expectOk(sdkApi(ctx).externalAuthSigninRaw({ environmentId: ctx.envId,
    externalAuthSigninRequest: { jwt: await ada() } }));
  const sdk = sdkApi(ctx, { token: signedIn.json.minifiedJwt });
  const verify = async (jwt) => sdk.externalAuthVerifyRaw({ environmentId: ctx.envId, externalAuthSigninRequest: { jwt } });

  const plain = await expectOk(verify(await ada()), 204);
  assert.equal(plain.value, undefined, 'the 0.0.847 client reads no body');
  assert.equal(await sdk.externalAuthVerify({ environmentId: ctx.envId,
    externalAuthSigninRequest: { jwt: await ada() } }), undefined);

  // An assertion asking for scopes: the newer ExternalAuthAssertionResponse,
  // a 200 the 0.0.847 client accepts (VoidApiResponse) without reading it.
  const assertion = await ada({ scope: 'credential:link', jti: `jti-${Date.now()}` });
  const elevated = await expectOk(verify(assertion), 200);
  assert.equal(elevated.value, undefined);
  const [, payload] = elevated.json.elevatedAccessToken.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  assert.equal(claims.sub, signedIn.json.user.id);
  assert.ok(String(claims.scope ?? claims.scopes).includes('credential:link'), JSON.stringify(claims));
  let body = await expectStatus(verify(assertion), 422, 'the assertion replayed');
  assert.equal(body.code, 'invalid_external_auth', JSON.stringify(body));

  body = await expectStatus(verify(await sign({ sub: 'verify-grace', email: 'verify-grace@example.com' })), 422, 'a token for another sub');
  assert.equal(body.code, 'invalid_external_auth', JSON.stringify(body));
  body = await expectStatus(verify(await ada({}, { exp: '-1h' })), 422, 'an expired token');
  assert.equal(body.code, 'invalid_external_auth', JSON.stringify(body));
  await expectStatus(sdkApi(ctx).externalAuthVerifyRaw({ environmentId: ctx.envId,
    externalAuthSigninRequest: { jwt: await ada() } }), 401, 'no bearer');
  // jwt is optional in ExternalAuthSigninRequest: none is a token refused, one of the wrong type a bad body
  body = await expectStatus(sdk.externalAuthVerifyRaw({ environmentId: ctx.envId, externalAuthSigninRequest: {} }), 422, 'no jwt');
  assert.equal(body.code, 'invalid_external_auth', JSON.stringify(body));
  body = await expectStatus(sdk.externalAuthVerifyRaw({ environmentId: ctx.envId, externalAuthSigninRequest: { jwt: 42 } }), 400, 'a number');
  assert.match(body.error, /jwt/);
});

it('externalAuthSignin refuses expired, foreign, wrong-audience and unsigned tokens with 422 invalid_external_auth', async () => {
  const sdk = sdkApi(ctx);
  const good = await sign();
  const p = good.split('.')[1];
  const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', kid: 'app-1' })).toString('base64url')}.${p}.`;
  const cases = {
    expired: await sign({}, { exp: '-1h' }),
    'foreign issuer': await sign({ iss: 'https://evil.example' }),
    'wrong audience': await sign({ aud: 'someone-else' }),
    'alg none': unsigned,
    'unknown kid': await sign({}, { kid: 'nope' }),
  };
  for (const [what, jwt] of Object.entries(cases)) {
    const body = await expectStatus(sdk.externalAuthSignin({ environmentId: ctx.envId, externalAuthSigninRequest: { jwt } }), 422, what);
    assert.equal(body.code, 'invalid_external_auth', `${what}: ${JSON.stringify(body)}`);
  }
  app.srv.close();
});
