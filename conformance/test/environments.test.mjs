// Environments group (5 ops) plus the public SDK settings/healthcheck reads.
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import {
  setup, clients, expectOk, expectStatus, http, assertError, assertErrorNames, uuid, UUID_RE,
} from '../harness.mjs';

const { ctx, it } = setup();

const SETTINGS_ARRAYS = ['chains', 'kyc'];
const SETTINGS_OBJECTS = ['design', 'general', 'privacy', 'sdk', 'security'];

function assertSettingsShape(s, what) {
  assert.ok(s && typeof s === 'object', `${what}: settings object expected, got ${JSON.stringify(s)}`);
  for (const k of SETTINGS_ARRAYS) assert.ok(Array.isArray(s[k]), `${what}: settings.${k} must be an array`);
  for (const k of SETTINGS_OBJECTS) {
    assert.ok(s[k] && typeof s[k] === 'object' && !Array.isArray(s[k]), `${what}: settings.${k} must be an object`);
  }
}

it('getEnvironmentById returns the sandbox environment with full settings', async () => {
  const api = clients(ctx);
  const r = await expectOk(api.envs.getEnvironmentByIdRaw({ environmentId: ctx.envId }));
  assert.equal(r.json.id, ctx.envId);
  assertSettingsShape(r.json.settings, 'GET /environments/{sandbox}');
  if (r.json.settings.environmentName !== undefined) assert.equal(r.json.settings.environmentName, 'sandbox');
  // the client model parses it
  assert.equal(r.value.id, ctx.envId);
  assert.ok(Array.isArray(r.value.settings.chains));
});

it('getEnvironmentById returns the live environment', async () => {
  const api = clients(ctx);
  const r = await expectOk(api.envs.getEnvironmentByIdRaw({ environmentId: ctx.liveEnvId }));
  assert.equal(r.json.id, ctx.liveEnvId);
  assertSettingsShape(r.json.settings, 'GET /environments/{live}');
  if (r.json.settings.environmentName !== undefined) assert.equal(r.json.settings.environmentName, 'live');
});

it('getEnvironmentsByProjectId returns {environments:{sandbox, live}} in full for the owner token', async () => {
  const api = clients(ctx);
  const r = await expectOk(api.envs.getEnvironmentsByProjectIdRaw({ projectId: ctx.projectId }));
  const envs = r.json.environments;
  assert.ok(envs, 'environments key');
  assert.equal(envs.sandbox.id, ctx.envId);
  assert.equal(envs.live.id, ctx.liveEnvId);
  assertSettingsShape(envs.sandbox.settings, 'environments.sandbox');
  assertSettingsShape(envs.live.settings, 'environments.live');
  assert.equal(r.value.environments.sandbox.id, ctx.envId);
});

it('getKeysForEnvironment returns {key:{id, publicKey}} with a base64 PEM public key, distinct per environment', async () => {
  const api = clients(ctx);
  const r = await expectOk(api.envs.getKeysForEnvironmentRaw({ environmentId: ctx.envId }));
  const { key } = r.json;
  assert.ok(key, 'key');
  assert.equal(typeof key.id, 'string');
  assert.ok(key.id.length > 0);
  assert.equal(typeof key.publicKey, 'string');
  assert.match(key.publicKey, /^[A-Za-z0-9+/]+={0,2}$/, 'publicKey must be plain base64');
  const pem = Buffer.from(key.publicKey, 'base64').toString('utf8');
  assert.match(pem, /^-----BEGIN (RSA )?PUBLIC KEY-----/, `decoded publicKey must be a PEM public key: ${pem.slice(0, 60)}`);
  const k = createPublicKey(pem);
  assert.equal(k.type, 'public');
  assert.equal(k.asymmetricKeyType, 'rsa', 'RS256 keys are RSA');

  const again = await expectOk(api.envs.getKeysForEnvironmentRaw({ environmentId: ctx.envId }));
  assert.deepEqual(again.json.key, key, 'keys are stable across reads');

  const live = await expectOk(api.envs.getKeysForEnvironmentRaw({ environmentId: ctx.liveEnvId }));
  assert.notEqual(live.json.key.publicKey, key.publicKey, 'each environment has its own key pair');
});

it('getVisitorsCountByEnvironmentId returns zero counters on a fresh database', async () => {
  const api = clients(ctx);
  const r = await expectOk(api.envs.getVisitorsCountByEnvironmentIdRaw({ environmentId: ctx.envId }));
  assert.deepEqual(r.json, {
    users: { count: 0, uniquePastMonth: 0 },
    visitors: { count: 0, uniquePastMonth: 0 },
  });
});

it('SDK getHealthcheck answers {status:"healthy"} without a token', async () => {
  const api = clients(ctx, null);
  const r = await expectOk(api.sdk.getHealthcheckRaw({ environmentId: ctx.envId }));
  assert.equal(r.json.status, 'healthy');
});

it('SDK getEnvironmentSettings is public and has the required arrays and objects', async () => {
  const api = clients(ctx, null);
  const r = await expectOk(api.sdk.getEnvironmentSettingsRaw({ environmentId: ctx.envId }));
  assertSettingsShape(r.json, 'GET /sdk/{env}/settings');
  assert.ok(Array.isArray(r.value.chains));
});

it('SDK getEnvironmentSettings: unknown environment -> 404, bad uuid -> 400', async () => {
  const api = clients(ctx, null);
  await expectStatus(api.sdk.getEnvironmentSettings({ environmentId: uuid() }), 404, 'unknown env');
  await expectStatus(api.sdk.getEnvironmentSettings({ environmentId: 'not-a-uuid' }), 400, 'bad uuid');
});

it('updateProjectSettings stores settings, returns them, and the public SDK settings reflect them', async () => {
  const api = clients(ctx);
  const before = await expectOk(api.envs.getEnvironmentByIdRaw({ environmentId: ctx.envId }));
  const liveBefore = await expectOk(api.envs.getEnvironmentByIdRaw({ environmentId: ctx.liveEnvId }));
  const cur = before.json.settings;
  // values chosen to differ from whatever the environment holds now
  const collectIp = !(cur.privacy?.collectIp ?? false);
  const multiWallet = !(cur.sdk?.multiWallet ?? false);
  const jwtDuration = cur.security?.jwtDuration?.unit === 'days' ? { amount: 45, unit: 'minutes' } : { amount: 7, unit: 'days' };
  assert.notEqual(cur.general?.displayName, 'Conformance App');
  const settings = structuredClone(cur);
  settings.general = { ...settings.general, displayName: 'Conformance App', supportEmail: 'support@example.com' };
  settings.security = { ...settings.security, jwtDuration };
  settings.privacy = { ...settings.privacy, collectIp };
  settings.sdk = { ...settings.sdk, multiWallet };

  // through the official client (ProjectSettingsToJSON on its own model)
  const model = before.value.settings;
  model.general = { ...model.general, displayName: 'Conformance App', supportEmail: 'support@example.com' };
  model.security = { ...model.security, jwtDuration };
  model.privacy = { ...model.privacy, collectIp };
  model.sdk = { ...model.sdk, multiWallet };
  const put = await expectOk(api.envs.updateProjectSettingsRaw({ environmentId: ctx.envId, projectSettings: model }));
  assertSettingsShape(put.json, 'PUT response');
  assert.equal(put.json.general.displayName, 'Conformance App');
  assert.equal(put.json.general.supportEmail, 'support@example.com');
  assert.deepEqual(put.json.security.jwtDuration, jwtDuration);
  assert.equal(put.json.privacy.collectIp, collectIp);
  assert.equal(put.json.sdk.multiWallet, multiWallet);

  const after = await expectOk(api.envs.getEnvironmentByIdRaw({ environmentId: ctx.envId }));
  assert.equal(after.json.settings.general.displayName, 'Conformance App');
  assert.deepEqual(after.json.settings.security.jwtDuration, jwtDuration);
  assert.equal(after.json.settings.privacy.collectIp, collectIp);
  assert.equal(after.json.settings.sdk.multiWallet, multiWallet);

  const pub = await expectOk(clients(ctx, null).sdk.getEnvironmentSettingsRaw({ environmentId: ctx.envId }));
  assertSettingsShape(pub.json, 'public settings');
  assert.equal(pub.json.general.displayName, 'Conformance App');
  assert.deepEqual(pub.json.security.jwtDuration, jwtDuration);
  assert.equal(pub.json.privacy.collectIp, collectIp);
  assert.equal(pub.json.sdk.multiWallet, multiWallet);

  // the sibling live environment is untouched
  const liveAfter = await expectOk(api.envs.getEnvironmentByIdRaw({ environmentId: ctx.liveEnvId }));
  assert.deepEqual(liveAfter.json.settings.general, liveBefore.json.settings.general);
  assert.deepEqual(liveAfter.json.settings.security, liveBefore.json.settings.security);

  // a second write of the same JSON document (raw) round-trips too
  settings.general.displayName = 'Conformance App 2';
  const raw = await http(ctx, 'PUT', `/environments/${ctx.envId}`, { token: ctx.token, body: settings });
  assert.equal(raw.status, 200, raw.text);
  assert.equal(raw.json.general.displayName, 'Conformance App 2');
  const pub2 = await http(ctx, 'GET', `/sdk/${ctx.envId}/settings`);
  assert.equal(pub2.status, 200);
  assert.equal(pub2.json.general.displayName, 'Conformance App 2');
});

it('updateProjectSettings rejects wrong types / unknown enum values with 400 naming the field, changing nothing', async () => {
  const api = clients(ctx);
  const before = await expectOk(api.envs.getEnvironmentByIdRaw({ environmentId: ctx.envId }));
  const base = before.json.settings;

  const cases = [
    ['environmentName', { ...structuredClone(base), environmentName: 'prod' }, /environmentName/],
    ['security.jwtDuration.unit', {
      ...structuredClone(base),
      general: { ...base.general, displayName: 'SHOULD NOT STICK' },
      security: { ...base.security, jwtDuration: { amount: 3, unit: 'weeks' } },
    }, /unit/],
    ['chains (wrong type)', { ...structuredClone(base), chains: 'evm' }, /chains/],
    ['privacy.collectIp (wrong type)', { ...structuredClone(base), privacy: { collectIp: 'yes' } }, /collectIp/],
  ];
  for (const [name, body, re] of cases) {
    const r = await http(ctx, 'PUT', `/environments/${ctx.envId}`, { token: ctx.token, body });
    const err = assertError(r, 400, `PUT settings with bad ${name}`);
    assertErrorNames(err, re, name);
  }
  const after = await expectOk(api.envs.getEnvironmentByIdRaw({ environmentId: ctx.envId }));
  assert.deepEqual(after.json.settings, base, 'rejected writes must not change settings');
});

it('updateProjectSettings: malformed JSON -> 400', async () => {
  const r = await http(ctx, 'PUT', `/environments/${ctx.envId}`, { token: ctx.token, rawBody: '{"general": {' });
  assertError(r, 400, 'malformed JSON');
});

it('invalid UUID in the path -> 400 on every environment route', async () => {
  const api = clients(ctx);
  await expectStatus(api.envs.getEnvironmentById({ environmentId: 'not-a-uuid' }), 400, 'GET /environments/not-a-uuid');
  await expectStatus(api.envs.getKeysForEnvironment({ environmentId: 'not-a-uuid' }), 400, 'keys');
  await expectStatus(api.envs.getVisitorsCountByEnvironmentId({ environmentId: 'not-a-uuid' }), 400, 'visitors');
  await expectStatus(api.envs.getEnvironmentsByProjectId({ projectId: 'not-a-uuid' }), 400, 'project envs');
  const r = await http(ctx, 'PUT', '/environments/not-a-uuid', { token: ctx.token, body: {} });
  assertError(r, 400, 'PUT /environments/not-a-uuid');
});

it('unknown environment / project ids -> 404 (or 403 when the server cannot place them)', async () => {
  const api = clients(ctx);
  await expectStatus(api.envs.getEnvironmentById({ environmentId: uuid() }), [403, 404], 'unknown env');
  await expectStatus(api.envs.getKeysForEnvironment({ environmentId: uuid() }), [403, 404], 'unknown env keys');
  await expectStatus(api.envs.getEnvironmentsByProjectId({ projectId: uuid() }), [403, 404], 'unknown project envs');
});

it('environment routes require a valid token (401)', async () => {
  const anon = clients(ctx, null);
  await expectStatus(anon.envs.getEnvironmentById({ environmentId: ctx.envId }), 401, 'no token');
  await expectStatus(anon.envs.getKeysForEnvironment({ environmentId: ctx.envId }), 401, 'no token keys');
  await expectStatus(anon.envs.getVisitorsCountByEnvironmentId({ environmentId: ctx.envId }), 401, 'no token visitors');
  await expectStatus(anon.envs.getEnvironmentsByProjectId({ projectId: ctx.projectId }), 401, 'no token project envs');
  const r = await http(ctx, 'PUT', `/environments/${ctx.envId}`, { body: {} });
  assertError(r, 401, 'PUT without token');
  const bogus = clients(ctx, 'dyn_' + 'A'.repeat(56));
  await expectStatus(bogus.envs.getEnvironmentById({ environmentId: ctx.envId }), 401, 'unknown token');
  assert.match(ctx.envId, UUID_RE);
});
