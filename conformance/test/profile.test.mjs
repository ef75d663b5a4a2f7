// Custom fields (admin CustomFieldsApi) and the signed-in user's own
// profile (SDKApi getAuthenticatedUser / updateSelf / getUserFieldsCheck /
// hardDeleteUser), driven through the official client
// @dynamic-labs/sdk-api@0.0.847. Users sign in with a real SIWE signature.
import assert from 'node:assert/strict';
import { Wallet } from 'ethers';
import { Configuration, CustomFieldsApi } from '@dynamic-labs/sdk-api';
import { setup, sdkApi, expectOk, expectStatus, http, evmVerifyRequest, makeToken, UUID_RE } from '../harness.mjs';

const { ctx, it } = setup();
const state = {};

const fieldsApi = (token = ctx.token) => new CustomFieldsApi(new Configuration({
  basePath: ctx.basePath, accessToken: token, headers: { Authorization: `Bearer ${token}` },
}));

const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));

/** Sign a fresh wallet in to the sandbox; returns {id, token, jwt, sid, api}. */
async function signIn() {
  const wallet = Wallet.createRandom();
  const body = await evmVerifyRequest(ctx, wallet);
  const r = await expectOk(sdkApi(ctx).verifyRaw({ environmentId: ctx.envId, verifyRequest: body }), 200, 'verify');
  const token = r.json.minifiedJwt;
  return { id: r.json.user.id, token, jwt: r.json.jwt, sid: claims(token).sid, api: sdkApi(ctx, { token }) };
}

const me = async (u) => (await expectOk(u.api.getAuthenticatedUserRaw({ environmentId: ctx.envId }), 200, 'getAuthenticatedUser')).json;
const update = (u, userFields) => u.api.updateSelfRaw({ environmentId: ctx.envId, userFields });
const names = (l) => l.map((f) => f.name).join(',');

async function expect422(promise, code, field, what) {
  const body = await expectStatus(promise, 422, what);
  assert.equal(body.code, code, `${what}: code ${code}: ${JSON.stringify(body)}`);
  if (field) assert.ok(body.error.includes(field), `${what}: error names ${field}: ${body.error}`);
  return body;
}

// ------------------------------------------------------------ custom fields

it('CustomFieldsApi: create, list in position order, get, update (rename, move), delete', async () => {
  const api = fieldsApi();
  const env = ctx.envId;
  const create = (customFieldRequest) => api.createCustomFieldForEnvironmentRaw({ environmentId: env, customFieldRequest });

  const nick = (await expectOk(create({ name: 'Nickname', enabled: true, required: true, fieldType: 'text', position: 0,
    validationRules: { unique: true, regex: '^[a-zA-Z0-9]+$' } }), 200, 'create text')).json;
  assert.match(nick.id, UUID_RE);
  assert.equal(nick.key, 'nickname');
  assert.equal(nick.position, 0);
  assert.equal(nick.validationRules.unique, true);

  const colour = (await expectOk(create({ name: 'Colour', enabled: true, required: false, fieldType: 'select', position: 1,
    validationRules: { validOptions: [{ label: 'Red' }, { label: 'Blue', key: 'blue' }] } }), 200, 'create select')).value;
  assert.equal(colour.fieldType, 'select');
  assert.deepEqual(colour.validationRules.validOptions.map((o) => o.label), ['Red', 'Blue']);

  const terms = (await expectOk(create({ name: 'Terms', enabled: true, required: false, fieldType: 'checkbox', position: 0,
    validationRules: { checkboxText: 'I agree' } }), 200, 'create checkbox')).json;
  assert.equal(terms.position, 0);

  const list = (await expectOk(api.getCustomFieldsForEnvironmentRaw({ environmentId: env }), 200, 'list')).json;
  assert.equal(names(list), 'Terms,Nickname,Colour');
  assert.deepEqual(list.map((f) => f.position), [0, 1, 2]);

  const got = (await expectOk(api.getCustomFieldByIdRaw({ customFieldId: nick.id }), 200, 'get')).value;
  assert.equal(got.name, 'Nickname');
  assert.equal(got.validationRules.regex, '^[a-zA-Z0-9]+$');

  const moved = (await expectOk(api.updateCustomFieldByIdRaw({ customFieldId: terms.id, customFieldRequest: {
    name: 'Accept terms', enabled: true, required: false, fieldType: 'checkbox', position: 2,
    validationRules: { checkboxText: 'I agree' } } }), 200, 'update')).json;
  assert.equal(moved.key, 'terms', 'the key stays when the name changes');
  assert.equal(moved.position, 2);

  await expectOk(api.deleteCustomFieldByIdRaw({ customFieldId: moved.id }), 204, 'delete');
  await expectStatus(api.getCustomFieldById({ customFieldId: moved.id }), 404, 'deleted field');
  const after = (await expectOk(api.getCustomFieldsForEnvironmentRaw({ environmentId: env }), 200, 'list')).json;
  assert.equal(names(after), 'Nickname,Colour');
  assert.deepEqual(after.map((f) => f.position), [0, 1]);
  state.fields = { nick, colour };
});

it('CustomFieldsApi refusals: invalid_regex, repeated_options, duplicate_exists, invalid_position, bad type; nothing written', async () => {
  const api = fieldsApi();
  const base = { name: 'Other', enabled: true, required: false, fieldType: 'text', position: 0 };
  const create = (over) => api.createCustomFieldForEnvironment({ environmentId: ctx.envId, customFieldRequest: { ...base, ...over } });
  await expect422(create({ validationRules: { regex: '([a-' } }), 'invalid_regex', 'regex', 'invalid regex');
  await expect422(create({ fieldType: 'select', validationRules: { validOptions: [{ label: 'S' }, { label: 's' }] } }),
    'repeated_options', 'validOptions', 'repeated options');
  await expect422(create({ name: 'NICKNAME' }), 'duplicate_exists', 'name', 'duplicate name');
  await expect422(create({ position: 7 }), 'invalid_position', 'position', 'position past the end');
  await expect422(create({ position: -1 }), 'invalid_position', 'position', 'negative position');
  const bad = await http(ctx, 'POST', `/environments/${ctx.envId}/custom/fields`, { token: ctx.token, body: { ...base, fieldType: 'number' } });
  assert.equal(bad.status, 400, bad.text);
  assert.match(bad.json.error, /fieldType/);
  // Dynamic's own custom-fields CLI sends no position: accepted, appended.
  const noPos = await http(ctx, 'POST', `/environments/${ctx.envId}/custom/fields`, { token: ctx.token,
    body: { name: 'Team name', enabled: false, required: false, fieldType: 'text' } });
  assert.equal(noPos.status, 200, noPos.text);
  assert.equal(noPos.json.position, 2);
  await expectOk(api.deleteCustomFieldByIdRaw({ customFieldId: noPos.json.id }), 204, 'delete');
  const list = await api.getCustomFieldsForEnvironment({ environmentId: ctx.envId });
  assert.equal(names(list), 'Nickname,Colour');
});

it('CustomFieldsApi reach: another environment\'s token sees 404, a read-only token cannot write, no token is 401', async () => {
  const live = await makeToken(ctx, ctx.liveEnvId);
  await expectStatus(fieldsApi(live.raw).getCustomFieldById({ customFieldId: state.fields.nick.id }), 404, 'live token');
  const ro = await makeToken(ctx, ctx.envId, ['environment.settings.read']);
  const roApi = fieldsApi(ro.raw);
  await expectOk(roApi.getCustomFieldsForEnvironmentRaw({ environmentId: ctx.envId }), 200, 'read-only list');
  await expectStatus(roApi.deleteCustomFieldById({ customFieldId: state.fields.nick.id }), 403, 'read-only delete');
  const none = await http(ctx, 'GET', `/custom/fields/${state.fields.nick.id}`);
  assert.equal(none.status, 401, none.text);
});

it('getEnvironmentSettings carries the custom fields in customFields', async () => {
  const r = await expectOk(sdkApi(ctx).getEnvironmentSettingsRaw({ environmentId: ctx.envId }), 200, 'settings');
  const cf = r.json.customFields;
  assert.equal(names(cf), 'Nickname,Colour');
  assert.equal(cf[0].type, 'custom');
  assert.equal(cf[0].validationType, 'text');
  assert.equal(cf[0].unique, true);
  assert.equal(cf[0].required, true);
  assert.equal(cf[1].validationRules.validOptions.length, 2);
});

// ------------------------------------------------------------ the user's own profile

it('getAuthenticatedUser lists missingFields and the userDataForm scope until they are filled', async () => {
  const a = await signIn();
  const u = await me(a);
  assert.equal(u.id, a.id);
  assert.equal(names(u.missingFields), 'Nickname');
  assert.equal(u.missingFields[0].type, 'custom');
  assert.equal(u.scope, 'user:basic userDataForm');
  state.a = a;
});

it('updateSelf refuses bad values with 4xx naming the field, and changes nothing', async () => {
  const a = state.a;
  const before = JSON.stringify(await me(a));
  const cases = [
    [{ email: 'nope' }, 422, 'invalid_email', 'email'],
    [{ username: 'a b' }, 422, 'invalid_username', 'username'],
    [{ phoneNumber: 'call me' }, 422, 'invalid_phone', 'phoneNumber'],
    [{ country: 'USA' }, 400, undefined, 'country'],
    [{ email: 'ok@example.com', metadata: { Nickname: 'has spaces' } }, 422, 'invalid_metadata_value', 'metadata.Nickname'],
    [{ metadata: { Colour: 'Green' } }, 422, 'invalid_metadata_value', 'metadata.Colour'],
    [{ metadata: { Nickname: '' } }, 422, 'invalid_metadata_value', 'metadata.Nickname'],
    [{ metadata: { blob: 'x'.repeat(9000) } }, 422, 'metadata_size_exceeded', 'metadata'],
  ];
  for (const [fields, status, code, field] of cases) {
    const what = `updateSelf ${JSON.stringify(fields).slice(0, 60)}`;
    const body = await expectStatus(update(a, fields), status, what);
    if (code) assert.equal(body.code, code, `${what}: ${JSON.stringify(body)}`);
    assert.ok(body.error.includes(field), `${what}: error names ${field}: ${body.error}`);
  }
  assert.equal(JSON.stringify(await me(a)), before, 'refused updates leave the user as it was');
});

it('updateSelf stores the profile and returns fresh tokens for the same session', async () => {
  const a = state.a;
  const r = await expectOk(update(a, { email: 'Ada@Example.com', username: 'ada', alias: 'Ada', country: 'gb',
    metadata: { Nickname: 'Ada1', Colour: 'Blue', extra: { any: 'thing' } } }), 200, 'updateSelf');
  const j = r.json;
  assert.equal(j.nextView, 'done');
  assert.equal(j.user.email, 'Ada@Example.com');
  assert.equal(j.user.country, 'GB');
  assert.equal(j.user.metadata.Nickname, 'Ada1');
  assert.deepEqual(j.user.metadata.extra, { any: 'thing' });
  assert.deepEqual(j.user.missingFields, []);
  assert.equal(j.user.scope, 'user:basic');
  assert.equal(r.value.user.username, 'ada', 'the client model parses UpdateSelfResponse');
  assert.equal(typeof j.expiresAt, 'number');
  const c = claims(j.minifiedJwt);
  assert.equal(c.sid, a.sid, 'same session');
  assert.equal(c.sub, a.id);
  assert.equal(c.email, 'Ada@Example.com');
  assert.equal(claims(j.jwt).sid, a.sid);
  const fresh = sdkApi(ctx, { token: j.minifiedJwt });
  const u = await fresh.getAuthenticatedUser({ environmentId: ctx.envId });
  assert.equal(u.username, 'ada');
  state.fresh = j.minifiedJwt;
});

it('unique email, username and custom field values across users; getUserFieldsCheck answers availability', async () => {
  const b = await signIn();
  await expect422(update(b, { email: 'ada@example.COM' }), 'email_already_exists', 'email', 'email taken');
  await expect422(update(b, { username: 'ADA' }), 'username_already_exists', 'username', 'username taken');
  await expect422(update(b, { metadata: { Nickname: 'ada1' } }), 'custom_field_data_not_unique', 'Nickname', 'nickname taken');
  const check = async (u, field, value) => {
    const r = await expectOk(u.api.getUserFieldsCheckRaw({ environmentId: ctx.envId, filter: { field, value } }), 200, `check ${field}`);
    assert.equal(r.json.field, field);
    assert.equal(r.json.value, value);
    return r.json.available;
  };
  assert.equal(await check(b, 'username', 'Ada'), false);
  assert.equal(await check(b, 'username', 'bob'), true);
  assert.equal(await check(b, 'email', 'ADA@example.com'), false);
  assert.equal(await check(state.a, 'email', 'ada@example.com'), true, 'one\'s own value is available');
  assert.equal(await check(b, 'Nickname', 'ADA1'), false, 'unique custom fields can be checked too');
  await expectStatus(b.api.getUserFieldsCheck({ environmentId: ctx.envId, filter: { field: 'Colour', value: 'Red' } }), 400,
    'not a unique field');

  // Two users claim one unique value at once: exactly one gets it.
  const [c, d] = await Promise.all([signIn(), signIn()]);
  const results = await Promise.allSettled([c, d].map((u) => update(u, { metadata: { Nickname: 'race' } })));
  const won = results.filter((x) => x.status === 'fulfilled');
  assert.equal(won.length, 1, `exactly one update wins: ${results.map((x) => x.status)}`);
  const lost = results.find((x) => x.status === 'rejected');
  const resp = lost.reason.response ?? lost.reason; // the client throws the Response
  assert.equal(resp.status, 422, `the loser gets 422: ${lost.reason}`);
  assert.equal((await resp.json()).code, 'custom_field_data_not_unique');
  state.b = b;
});

it('hardDeleteUser deletes the user; their tokens are refused at once and their values are free', async () => {
  const a = state.a;
  await expectOk(a.api.hardDeleteUserRaw({ environmentId: ctx.envId }), 204, 'hardDeleteUser');
  for (const token of [a.token, state.fresh]) {
    await expectStatus(sdkApi(ctx, { token }).getAuthenticatedUser({ environmentId: ctx.envId }), 401, 'deleted user');
  }
  const r = await expectOk(update(state.b, { email: 'ada@example.com', username: 'ada', metadata: { Nickname: 'Ada1' } }), 200,
    'take over the freed values');
  assert.equal(r.json.user.username, 'ada');
});
