// Passkey settings per environment, through the official client: the
// registration and sign-in ceremonies (SDKApi) follow security.passkeys
// (userVerification, maxPasskeysPerUser). The contract has no such member,
// so the official client cannot send it: it is set with a plain PUT of the
// environment's settings, and a later update through the client (which
// drops it) keeps it. The authenticator is software, in Node
// (softauthn.mjs), whose user-verification flag can be left unset, which a
// required-UV environment must refuse. Then the user's own passkeys: listed,
// renamed, and named in assertion options.
import assert from 'node:assert/strict';
import { Wallet } from 'ethers';
import { setup, clients, sdkApi, expectOk, expectStatus, http, assertError, evmVerifyRequest, verifySessionJwt, uuid, APP_ORIGIN }
  from '../harness.mjs';
import { SoftAuthenticator } from '../softauthn.mjs';

const { ctx, it } = setup({ serveArgs: ['--rate-limits', 'off'] });
const env = () => ctx.envId;

/** PUT the environment's settings with security.passkeys set (null clears it), as plain JSON. */
async function putPasskeySettings(passkeys) {
  const cur = (await http(ctx, 'GET', `/environments/${env()}`, { token: ctx.token })).json.settings;
  cur.security = { ...cur.security, passkeys };
  return http(ctx, 'PUT', `/environments/${env()}`, { token: ctx.token, body: cur });
}

/** The applied passkey settings, from the SDK's settings route through the official client. */
async function applied() {
  const r = await expectOk(sdkApi(ctx).getEnvironmentSettingsRaw({ environmentId: env() }), 200, 'settings');
  return r.json.security.passkeys;
}

async function signIn() {
  const body = await evmVerifyRequest(ctx, Wallet.createRandom());
  const r = await expectOk(sdkApi(ctx).verifyRaw({ environmentId: env(), verifyRequest: body }), 200, 'wallet sign-in');
  return { token: r.json.minifiedJwt, userId: r.json.user.id };
}

/** Registration options, then the authenticator's answer, through the official client. */
async function register(token, a) {
  const api = sdkApi(ctx, { token });
  const opts = await expectOk(api.getPasskeyRegistrationOptionsRaw({ environmentId: env() }), 200, 'registration options');
  return { opts: opts.json, answer: api.registerPasskeyRaw({ environmentId: env(), passkeyRegisterRequest: a.create(opts.json) }) };
}

/** Discoverable sign-in options, then the authenticator's assertion, through the official client. */
async function passkeySignIn(a) {
  const api = sdkApi(ctx);
  const opts = await expectOk(api.getPasskeyAuthenticationSigninOptionsRaw({ environmentId: env() }), 200, 'sign-in options');
  return { opts: opts.json, answer: api.signinWithPasskeyRaw({ environmentId: env(), passkeyAuthRequest: a.get(opts.json) }) };
}

it('passkey settings: defaults, bad values refused, kept across an update by the official client', async () => {
  await expectOk(clients(ctx).origins.addOriginRaw({ environmentId: env(), inlineObject: { origin: APP_ORIGIN } }), 201, 'addOrigin');
  assert.deepEqual(await applied(), { userVerification: 'preferred', maxPasskeysPerUser: 10 });
  for (const bad of ['on', { userVerification: 'always' }, { maxPasskeysPerUser: 0 }, { maxPasskeysPerUser: 2.5 },
    { maxPasskeysPerUser: 101 }, { residentKey: 'discouraged' }]) {
    assertError(await putPasskeySettings(bad), 400, `security.passkeys ${JSON.stringify(bad)}`);
  }
  assert.deepEqual(await applied(), { userVerification: 'preferred', maxPasskeysPerUser: 10 }, 'refused updates changed nothing');

  const put = await putPasskeySettings({ userVerification: 'required', maxPasskeysPerUser: 1 });
  assert.equal(put.status, 200, put.text);
  assert.deepEqual(await applied(), { userVerification: 'required', maxPasskeysPerUser: 1 });

  // The official client drops security.passkeys when it sends the settings back.
  const envs = clients(ctx).envs;
  const settings = (await expectOk(envs.getEnvironmentByIdRaw({ environmentId: env() }))).value.settings;
  await expectOk(envs.updateProjectSettingsRaw({ environmentId: env(),
    projectSettings: { ...settings, security: { ...settings.security, mfa: { enabled: false } } } }), 200, 'update by the client');
  assert.deepEqual(await applied(), { userVerification: 'required', maxPasskeysPerUser: 1 }, 'kept across the client update');
});

it('required user verification: answers without the UV flag are refused; one passkey per user', async () => {
  const { token, userId } = await signIn();
  const a = new SoftAuthenticator(APP_ORIGIN);

  a.uv = false;
  let r = await register(token, a);
  assert.equal(r.opts.authenticatorSelection.userVerification, 'required');
  assert.equal(r.opts.authenticatorSelection.residentKey, 'required');
  await expectStatus(r.answer, 422, 'registration without UV');
  a.uv = true;
  r = await register(token, a);
  const reg = await expectOk(r.answer, 200, 'registration with UV');
  assert.ok(reg.json.user.verifiedCredentials.some((c) => c.format === 'passkey'));

  // A second passkey: over the environment's max of 1.
  const err = await expectStatus(sdkApi(ctx, { token }).getPasskeyRegistrationOptionsRaw({ environmentId: env() }), 422,
    'a second passkey');
  assert.equal(err.code, 'max_passkeys_per_user');

  a.uv = false;
  let s = await passkeySignIn(a);
  assert.equal(s.opts.userVerification, 'required');
  await expectStatus(s.answer, 422, 'sign-in without UV');
  a.uv = true;
  s = await passkeySignIn(a);
  const ok = await expectOk(s.answer, 200, 'sign-in with UV');
  assert.equal(ok.json.user.id, userId);
  const { payload } = await verifySessionJwt(ctx, ok.json.minifiedJwt);
  assert.equal(payload.sub, userId);

  // Discouraged: presence alone signs in; a max of 2 lets a second one register.
  const put = await putPasskeySettings({ userVerification: 'discouraged', maxPasskeysPerUser: 2 });
  assert.equal(put.status, 200, put.text);
  a.uv = false;
  s = await passkeySignIn(a);
  assert.equal(s.opts.userVerification, 'discouraged');
  await expectOk(s.answer, 200, 'presence-only sign-in, UV discouraged');
  const b = new SoftAuthenticator(APP_ORIGIN);
  r = await register(token, b);
  assert.equal(r.opts.authenticatorSelection.userVerification, 'discouraged');
  await expectOk(r.answer, 200, 'a second passkey under a max of 2');

  // null clears the settings: the server's defaults again.
  assert.equal((await putPasskeySettings(null)).status, 200);
  assert.deepEqual(await applied(), { userVerification: 'preferred', maxPasskeysPerUser: 10 });
});

it('the user\'s passkeys: getUserPasskeys lists them, updatePasskey renames one, getPasskeyAuthenticationOptions names them all, deletePasskey removes one', async () => {
  const { token } = await signIn();
  const api = sdkApi(ctx, { token });
  const list = async () => (await expectOk(api.getUserPasskeysRaw({ environmentId: env() }), 200, 'getUserPasskeys')).value;
  assert.deepEqual(await list(), { passkeys: [], count: 0 });
  const none = await expectStatus(api.getPasskeyAuthenticationOptionsRaw({ environmentId: env() }), 404, 'options without a passkey');
  assert.equal(none.code, 'passkey_not_found');

  const a = new SoftAuthenticator(APP_ORIGIN);
  const b = new SoftAuthenticator(APP_ORIGIN);
  for (const x of [a, b]) await expectOk((await register(token, x)).answer, 200, 'register');
  let l = await list();
  assert.equal(l.count, 2);
  assert.deepEqual(l.passkeys.map((p) => p.credentialId).sort(), [a.credentialId, b.credentialId].sort());
  for (const p of l.passkeys) {
    assert.equal(typeof p.id, 'string');
    assert.ok(p.createdAt instanceof Date && !Number.isNaN(p.createdAt.getTime()), `createdAt: ${p.createdAt}`);
    assert.equal(p.alias, undefined, 'no alias yet');
    assert.equal(p.origin, APP_ORIGIN, 'the origin the passkey was made on');
  }
  const pa = l.passkeys.find((p) => p.credentialId === a.credentialId);
  const pb = l.passkeys.find((p) => p.credentialId === b.credentialId);

  const renamed = (await expectOk(api.updatePasskeyRaw({ environmentId: env(),
    updateUserPasskeyRequest: { id: pa.id, alias: 'Laptop' } }), 200, 'updatePasskey')).value;
  assert.equal(renamed.id, pa.id);
  assert.equal(renamed.alias, 'Laptop');
  assert.equal(renamed.credentialId, a.credentialId);
  assert.equal(renamed.createdAt.getTime(), pa.createdAt.getTime());
  assert.ok(renamed.updatedAt instanceof Date && renamed.updatedAt >= renamed.createdAt, `updatedAt: ${renamed.updatedAt}`);
  l = await list();
  assert.deepEqual(l.passkeys.map((p) => [p.id, p.alias]).sort(), [[pa.id, 'Laptop'], [pb.id, undefined]].sort());

  // Refused, changing nothing: another user's passkey, an unknown one, no id, an alias too long.
  const other = sdkApi(ctx, { token: (await signIn()).token });
  for (const [client, id, what] of [[other, pa.id, 'another user\'s passkey'], [api, uuid(), 'an unknown passkey']]) {
    const r = await expectStatus(client.updatePasskeyRaw({ environmentId: env(), updateUserPasskeyRequest: { id, alias: 'Mallory' } }),
      404, `rename ${what}`);
    assert.equal(r.code, 'passkey_not_found');
  }
  const noId = await expectStatus(api.updatePasskeyRaw({ environmentId: env(), updateUserPasskeyRequest: { alias: 'x' } }), 400, 'no id');
  assert.match(noId.error, /id/);
  const long = await expectStatus(api.updatePasskeyRaw({ environmentId: env(),
    updateUserPasskeyRequest: { id: pa.id, alias: 'x'.repeat(256) } }), 422, 'an alias of 256 characters');
  assert.match(long.error, /alias/);
  assert.equal((await list()).passkeys.find((p) => p.id === pa.id).alias, 'Laptop', 'the refused renames changed nothing');
  assert.deepEqual((await expectOk(other.getUserPasskeysRaw({ environmentId: env() }))).value, { passkeys: [], count: 0 },
    'another user lists only their own');
  await expectStatus(sdkApi(ctx).getUserPasskeysRaw({ environmentId: env() }), 401, 'list without a bearer');

  // An empty alias clears it.
  const cleared = (await expectOk(api.updatePasskeyRaw({ environmentId: env(),
    updateUserPasskeyRequest: { id: pa.id, alias: '' } }), 200, 'clear the alias')).value;
  assert.equal(cleared.alias, undefined);

  // Assertion options for the signed-in user name both passkeys; each answers them.
  const opts = (await expectOk(api.getPasskeyAuthenticationOptionsRaw({ environmentId: env() }), 200, 'authenticate options')).value;
  assert.deepEqual(opts.allowCredentials.map((c) => c.id).sort(), [a.credentialId, b.credentialId].sort());
  assert.equal(opts.rpId, 'localhost');
  assert.equal(typeof opts.challenge, 'string');
  const rel = await expectStatus(api.getPasskeyAuthenticationOptionsRaw({ environmentId: env(), relatedOriginRpId: 'example.org' }),
    422, 'a related origin RP ID the environment does not have');
  assert.equal(rel.code, 'invalid_verification');
  await expectStatus(sdkApi(ctx).getPasskeyAuthenticationOptionsRaw({ environmentId: env() }), 401, 'options without a bearer');

  // deletePasskey (a JSON body on DELETE): not another user's; the user's own goes, from the options too.
  const del = (client, passkeyId) => client.deletePasskeyRaw({ environmentId: env(), deleteUserPasskeyRequest: { passkeyId } });
  assert.equal((await expectStatus(del(other, pb.id), 404, 'delete another user\'s passkey')).code, 'passkey_not_found');
  await expectOk(del(api, pb.id), 204, 'deletePasskey');
  assert.deepEqual((await list()).passkeys.map((p) => p.id), [pa.id]);
  const after = (await expectOk(api.getPasskeyAuthenticationOptionsRaw({ environmentId: env() }), 200, 'options after')).value;
  assert.deepEqual(after.allowCredentials.map((c) => c.id), [a.credentialId]);
});
