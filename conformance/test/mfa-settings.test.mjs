// MfaSettings group (3 ops): per-organization MFA for dashboard members.
import assert from 'node:assert/strict';
import { setup, clients, expectOk, expectStatus, http, assertError, makeToken, unique, uuid } from '../harness.mjs';

const { ctx, it } = setup();
const TYPES = ['email', 'passkey', 'totp'];

function checkEnabledAt(v, what) {
  if (v === null || v === undefined) return null;
  assert.equal(typeof v, 'string', `${what}: enabledAt must be null or an ISO date`);
  assert.ok(!Number.isNaN(Date.parse(v)), `${what}: enabledAt must parse: ${v}`);
  return v;
}

async function settingsOf(api, orgId) {
  const r = await expectOk(api.mfa.getOrganizationMfaSettingsRaw({ organizationId: orgId }));
  assert.ok(Array.isArray(r.json.mfaSettings), 'mfaSettings array');
  const types = r.json.mfaSettings.map((s) => s.mfaDeviceType).sort();
  assert.deepEqual(types, TYPES, 'lists totp, passkey and email exactly once');
  const out = {};
  for (const s of r.json.mfaSettings) out[s.mfaDeviceType] = checkEnabledAt(s.enabledAt, s.mfaDeviceType);
  // and the official client parses it
  for (const s of r.value.mfaSettings) assert.ok(s.enabledAt === null || s.enabledAt === undefined || s.enabledAt instanceof Date);
  return out;
}

it('getOrganizationMfaSettings lists totp/passkey/email, none enabled on a fresh org', async () => {
  const s = await settingsOf(clients(ctx), ctx.orgId);
  assert.deepEqual(s, { email: null, passkey: null, totp: null });
});

it('enable / disable round trip', async () => {
  const api = clients(ctx);
  const t0 = Date.now();
  const en = await expectOk(api.mfa.enableMfaDeviceForOrganizationRaw({ organizationId: ctx.orgId, mfaDeviceType: 'totp' }));
  assert.equal(en.json.mfaDeviceType, 'totp');
  const at = checkEnabledAt(en.json.enabledAt, 'enable totp');
  assert.ok(at, 'enabledAt set after enable');
  assert.ok(Math.abs(Date.parse(at) - t0) < 5 * 60_000, `enabledAt should be now-ish: ${at}`);
  assert.ok(en.value.enabledAt instanceof Date);

  let s = await settingsOf(api, ctx.orgId);
  assert.equal(s.totp, at);
  assert.equal(s.passkey, null);
  assert.equal(s.email, null);

  const pk = await expectOk(api.mfa.enableMfaDeviceForOrganizationRaw({ organizationId: ctx.orgId, mfaDeviceType: 'passkey' }));
  assert.equal(pk.json.mfaDeviceType, 'passkey');
  assert.ok(checkEnabledAt(pk.json.enabledAt, 'enable passkey'));

  const dis = await expectOk(api.mfa.disableMfaDeviceForOrganizationRaw({ organizationId: ctx.orgId, mfaDeviceType: 'totp' }));
  assert.equal(dis.json.mfaDeviceType, 'totp');
  assert.equal(checkEnabledAt(dis.json.enabledAt, 'disable totp'), null, 'enabledAt cleared after disable');

  s = await settingsOf(api, ctx.orgId);
  assert.equal(s.totp, null);
  assert.ok(s.passkey, 'passkey still enabled');
  assert.equal(s.email, null);

  // disabling twice is harmless; enabling email works too
  const dis2 = await expectOk(api.mfa.disableMfaDeviceForOrganizationRaw({ organizationId: ctx.orgId, mfaDeviceType: 'totp' }));
  assert.equal(checkEnabledAt(dis2.json.enabledAt, 'disable twice'), null);
  const em = await expectOk(api.mfa.enableMfaDeviceForOrganizationRaw({ organizationId: ctx.orgId, mfaDeviceType: 'email' }));
  assert.ok(checkEnabledAt(em.json.enabledAt, 'enable email'));
  await expectOk(api.mfa.disableMfaDeviceForOrganizationRaw({ organizationId: ctx.orgId, mfaDeviceType: 'email' }));
  await expectOk(api.mfa.disableMfaDeviceForOrganizationRaw({ organizationId: ctx.orgId, mfaDeviceType: 'passkey' }));
  s = await settingsOf(api, ctx.orgId);
  assert.deepEqual(s, { email: null, passkey: null, totp: null });
});

it('settings are per organization', async () => {
  const api = clients(ctx);
  const o = await expectOk(api.orgs.createOrganizationRaw({ organizationRequest: { name: unique('mfa org') } }));
  const other = o.json.organization.id;
  await expectOk(api.mfa.enableMfaDeviceForOrganizationRaw({ organizationId: other, mfaDeviceType: 'totp' }));
  const s1 = await settingsOf(api, other);
  assert.ok(s1.totp);
  const s0 = await settingsOf(api, ctx.orgId);
  assert.equal(s0.totp, null, 'the init organization is unaffected');
});

it('unknown device type -> 400; bad org id -> 400; unknown org -> 403/404', async () => {
  const api = clients(ctx);
  await expectStatus(api.mfa.enableMfaDeviceForOrganization({ organizationId: ctx.orgId, mfaDeviceType: 'sms' }), 400, 'enable sms');
  await expectStatus(api.mfa.disableMfaDeviceForOrganization({ organizationId: ctx.orgId, mfaDeviceType: 'yubikey' }), 400, 'disable yubikey');
  await expectStatus(api.mfa.getOrganizationMfaSettings({ organizationId: 'not-a-uuid' }), 400, 'bad org uuid');
  await expectStatus(api.mfa.getOrganizationMfaSettings({ organizationId: uuid() }), [403, 404], 'unknown org');
  const s = await settingsOf(api, ctx.orgId);
  assert.deepEqual(s, { email: null, passkey: null, totp: null });
});

it('auth: no token -> 401; env token cannot change org MFA (403)', async () => {
  const anon = clients(ctx, null);
  await expectStatus(anon.mfa.getOrganizationMfaSettings({ organizationId: ctx.orgId }), 401, 'no token get');
  await expectStatus(anon.mfa.enableMfaDeviceForOrganization({ organizationId: ctx.orgId, mfaDeviceType: 'totp' }), 401, 'no token enable');
  await expectStatus(anon.mfa.disableMfaDeviceForOrganization({ organizationId: ctx.orgId, mfaDeviceType: 'totp' }), 401, 'no token disable');
  const t = await makeToken(ctx, ctx.envId);
  const api = clients(ctx, t.raw);
  await expectStatus(api.mfa.enableMfaDeviceForOrganization({ organizationId: ctx.orgId, mfaDeviceType: 'totp' }), 403, 'env token enable');
  await expectStatus(api.mfa.disableMfaDeviceForOrganization({ organizationId: ctx.orgId, mfaDeviceType: 'totp' }), 403, 'env token disable');
  const r = await http(ctx, 'PUT', `/organizations/${ctx.orgId}/mfaSettings/totp/enable`, { token: t.raw });
  assertError(r, 403, 'raw env token enable');
  const s = await settingsOf(clients(ctx), ctx.orgId);
  assert.equal(s.totp, null);
});
