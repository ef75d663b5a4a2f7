// MFA through the official client @dynamic-labs/sdk-api@0.0.847: TOTP
// devices (codes computed by otplib, an independent implementation),
// recovery codes, the MFA-pending session (requiresAdditionalAuth) and its
// upgrade on the same sid, mfaToken, the wrong-code lock and the admin
// MfaApi resets; devices by id; passkeys as the second factor (a software
// authenticator, softauthn.mjs).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Wallet } from 'ethers';
import { decodeJwt } from 'jose';
import { Configuration, MfaApi } from '@dynamic-labs/sdk-api';
import { setup, clients, sdkApi, expectOk, expectStatus, http, evmVerifyRequest, verifySessionJwt, totp, uuid,
  APP_ORIGIN } from '../harness.mjs';
import { SoftAuthenticator } from '../softauthn.mjs';

const { ctx, it } = setup({ serveArgs: ['--rate-limits', 'off'] });

const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
const scopes = (jwt) => (claims(jwt).scope ?? '').split(' ');
const env = () => ctx.envId;
const now = () => Math.floor(Date.now() / 1000);

/** Sign a wallet in (a new one unless given); returns {wallet, token, sid, json}. */
async function signIn(wallet = Wallet.createRandom()) {
  const body = await evmVerifyRequest(ctx, wallet);
  const r = await expectOk(sdkApi(ctx).verifyRaw({ environmentId: env(), verifyRequest: body }), 200, 'verify');
  return { wallet, token: r.json.minifiedJwt, sid: claims(r.json.minifiedJwt).sid, json: r.json };
}

const api = (token) => sdkApi(ctx, { token });

async function setMfa(mfa) {
  const envs = clients(ctx).envs;
  const cur = (await expectOk(envs.getEnvironmentByIdRaw({ environmentId: env() }))).value.settings;
  cur.security = { ...cur.security, mfa };
  await expectOk(envs.updateProjectSettingsRaw({ environmentId: env(), projectSettings: cur }), 200, 'enable MFA');
}

/** Register a TOTP device for a signed-in user; the code is from the previous step. */
async function enroll(token) {
  const reg = await expectOk(api(token).registerTotpMfaDeviceRaw({ environmentId: env() }), 200, 'register/totp GET');
  const code = await totp(reg.json.secret, -30);
  const dev = await expectOk(api(token).registerTotpMfaDeviceVerifyRaw({ environmentId: env(),
    mFARegisterTotpDevicePostRequest: { type: 'totp', code } }), 200, 'register/totp POST');
  return { reg: reg.json, device: dev.json };
}

const authTotp = (token, code, extra = {}) => api(token).authMfaTotpDeviceRaw({ environmentId: env(),
  mFAAuthTotpDevicePostRequest: { code, ...extra } });

it('settings: security.mfa is spelled out on GET /sdk/{env}/settings', async () => {
  await setMfa({ enabled: true, required: false });
  const s = (await expectOk(sdkApi(ctx).getEnvironmentSettingsRaw({ environmentId: env() }), 200, 'settings')).json;
  assert.equal(s.security.mfa.enabled, true);
  assert.deepEqual(s.security.mfa.availableMethods, ['totp', 'passkey', 'email']);
  assert.deepEqual(s.security.mfa.methods.map((m) => [m.type, m.enabled]), [['totp', true], ['passkey', true], ['email', true]]);
});

it('TOTP: enroll, then every sign-in is MFA-pending until auth/totp upgrades the same sid', async () => {
  const u = await signIn();
  assert.ok(scopes(u.token).includes('user:basic'), 'no device yet: a full session');
  const { reg, device } = await enroll(u.token);
  assert.match(reg.uri, /^otpauth:\/\/totp\//);
  const uri = new URL(reg.uri);
  assert.equal(uri.searchParams.get('secret'), reg.secret);
  assert.equal(uri.searchParams.get('digits'), '6');
  assert.equal(uri.searchParams.get('period'), '30');
  assert.equal(uri.searchParams.get('algorithm'), 'SHA1');
  assert.ok(uri.searchParams.get('issuer'), 'issuer is the project name');
  assert.equal(Buffer.from(reg.secret.replace(/=+$/, ''), 'base64').length > 0, true);
  assert.equal(device.type, 'totp');
  assert.equal(device.verified, true);
  assert.equal(device.default, true);

  const list = (await expectOk(api(u.token).getUserMfaDevicesRaw({ environmentId: env() }))).json;
  assert.equal(list.count, 1);
  const codes = (await expectOk(api(u.token).getRecoveryCodesRaw({ environmentId: env() }), 200, 'recovery')).json;
  assert.equal(codes.count, 10);
  assert.equal(new Set(codes.recoveryCodes).size, 10);

  // The next sign-in is pending: no user:basic, full routes refused.
  const p = await signIn(u.wallet);
  assert.ok(scopes(p.token).includes('requiresAdditionalAuth'), `pending scope: ${claims(p.token).scope}`);
  assert.ok(!scopes(p.token).includes('user:basic'));
  assert.equal(p.json.user.scope, 'requiresAdditionalAuth');
  await expectStatus(api(p.token).getAuthenticatedUserRaw({ environmentId: env() }), 403, 'GET /users while pending');
  await expectStatus(api(p.token).getRecoveryCodesRaw({ environmentId: env() }), 403, 'recovery codes while pending');
  await expectStatus(api(p.token).createNewRecoveryCodesRaw({ environmentId: env() }), 403, 'new recovery codes while pending');
  await expectStatus(api(p.token).registerTotpMfaDeviceRaw({ environmentId: env() }), 403, 'a second device while pending');
  const link = await evmVerifyRequest(ctx, Wallet.createRandom());
  await expectStatus(api(p.token).verifyLinkRaw({ environmentId: env(), verifyRequest: link }), 403, 'link while pending');
  // Refresh keeps it pending.
  const ref = await expectOk(api(p.token).refreshAuthRaw({ environmentId: env() }), 200, 'refresh while pending');
  assert.ok(!scopes(ref.json.minifiedJwt).includes('user:basic'), 'refresh does not upgrade a pending session');

  // Codes two steps away are refused; the current one upgrades, once.
  for (const off of [-60, 60]) {
    const b = await expectStatus(authTotp(p.token, await totp(reg.secret, off)), 422, `code ${off}s away`);
    assert.equal(b.code, 'mfa_invalid_code');
  }
  const code = await totp(reg.secret);
  const up = await expectOk(authTotp(p.token, code), 200, 'auth/totp');
  const c = claims(up.json.minifiedJwt);
  assert.equal(c.sid, p.sid, 'the upgraded token keeps the sid');
  assert.ok(scopes(up.json.minifiedJwt).includes('user:basic'));
  assert.ok(!scopes(up.json.minifiedJwt).includes('requiresAdditionalAuth'));
  assert.deepEqual(c.amr, ['wallet', 'totp']);
  await verifySessionJwt(ctx, up.json.minifiedJwt);
  await verifySessionJwt(ctx, up.json.jwt);
  await expectOk(api(up.json.minifiedJwt).getAuthenticatedUserRaw({ environmentId: env() }), 200, 'GET /users after MFA');

  const again = await signIn(u.wallet);
  const b = await expectStatus(authTotp(again.token, code), 422, 'the same code a second time');
  assert.equal(b.code, 'mfa_invalid_code');
});

it('TOTP: the same code sent by two requests at once is accepted once', async () => {
  const u = await signIn();
  const { reg } = await enroll(u.token);
  const p1 = await signIn(u.wallet);
  const p2 = await signIn(u.wallet);
  const code = await totp(reg.secret);
  const rs = await Promise.all([p1, p2, p1, p2].map((p) => http(ctx, 'POST', `/sdk/${env()}/users/mfa/auth/totp`,
    { token: p.token, body: { code } })));
  assert.deepEqual(rs.map((r) => r.status).sort(), [200, 422, 422, 422], rs.map((r) => r.text).join('\n'));
});

it('recovery codes: upgrade a pending session once each; POST replaces the set', async () => {
  const u = await signIn();
  await enroll(u.token);
  const first = (await expectOk(api(u.token).getRecoveryCodesRaw({ environmentId: env() }))).json.recoveryCodes;
  const p = await signIn(u.wallet);
  const up = await expectOk(api(p.token).authMfaRecoveryRaw({ environmentId: env(),
    mFAAuthRecoveryDevicePostRequest: { code: first[0] } }), 200, 'auth/recovery');
  assert.equal(claims(up.json.minifiedJwt).sid, p.sid);
  assert.deepEqual(claims(up.json.minifiedJwt).amr, ['wallet', 'recovery']);
  assert.ok(scopes(up.json.minifiedJwt).includes('user:basic'));
  await verifySessionJwt(ctx, up.json.minifiedJwt);
  await verifySessionJwt(ctx, up.json.jwt);
  await expectOk(api(up.json.minifiedJwt).getAuthenticatedUserRaw({ environmentId: env() }), 200, 'GET /users after auth/recovery');
  const p2 = await signIn(u.wallet);
  const used = await expectStatus(api(p2.token).authMfaRecoveryRaw({ environmentId: env(),
    mFAAuthRecoveryDevicePostRequest: { code: first[0] } }), 422, 'a used recovery code');
  assert.equal(used.code, 'mfa_invalid_code');
  const later = (await expectOk(api(up.json.minifiedJwt).getRecoveryCodesRaw({ environmentId: env() }))).json;
  assert.equal(later.count, 9, 'codes are shown once; GET then counts the unused ones');
  assert.deepEqual(later.recoveryCodes, []);
  const fresh = (await expectOk(api(up.json.minifiedJwt).createNewRecoveryCodesRaw({ environmentId: env() }))).json;
  assert.equal(fresh.count, 10);
  await expectStatus(api(p2.token).authMfaRecoveryRaw({ environmentId: env(),
    mFAAuthRecoveryDevicePostRequest: { code: first[1] } }), 422, 'a code of the replaced set');
  await expectOk(api(p2.token).authMfaRecoveryRaw({ environmentId: env(),
    mFAAuthRecoveryDevicePostRequest: { code: fresh.recoveryCodes[3] } }), 200, 'a code of the new set');
});

it('wrong codes: 30 parallel guesses lock exactly at the limit (5), then mfa_rate_limited', async () => {
  const u = await signIn();
  const { reg } = await enroll(u.token);
  const p = await signIn(u.wallet);
  const right = await totp(reg.secret);
  const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
  const rs = await Promise.all(Array.from({ length: 30 }, () => http(ctx, 'POST', `/sdk/${env()}/users/mfa/auth/totp`,
    { token: p.token, body: { code: wrong } })));
  const by = (s) => rs.filter((r) => r.status === s);
  assert.equal(by(422).length, 5, rs.map((r) => `${r.status} ${r.text}`).join('\n'));
  assert.equal(by(429).length, 25);
  assert.ok(by(422).every((r) => r.json.code === 'mfa_invalid_code'));
  assert.ok(by(429).every((r) => r.json.code === 'mfa_rate_limited' && Number(r.headers.get('retry-after')) > 0));
  const locked = await http(ctx, 'POST', `/sdk/${env()}/users/mfa/auth/totp`, { token: p.token, body: { code: right } });
  assert.equal(locked.status, 429, 'the right code is refused while locked');
});

it('mfaToken: createMfaToken returns a single-use token that deleting a device requires', async () => {
  const u = await signIn();
  const { reg, device } = await enroll(u.token);
  await expectStatus(api(u.token).deleteMfaDeviceRaw({ environmentId: env(), mfaDeviceId: device.id, xMfaAuthToken: 'nope' }),
    403, 'delete without a valid mfaToken');
  const up = await expectOk(authTotp(u.token, await totp(reg.secret), { createMfaToken: { singleUse: true } }), 200, 'auth/totp with mfaToken');
  assert.equal(typeof up.json.mfaToken, 'string');
  const token = up.json.minifiedJwt;
  await expectOk(api(token).deleteMfaDeviceRaw({ environmentId: env(), mfaDeviceId: device.id, xMfaAuthToken: up.json.mfaToken }),
    204, 'delete device');
  assert.equal((await expectOk(api(token).getUserMfaDevicesRaw({ environmentId: env() }))).json.count, 0);
  const again = await enroll(token);
  await expectStatus(api(token).deleteMfaDeviceRaw({ environmentId: env(), mfaDeviceId: again.device.id,
    xMfaAuthToken: up.json.mfaToken }), 403, 'the single-use mfaToken a second time');
});

it('MfaApi: resetUserMfa and resetAllMfaDevices remove the devices; the next sign-in is full', async () => {
  const mfaApi = new MfaApi(new Configuration({ basePath: ctx.basePath, accessToken: ctx.token,
    headers: { Authorization: `Bearer ${ctx.token}` } }));
  for (const call of ['resetUserMfaRaw', 'resetAllMfaDevicesRaw']) {
    const u = await signIn();
    await enroll(u.token);
    const userId = u.json.user.id;
    assert.ok(scopes((await signIn(u.wallet)).token).includes('requiresAdditionalAuth'));
    await expectOk(mfaApi[call]({ userId }), 204, call);
    const after = await signIn(u.wallet);
    assert.ok(scopes(after.token).includes('user:basic'), `${call}: no device left, so a full session`);
    assert.equal((await expectOk(api(after.token).getUserMfaDevicesRaw({ environmentId: env() }))).json.count, 0);
  }
  await expectStatus(mfaApi.resetUserMfaRaw({ userId: '00000000-0000-4000-8000-000000000000' }), 404, 'unknown user');
});

it('enrollment at sign-up: a user without a device gets a pending token that may enroll, then upgrade', async () => {
  // 0.0.847's MFASettings has no enrollment; its legacy required flag means the same here.
  await setMfa({ enabled: true, required: true });
  try {
    const u = await signIn();
    assert.ok(scopes(u.token).includes('requiresAdditionalAuth'), 'must enroll: pending');
    const { reg } = await enroll(u.token);
    await expectStatus(api(u.token).getAuthenticatedUserRaw({ environmentId: env() }), 403, 'still pending after enrolling');
    const up = await expectOk(authTotp(u.token, await totp(reg.secret)), 200, 'auth/totp after enrolling');
    assert.equal(claims(up.json.minifiedJwt).sid, u.sid);
    assert.ok(scopes(up.json.minifiedJwt).includes('user:basic'));
  } finally {
    await setMfa({ enabled: true, required: false });
  }
});

it('step-up: stepUp/check follows security.mfa.actions; PUT /users needs an elevatedAccessToken (a JWT the SDK can decode) of the same session', async () => {
  await setMfa({ enabled: true, required: false, actions: [{ action: 'user.update', required: true }] });
  try {
    const u = await signIn();
    const { reg, device } = await enroll(u.token);
    const check = (scope) => http(ctx, 'POST', `/sdk/${env()}/stepUp/check`, { token: u.token, body: { scope } });
    let r = await check('user:update');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.isRequired, true);
    assert.equal(r.json.defaultCredentialId, device.id);
    assert.deepEqual(r.json.credentials.map((c) => [c.id, c.format]), [[device.id, 'totp']]);
    r = await check('wallet:export');
    assert.equal(r.json.isRequired, false);
    r = await check('user:basic');
    assert.equal(r.status, 422);
    assert.equal(r.json.code, 'invalid_scopes');

    const put = (token, elevated, firstName) => http(ctx, 'PUT', `/sdk/${env()}/users`, { token, body: { firstName },
      headers: elevated ? { 'x-dyn-elevated-access-token': elevated } : {} });
    r = await put(u.token, null, 'Mallory');
    assert.equal(r.status, 403, `without an elevated token: ${r.text}`);

    // 0.0.847's request model has no requestedScopes (newer clients send it).
    const up = await http(ctx, 'POST', `/sdk/${env()}/users/mfa/auth/totp`, { token: u.token,
      body: { code: await totp(reg.secret), requestedScopes: ['user:update'] } });
    assert.equal(up.status, 200, up.text);
    const elevated = up.json.elevatedAccessToken;
    const payload = decodeJwt(elevated); // what the JS SDK's parseElevatedAccessToken reads
    assert.equal(payload.scope, 'user:update');
    assert.equal(payload.singleUse, false);
    assert.ok(payload.exp > now() && payload.exp <= now() + 600);

    const other = await signIn();
    r = await put(other.token, elevated, 'Eve');
    assert.equal(r.status, 403, `another user's elevated token: ${r.text}`);
    r = await put(u.token, elevated, 'Ada');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.firstName, 'Ada');
  } finally {
    await setMfa({ enabled: true, required: false });
  }
});

// lastCode is the code of the newest dev-outbox message to `to`.
function lastCode(to) {
  const lines = fs.readFileSync(`${ctx.db}.outbox.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const m = lines.filter((l) => l.to.toLowerCase() === to.toLowerCase()).pop();
  assert.ok(m, `no message to ${to} in the outbox`);
  return m.code;
}

it('email as MFA: authenticateMfaEmail takes a code sent to the user\'s verified email, once, on the same sid', async () => {
  await setMfa({ enabled: true });
  const envs = clients(ctx).envs;
  const cur = (await expectOk(envs.getEnvironmentByIdRaw({ environmentId: env() }))).value.settings;
  cur.providers = [{ provider: 'emailOnly', enabledAt: new Date() }];
  await expectOk(envs.updateProjectSettingsRaw({ environmentId: env(), projectSettings: cur }), 200, 'enable email codes');

  const u = await signIn();
  const email = `mfa-${Date.now()}@example.com`;
  const v = await expectOk(api(u.token).createEmailVerificationRaw({ environmentId: env(),
    emailVerificationCreateRequest: { email } }), 200, 'create (own email)');
  await expectOk(api(u.token).verifyEmailVerificationRaw({ environmentId: env(), emailVerificationVerifyRequest: {
    verificationUUID: v.value.verificationUUID, verificationToken: lastCode(email) } }), 200, 'verify the email');
  await enroll(u.token);

  const p = await signIn(u.wallet);
  assert.ok(scopes(p.token).includes('requiresAdditionalAuth'));
  const started = await expectOk(sdkApi(ctx).createEmailVerificationRaw({ environmentId: env(),
    emailVerificationCreateRequest: { email } }), 200, 'create (MFA)');
  const vid = started.value.verificationUUID;
  const code = lastCode(email);
  const mfaEmail = (token, verificationToken) => api(token).authenticateMfaEmailRaw({ environmentId: env(),
    emailVerificationMfaRequest: { verificationUUID: vid, verificationToken } });
  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  const b = await expectStatus(mfaEmail(p.token, wrong), 422, 'a wrong code');
  assert.equal(b.code, 'wrong_email_verification_token');

  const other = `other-${Date.now()}@example.com`;
  const ov = await expectOk(sdkApi(ctx).createEmailVerificationRaw({ environmentId: env(),
    emailVerificationCreateRequest: { email: other } }), 200, 'create (another address)');
  const ob = await expectStatus(api(p.token).authenticateMfaEmailRaw({ environmentId: env(), emailVerificationMfaRequest: {
    verificationUUID: ov.value.verificationUUID, verificationToken: lastCode(other) } }), 422, 'the code of another address');
  assert.equal(ob.code, 'invalid_email_verification');

  const up = await expectOk(mfaEmail(p.token, code), 200, 'users/mfa/auth/email');
  const c = claims(up.value.minifiedJwt);
  assert.equal(c.sid, p.sid, 'the upgraded token keeps the sid');
  assert.deepEqual(c.amr, ['wallet', 'email']);
  assert.ok(scopes(up.json.minifiedJwt).includes('user:basic'));
  await verifySessionJwt(ctx, up.json.minifiedJwt);
  await expectOk(api(up.json.minifiedJwt).getAuthenticatedUserRaw({ environmentId: env() }), 200, 'GET /users after email MFA');

  const again = await signIn(u.wallet);
  const rb = await expectStatus(mfaEmail(again.token, code), 422, 'the code a second time');
  assert.equal(rb.code, 'invalid_email_verification');
});

it('devices by id: getUserMfaMethods, getMfaDevice and updateUserMfaDevice (the default device)', async () => {
  await setMfa({ enabled: true, required: false });
  const u = await signIn();
  const methods = async (token, verifiedOnly) => (await expectOk(api(token).getUserMfaMethodsRaw({ environmentId: env(),
    ...(verifiedOnly === undefined ? {} : { verifiedOnly }) }), 200, `methods verifiedOnly=${verifiedOnly}`)).value;
  assert.deepEqual(await methods(u.token), { devices: [], passkeys: [], userHasVerifiedMfaMethods: false });

  // An enrollment waiting for its first code shows only with verifiedOnly=false.
  const reg = (await expectOk(api(u.token).registerTotpMfaDeviceRaw({ environmentId: env() }), 200, 'register/totp GET')).json;
  let m = await methods(u.token, false);
  // The wire's verifiedAt: null is undefined in the client's model.
  assert.deepEqual(m.devices.map((d) => [d.id, d.type, d.verified, d.verifiedAt]), [[reg.id, 'totp', false, undefined]]);
  assert.equal(m.userHasVerifiedMfaMethods, false);
  assert.deepEqual((await methods(u.token, true)).devices, []);
  const pendingDev = (await expectOk(api(u.token).getMfaDeviceRaw({ environmentId: env(), mfaDeviceId: reg.id }))).value;
  assert.equal(pendingDev.verified, false);
  const unverified = await expectStatus(api(u.token).updateUserMfaDeviceRaw({ environmentId: env(), mfaDeviceId: reg.id,
    mFAUpdateDeviceRequest: { _default: true } }), 422, 'an unverified device as the default');
  assert.equal(unverified.code, 'mfa_invalid_request');
  await expectOk(api(u.token).registerTotpMfaDeviceVerifyRaw({ environmentId: env(),
    mFARegisterTotpDevicePostRequest: { type: 'totp', code: await totp(reg.secret, -30) } }), 200, 'register/totp POST');

  const first = (await expectOk(api(u.token).getMfaDeviceRaw({ environmentId: env(), mfaDeviceId: reg.id }), 200, 'getMfaDevice')).value;
  assert.equal(first.id, reg.id);
  assert.equal(first.type, 'totp');
  assert.equal(first.verified, true);
  assert.equal(first._default, true, 'the first device is the default');
  assert.ok(first.createdAt instanceof Date && !Number.isNaN(first.createdAt.getTime()), `createdAt: ${first.createdAt}`);
  assert.ok(first.verifiedAt instanceof Date && first.verifiedAt >= first.createdAt, `verifiedAt: ${first.verifiedAt}`);
  m = await methods(u.token);
  assert.deepEqual(m.devices.map((d) => [d.id, d.verified, d._default]), [[reg.id, true, true]]);
  assert.equal(m.userHasVerifiedMfaMethods, true);

  // Another user's device, and one that does not exist, are not found.
  const other = await signIn();
  for (const [token, id, what] of [[other.token, reg.id, 'another user\'s device'], [u.token, uuid(), 'an unknown device']]) {
    const g = await expectStatus(api(token).getMfaDeviceRaw({ environmentId: env(), mfaDeviceId: id }), 404, `get ${what}`);
    assert.equal(g.code, 'mfa_device_not_found');
    const p = await expectStatus(api(token).updateUserMfaDeviceRaw({ environmentId: env(), mfaDeviceId: id,
      mFAUpdateDeviceRequest: { _default: true } }), 404, `update ${what}`);
    assert.equal(p.code, 'mfa_device_not_found');
  }
  await expectStatus(sdkApi(ctx).getMfaDeviceRaw({ environmentId: env(), mfaDeviceId: reg.id }), 401, 'get without a bearer');

  // A second device takes proof of the first (an mfaToken), then becomes the default.
  await expectStatus(api(u.token).registerTotpMfaDeviceRaw({ environmentId: env() }), 403, 'a second device without proof');
  const up = await expectOk(authTotp(u.token, await totp(reg.secret), { createMfaToken: { singleUse: false } }), 200, 'mfaToken');
  const proven = sdkApi(ctx, { token: up.json.minifiedJwt, headers: { 'x-mfa-auth-token': up.json.mfaToken } });
  const reg2 = (await expectOk(proven.registerTotpMfaDeviceRaw({ environmentId: env() }), 200, 'second register/totp GET')).json;
  const second = (await expectOk(proven.registerTotpMfaDeviceVerifyRaw({ environmentId: env(),
    mFARegisterTotpDevicePostRequest: { type: 'totp', code: await totp(reg2.secret, -30) } }), 200, 'second register/totp POST')).value;
  assert.equal(second._default, false, 'a second device is not the default');
  const token = up.json.minifiedJwt;
  const defaults = async () => Object.fromEntries((await Promise.all([reg.id, reg2.id].map((id) =>
    expectOk(api(token).getMfaDeviceRaw({ environmentId: env(), mfaDeviceId: id }))))).map((r) => [r.value.id, r.value._default]));

  await expectOk(api(token).updateUserMfaDeviceRaw({ environmentId: env(), mfaDeviceId: reg2.id,
    mFAUpdateDeviceRequest: { _default: true } }), 204, 'make the second the default');
  assert.deepEqual(await defaults(), { [reg.id]: false, [reg2.id]: true });
  // No body (Dynamic's JS SDK's setDefaultMfaDevice) means default: true.
  await expectOk(api(token).updateUserMfaDeviceRaw({ environmentId: env(), mfaDeviceId: reg.id }), 204, 'no body');
  assert.deepEqual(await defaults(), { [reg.id]: true, [reg2.id]: false });
  const bad = await expectStatus(api(token).updateUserMfaDeviceRaw({ environmentId: env(), mfaDeviceId: reg2.id,
    mFAUpdateDeviceRequest: { _default: 'yes' } }), 400, 'default: "yes"');
  assert.match(bad.error, /default/);
  assert.deepEqual(await defaults(), { [reg.id]: true, [reg2.id]: false }, 'the refused update changed nothing');
  assert.equal((await methods(token)).devices.length, 2);

  // A pending session reads its devices (to pick one) but changes none.
  const p = await signIn(u.wallet);
  assert.equal((await expectOk(api(p.token).getMfaDeviceRaw({ environmentId: env(), mfaDeviceId: reg2.id }), 200,
    'get while pending')).value.id, reg2.id);
  assert.equal((await methods(p.token)).devices.length, 2);
  await expectStatus(api(p.token).updateUserMfaDeviceRaw({ environmentId: env(), mfaDeviceId: reg2.id,
    mFAUpdateDeviceRequest: { _default: true } }), 403, 'update while pending');
});

it('passkey as MFA: registerPasskeyMfaDevice(+Verify), then getPasskeyAuthenticationOptions and authenticateMfaPasskeyDevice upgrade the same sid', async () => {
  await setMfa({ enabled: true, required: false });
  // The official client in Node sends no Origin; a browser's is what picks the RP ID.
  const web = (token, headers = {}) => sdkApi(ctx, { token, headers: { Origin: APP_ORIGIN, ...headers } });
  const registerMfaPasskey = async (token, a, headers) => {
    const reg = await expectOk(web(token, headers).registerPasskeyMfaDeviceRaw({ environmentId: env() }), 200, 'register/passkey GET');
    return { reg, answer: (attestation = a.createVerify(reg.json.registration)) => web(token, headers)
      .registerPasskeyMfaDeviceVerifyRaw({ environmentId: env(), mFARegisterPasskeyDevicePostRequest: { id: reg.value.id, attestation } }) };
  };
  const authOptions = async (token) => (await expectOk(web(token).getPasskeyAuthenticationOptionsRaw({ environmentId: env() }),
    200, 'passkeys/authenticate')).json;
  const authPasskey = (token, assertion) => web(token).authenticateMfaPasskeyDeviceRaw({ environmentId: env(), passkeyAuthRequest: assertion });

  const u = await signIn();
  const a = new SoftAuthenticator(APP_ORIGIN);
  const none = await expectStatus(web(u.token).getPasskeyAuthenticationOptionsRaw({ environmentId: env() }), 404, 'options, no passkey');
  assert.equal(none.code, 'passkey_not_found');
  const { reg, answer } = await registerMfaPasskey(u.token, a);
  assert.equal(reg.value.type, 'passkey');
  assert.equal(typeof reg.value.id, 'string');
  const o = reg.value.registration;
  assert.equal(o.rp.id, 'localhost');
  assert.equal(Buffer.from(o.user.id, 'base64url').toString(), u.json.user.id, 'the user handle is the user id');
  assert.ok(o.pubKeyCredParams.some((p) => p.alg === -7 && p.type === 'public-key'), JSON.stringify(o.pubKeyCredParams));
  assert.ok(o.challenge.length >= 16);
  const att = a.createVerify(reg.json.registration);
  const badBody = await expectStatus(answer({ ...att, response: { attestationObject: att.response.attestationObject } }), 400,
    'an attestation without clientDataJSON');
  assert.match(badBody.error, /clientData/);
  const done = await expectOk(answer(att), 200, 'register/passkey POST');
  assert.ok(done.value.user.verifiedCredentials.some((c) => c.format === 'passkey'), 'the passkey is among the credentials');
  await verifySessionJwt(ctx, done.value.minifiedJwt);
  const m = (await expectOk(api(u.token).getUserMfaMethodsRaw({ environmentId: env() }), 200, 'methods')).value;
  assert.deepEqual(m.devices, []);
  assert.deepEqual(m.passkeys.map((p) => p.credentialId), [a.credentialId]);
  assert.equal(m.userHasVerifiedMfaMethods, true, 'a passkey is a verified method');

  // The passkey is a second factor now: the next sign-in is pending until it answers.
  const p = await signIn(u.wallet);
  assert.ok(scopes(p.token).includes('requiresAdditionalAuth'), `pending: ${claims(p.token).scope}`);
  const opts = await authOptions(p.token);
  assert.deepEqual(opts.allowCredentials.map((c) => [c.id, c.type]), [[a.credentialId, 'public-key']]);
  assert.equal(opts.rpId, 'localhost');
  assert.equal(opts.userVerification, 'preferred');
  assert.equal(typeof opts.timeout, 'number');
  const assertion = a.get(opts);
  const up = await expectOk(authPasskey(p.token, { ...assertion, createMfaToken: { singleUse: true } }), 200, 'auth/passkey');
  const c = claims(up.value.minifiedJwt);
  assert.equal(c.sid, p.sid, 'the upgraded token keeps the sid');
  assert.deepEqual(c.amr, ['wallet', 'passkey']);
  assert.ok(scopes(up.value.minifiedJwt).includes('user:basic'));
  assert.equal(typeof up.value.mfaToken, 'string', 'createMfaToken is honoured');
  await verifySessionJwt(ctx, up.value.minifiedJwt);
  await expectOk(api(up.value.minifiedJwt).getAuthenticatedUserRaw({ environmentId: env() }), 200, 'GET /users after auth/passkey');

  // The same assertion again: its challenge was taken.
  const p2 = await signIn(u.wallet);
  await expectStatus(authPasskey(p2.token, assertion), 422, 'a replayed assertion');
  await expectStatus(authPasskey(p2.token, { ...a.get(opts), response: undefined }), 400, 'an assertion without its response');
  // Another user's passkey does not pass for this one, though its options were this user's.
  const v = await signIn();
  const b = new SoftAuthenticator(APP_ORIGIN);
  await expectOk((await registerMfaPasskey(v.token, b)).answer(), 200, 'the other user registers');
  const pv = await signIn(v.wallet);
  const foreign = await expectStatus(authPasskey(pv.token, a.get(await authOptions(pv.token))), 404, 'another user\'s passkey');
  assert.equal(foreign.code, 'passkey_not_found');
  await expectStatus(web(pv.token).getUserPasskeysRaw({ environmentId: env() }), 403, 'pending: no passkey list');
  await expectOk(authPasskey(pv.token, b.get(await authOptions(pv.token))), 200, 'the user\'s own passkey');

  // A second passkey takes proof of a factor passed in the session; a pending session with a factor may not add one.
  const c2 = new SoftAuthenticator(APP_ORIGIN);
  const full = up.value.minifiedJwt;
  await expectStatus((await registerMfaPasskey(full, c2)).answer(), 403, 'a second passkey without proof');
  await expectStatus(web(p2.token).registerPasskeyMfaDeviceRaw({ environmentId: env() }), 403, 'a pending session adding a passkey');
  await expectOk((await registerMfaPasskey(full, c2, { 'x-mfa-auth-token': up.value.mfaToken })).answer(), 200,
    'a second passkey with the mfaToken');
  assert.equal((await authOptions(full)).allowCredentials.length, 2);
});
