// Email and SMS one-time codes through the official client
// (@dynamic-labs/sdk-api@0.0.847): the environment enables emailOnly and
// sms providers with updateProjectSettings; createEmailVerification,
// retryEmailVerification, signInWithEmailVerification,
// verifyEmailVerification, the SMS sign-in, and retrySmsVerification with
// verifySmsVerification (a phone added to a signed-in wallet user), reading
// each code from the server's dev outbox (<db>.outbox.jsonl).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Wallet } from 'ethers';
import { setup, clients, sdkApi, expectOk, expectStatus, evmVerifyRequest, verifySessionJwt, UUID_RE } from '../harness.mjs';

const { ctx, it } = setup({ serveArgs: ['--rate-limits', 'off'] });

// lastCode is the code of the newest outbox message to `to`.
function lastCode(to) {
  const lines = fs.readFileSync(`${ctx.db}.outbox.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const m = lines.filter((l) => l.to.toLowerCase() === to.toLowerCase()).pop();
  assert.ok(m, `no message to ${to} in the outbox`);
  assert.match(m.code, /^[0-9]{6}$/);
  assert.ok(m.body.includes(m.code), 'the body carries the code');
  return m.code;
}

it('codes are refused until the environment enables the provider', async () => {
  await expectStatus(sdkApi(ctx).createEmailVerificationRaw({ environmentId: ctx.envId,
    emailVerificationCreateRequest: { email: 'ada@example.com' } }), 422);
  const api = clients(ctx);
  const env = await expectOk(api.envs.getEnvironmentByIdRaw({ environmentId: ctx.envId }));
  const model = env.value.settings;
  const now = new Date();
  model.providers = [{ provider: 'emailOnly', enabledAt: now }, { provider: 'sms', enabledAt: now }];
  await expectOk(api.envs.updateProjectSettingsRaw({ environmentId: ctx.envId, projectSettings: model }));
});

it('create, retry and signin sign a new user up with an email credential, then in again', async () => {
  const sdk = sdkApi(ctx);
  const created = await expectOk(sdk.createEmailVerificationRaw({ environmentId: ctx.envId,
    emailVerificationCreateRequest: { email: 'Ada@Example.com' } }));
  const vid = created.value.verificationUUID;
  assert.match(vid, UUID_RE);
  assert.equal(created.value.email, 'Ada@Example.com');
  const first = lastCode('ada@example.com');
  const retried = await expectOk(sdk.retryEmailVerificationRaw({ environmentId: ctx.envId,
    emailVerificationRetryRequest: { email: 'ada@example.com', verificationUUID: vid } }));
  assert.equal(retried.value.verificationUUID, vid);
  const code = lastCode('ada@example.com');
  if (code !== first) {
    await expectStatus(sdk.signInWithEmailVerificationRaw({ environmentId: ctx.envId,
      emailVerificationVerifyRequest: { verificationUUID: vid, verificationToken: first } }), 422);
  }
  const res = await expectOk(sdk.signInWithEmailVerificationRaw({ environmentId: ctx.envId,
    emailVerificationVerifyRequest: { verificationUUID: vid, verificationToken: code } }));
  const u = res.json.user;
  assert.equal(u.newUser, true);
  assert.equal(u.email, 'ada@example.com');
  assert.ok(u.verifiedCredentials.some((c) => c.format === 'email' && c.email === 'ada@example.com'), JSON.stringify(u));
  await verifySessionJwt(ctx, res.json.jwt);
  await expectStatus(sdk.signInWithEmailVerificationRaw({ environmentId: ctx.envId,
    emailVerificationVerifyRequest: { verificationUUID: vid, verificationToken: code } }), 422);

  const again = await expectOk(sdk.createEmailVerificationRaw({ environmentId: ctx.envId,
    emailVerificationCreateRequest: { email: 'ada@example.com' } }));
  const back = await expectOk(sdk.signInWithEmailVerificationRaw({ environmentId: ctx.envId,
    emailVerificationVerifyRequest: { verificationUUID: again.value.verificationUUID, verificationToken: lastCode('ada@example.com') } }));
  assert.equal(back.json.user.id, u.id);
  assert.equal(back.json.user.newUser, false);
});

it('verifyEmailVerification adds an email to a wallet user (UpdateSelfResponse)', async () => {
  const wallet = Wallet.createRandom();
  const signedIn = await expectOk(sdkApi(ctx).verifyRaw({ environmentId: ctx.envId, verifyRequest: await evmVerifyRequest(ctx, wallet) }));
  const sdk = sdkApi(ctx, { token: signedIn.json.minifiedJwt });
  const created = await expectOk(sdk.createEmailVerificationRaw({ environmentId: ctx.envId,
    emailVerificationCreateRequest: { email: 'grace@example.com' } }));
  const res = await expectOk(sdk.verifyEmailVerificationRaw({ environmentId: ctx.envId, emailVerificationVerifyRequest: {
    verificationUUID: created.value.verificationUUID, verificationToken: lastCode('grace@example.com') } }));
  assert.equal(res.json.nextView, 'done');
  assert.equal(res.json.user.id, signedIn.json.user.id);
  assert.equal(res.json.user.email, 'grace@example.com');
  assert.ok(res.json.user.verifiedCredentials.some((c) => c.format === 'email'));
  assert.equal(res.value.nextView, 'done', 'the client model parses the response');
});

it('smsVerifications: create and signin sign a user up with a phoneNumber credential in E.164', async () => {
  const sdk = sdkApi(ctx);
  const created = await expectOk(sdk.createSmsVerificationRaw({ environmentId: ctx.envId,
    smsVerificationCreateRequest: { phoneCountryCode: '1', phoneNumber: '4155550177', isoCountryCode: 'US' } }));
  assert.equal(created.value.isoCountryCode, 'US');
  const res = await expectOk(sdk.signInWithSmsVerificationRaw({ environmentId: ctx.envId, smsVerificationVerifyRequest: {
    verificationUUID: created.value.verificationUUID, verificationToken: lastCode('+14155550177') } }));
  assert.equal(res.json.user.newUser, true);
  assert.equal(res.json.user.phoneNumber, '+14155550177');
  assert.ok(res.json.user.verifiedCredentials.some((c) => c.format === 'phoneNumber'));
});

it('smsVerifications: retry sends a new code for the same verification, verify adds the phone to a wallet user (UpdateSelfResponse)', async () => {
  const wallet = Wallet.createRandom();
  const signedIn = await expectOk(sdkApi(ctx).verifyRaw({ environmentId: ctx.envId, verifyRequest: await evmVerifyRequest(ctx, wallet) }));
  const sdk = sdkApi(ctx, { token: signedIn.json.minifiedJwt });
  const phone = { phoneCountryCode: '1', phoneNumber: '4155550188', isoCountryCode: 'US' };
  const created = await expectOk(sdk.createSmsVerificationRaw({ environmentId: ctx.envId, smsVerificationCreateRequest: phone }));
  const vid = created.value.verificationUUID;
  const first = lastCode('+14155550188');

  const retried = await expectOk(sdk.retrySmsVerificationRaw({ environmentId: ctx.envId,
    smsVerificationRetryRequest: { ...phone, verificationUUID: vid } }));
  assert.deepEqual(retried.value, { verificationUUID: vid, phoneNumber: '4155550188', phoneCountryCode: '1', isoCountryCode: 'US' },
    `the client model parses the response: ${retried.text}`);
  const code = lastCode('+14155550188');
  for (const [what, req] of Object.entries({
    'an unknown verification': { ...phone, verificationUUID: '00000000-0000-4000-8000-000000000000' },
    'another number than the verification\'s': { ...phone, phoneNumber: '4155550199', verificationUUID: vid },
  })) {
    const body = await expectStatus(sdk.retrySmsVerificationRaw({ environmentId: ctx.envId, smsVerificationRetryRequest: req }), 422, what);
    assert.equal(body.code, 'invalid_sms_verification', `${what}: ${JSON.stringify(body)}`);
  }

  await expectStatus(sdkApi(ctx).verifySmsVerificationRaw({ environmentId: ctx.envId,
    smsVerificationVerifyRequest: { verificationUUID: vid, verificationToken: code } }), 401, 'verify needs the user\'s bearer');
  if (code !== first) {
    await expectStatus(sdk.verifySmsVerificationRaw({ environmentId: ctx.envId,
      smsVerificationVerifyRequest: { verificationUUID: vid, verificationToken: first } }), 422, 'the code the retry replaced');
  }
  const res = await expectOk(sdk.verifySmsVerificationRaw({ environmentId: ctx.envId,
    smsVerificationVerifyRequest: { verificationUUID: vid, verificationToken: code } }));
  assert.equal(res.value.nextView, 'done', 'the client model parses the response');
  assert.equal(res.value.user.id, signedIn.json.user.id);
  assert.equal(res.value.user.phoneNumber, '+14155550188');
  const phoneCred = res.value.user.verifiedCredentials.find((c) => c.format === 'phoneNumber');
  assert.deepEqual(phoneCred && [phoneCred.publicIdentifier, phoneCred.phoneNumber, phoneCred.phoneCountryCode, phoneCred.isoCountryCode],
    ['+14155550188', '4155550188', '1', 'US'], `the credential's number, in the parts the SMS routes speak in: ${JSON.stringify(res.json.user.verifiedCredentials)}`);
  assert.ok(res.value.user.verifiedCredentials.some((c) => c.format === 'blockchain'), 'the wallet stays');
  const body = await expectStatus(sdk.verifySmsVerificationRaw({ environmentId: ctx.envId,
    smsVerificationVerifyRequest: { verificationUUID: vid, verificationToken: code } }), 422, 'the code replayed');
  assert.equal(typeof body.code, 'string', JSON.stringify(body));
});
