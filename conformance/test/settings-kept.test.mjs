// Settings members the official client has no model for survive an update
// through it. @dynamic-labs/sdk-api 0.0.847's ProjectSettings knows neither
// security.mfa.enrollment, the MFA actions' tokenBehavior and
// tokenExpirySeconds, externalAuth's assumeEmailVerified and algorithms,
// nor security.passkeys, nor security.deviceRegistrationRequired (newer), so ProjectSettingsToJSON drops them when
// updateProjectSettings sends the settings back. A PUT without them keeps
// the stored values; an explicit null (plain JSON) clears them.
import assert from 'node:assert/strict';
import { setup, clients, sdkApi, expectOk, http, unique } from '../harness.mjs';

const { ctx, it } = setup();
const env = () => ctx.envId;

const stored = async () => (await http(ctx, 'GET', `/environments/${env()}`, { token: ctx.token })).json.settings;

/** PUT security with some members replaced, as plain JSON. */
async function putSecurity(members) {
  const cur = await stored();
  cur.security = { ...cur.security, ...members };
  const r = await http(ctx, 'PUT', `/environments/${env()}`, { token: ctx.token, body: cur });
  assert.equal(r.status, 200, r.text);
}

const extensions = {
  mfa: { enabled: true, required: true, enrollment: 'action',
    actions: [{ action: 'user.update', required: true, tokenBehavior: 'single_use', tokenExpirySeconds: 60 }] },
  externalAuth: { enabled: true, iss: 'https://app.example', jwksUrl: 'https://app.example/jwks',
    assumeEmailVerified: true, algorithms: ['ES256'] },
  passkeys: { userVerification: 'required' },
  deviceRegistrationRequired: true,
};

it('an update through the official client keeps the members its model does not know', async () => {
  await putSecurity(extensions);

  const envs = clients(ctx).envs;
  const settings = (await expectOk(envs.getEnvironmentByIdRaw({ environmentId: env() }))).value.settings;
  assert.equal(settings.security.mfa.enrollment, undefined, 'the client model has no enrollment');
  const name = unique('renamed');
  await expectOk(envs.updateProjectSettingsRaw({ environmentId: env(),
    projectSettings: { ...settings, general: { ...settings.general, displayName: name } } }), 200, 'update by the client');

  const after = await stored();
  assert.equal(after.general.displayName, name, 'the update itself applied');
  assert.equal(after.security.mfa.enrollment, 'action');
  assert.deepEqual(after.security.mfa.actions,
    [{ action: 'user.update', required: true, tokenBehavior: 'single_use', tokenExpirySeconds: 60 }]);
  assert.equal(after.security.externalAuth.assumeEmailVerified, true);
  assert.deepEqual(after.security.externalAuth.algorithms, ['ES256']);
  assert.deepEqual(after.security.passkeys, { userVerification: 'required' });
  assert.equal(after.security.deviceRegistrationRequired, true);

  const sdk = await expectOk(sdkApi(ctx).getEnvironmentSettingsRaw({ environmentId: env() }), 200, 'sdk settings');
  assert.equal(sdk.json.security.mfa.enrollment, 'action', 'applied, as the SDK is told');
});

it('an explicit null clears them', async () => {
  const cur = await stored();
  cur.security.mfa.enrollment = null;
  cur.security.mfa.actions = [{ action: 'user.update', required: true, tokenBehavior: null, tokenExpirySeconds: null }];
  cur.security.externalAuth = { ...cur.security.externalAuth, assumeEmailVerified: null, algorithms: null };
  cur.security.passkeys = null;
  cur.security.deviceRegistrationRequired = null;
  const r = await http(ctx, 'PUT', `/environments/${env()}`, { token: ctx.token, body: cur });
  assert.equal(r.status, 200, r.text);
  const after = await stored();
  assert.equal('enrollment' in after.security.mfa, false);
  assert.deepEqual(after.security.mfa.actions, [{ action: 'user.update', required: true }]);
  assert.equal('assumeEmailVerified' in after.security.externalAuth, false);
  assert.equal('algorithms' in after.security.externalAuth, false);
  assert.equal('passkeys' in after.security, false);
  assert.equal('deviceRegistrationRequired' in after.security, false);
});
