// The TestAccount group through the official client (@dynamic-labs/sdk-api@0.0.847):
// createTestAccount, getTestAccount, deleteTestAccount, and the SDK's email and
// SMS sign-ins of the sandbox's test addresses with the static code, which is
// never sent (the dev outbox holds no message to them).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { TestAccountApi, Configuration } from '@dynamic-labs/sdk-api';
import { setup, clients, sdkApi, expectOk, expectStatus, verifySessionJwt, makeToken } from '../harness.mjs';

const { ctx, it } = setup({ serveArgs: ['--rate-limits', 'off'] });
const state = {};

function api(token = ctx.token) {
  // The client sends no bearer on this group (behaviour.md): set it as a header.
  const cfg = new Configuration({ basePath: ctx.basePath, accessToken: token, headers: { Authorization: `Bearer ${token}` } });
  return new TestAccountApi(cfg);
}

function outboxTo(to) {
  const file = `${ctx.db}.outbox.jsonl`;
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l))
    .filter((m) => m.to.toLowerCase() === to.toLowerCase());
}

it('getTestAccount before one exists -> 404; email and SMS sign-in are enabled', async () => {
  const e = await expectStatus(api().getTestAccountRaw({ environmentId: ctx.envId }), 404);
  assert.equal(e.code, 'test_account_not_found');
  const admin = clients(ctx);
  const env = await expectOk(admin.envs.getEnvironmentByIdRaw({ environmentId: ctx.envId }));
  const model = env.value.settings;
  const now = new Date();
  model.providers = [{ provider: 'emailOnly', enabledAt: now }, { provider: 'sms', enabledAt: now }];
  await expectOk(admin.envs.updateProjectSettingsRaw({ environmentId: ctx.envId, projectSettings: model }));
});

it('createTestAccount -> {code, email, phone}; getTestAccount answers the same; a token without settings:write is refused', async () => {
  const r = await expectOk(api().createTestAccountRaw({ environmentId: ctx.envId }));
  assert.match(r.value.code, /^[0-9]{6}$/);
  assert.match(r.value.email, /\+dynamic_test@/);
  assert.match(r.value.phone, /^\+1555[0-9]{7}$/);
  const g = await expectOk(api().getTestAccountRaw({ environmentId: ctx.envId }));
  assert.deepEqual(g.json, r.json);
  state.code = r.value.code;
  const reader = (await makeToken(ctx, ctx.envId, ['environment.settings.read'])).raw;
  await expectStatus(api(reader).createTestAccountRaw({ environmentId: ctx.envId }), 403);
  await expectOk(api(reader).getTestAccountRaw({ environmentId: ctx.envId }));
  await expectStatus(api('dyn_' + 'x'.repeat(56)).getTestAccountRaw({ environmentId: ctx.envId }), 401);
});

it('a +dynamic_test email signs in with the static code, which is not sent; a wrong code is refused', async () => {
  const sdk = sdkApi(ctx);
  const email = 'Reviewer+dynamic_test@store.example';
  const created = await expectOk(sdk.createEmailVerificationRaw({ environmentId: ctx.envId,
    emailVerificationCreateRequest: { email } }));
  const vid = created.value.verificationUUID;
  const wrong = state.code === '000000' ? '000001' : '000000';
  await expectStatus(sdk.signInWithEmailVerificationRaw({ environmentId: ctx.envId,
    emailVerificationVerifyRequest: { verificationUUID: vid, verificationToken: wrong } }), 422);
  const res = await expectOk(sdk.signInWithEmailVerificationRaw({ environmentId: ctx.envId,
    emailVerificationVerifyRequest: { verificationUUID: vid, verificationToken: state.code } }));
  assert.equal(res.json.user.email, email.toLowerCase());
  await verifySessionJwt(ctx, res.json.jwt);
  assert.deepEqual(outboxTo(email), [], 'the static code was sent');
});

it('a +1 (555) number signs in with the static code, not sent', async () => {
  const sdk = sdkApi(ctx);
  const created = await expectOk(sdk.createSmsVerificationRaw({ environmentId: ctx.envId,
    smsVerificationCreateRequest: { phoneCountryCode: '1', phoneNumber: '5550104242', isoCountryCode: 'US' } }));
  const res = await expectOk(sdk.signInWithSmsVerificationRaw({ environmentId: ctx.envId, smsVerificationVerifyRequest: {
    verificationUUID: created.value.verificationUUID, verificationToken: state.code } }));
  assert.equal(res.json.user.phoneNumber, '+15550104242');
  assert.deepEqual(outboxTo('+15550104242'), []);
});

it('deleteTestAccount -> 204, then 404; a test address gets a code of its own again', async () => {
  await expectOk(api().deleteTestAccountRaw({ environmentId: ctx.envId }), 204);
  await expectStatus(api().deleteTestAccountRaw({ environmentId: ctx.envId }), 404);
  await expectStatus(api().getTestAccountRaw({ environmentId: ctx.envId }), 404);
  const email = 'after+dynamic_test@store.example';
  await expectOk(sdkApi(ctx).createEmailVerificationRaw({ environmentId: ctx.envId, emailVerificationCreateRequest: { email } }));
  assert.equal(outboxTo(email).length, 1, 'an ordinary code is sent');
});
