// Tokens group (3 ops) and the reach/scope rules of environment API tokens.
import assert from 'node:assert/strict';
import {
  setup, clients, expectOk, expectStatus, http, assertError, assertErrorNames, assertIsoDate,
  makeToken, uuid, unique, UUID_RE, RAW_TOKEN_RE,
} from '../harness.mjs';

const { ctx, it } = setup();

it('postToken returns {token: TokenWithRaw} with a dyn_ raw token shown once', async () => {
  const api = clients(ctx);
  const before = await expectOk(api.tokens.getTokensRaw({ environmentId: ctx.envId }));
  assert.ok(Array.isArray(before.json.tokens), 'tokens must be an array');
  const n0 = before.json.tokens.length;

  const note = unique('ci token');
  const r = await expectOk(api.tokens.postTokenRaw({ environmentId: ctx.envId, postTokenFields: { note } }), 200);
  const t = r.json.token;
  assert.ok(t, 'token key');
  assert.match(t.id, UUID_RE);
  assert.match(t.rawToken, RAW_TOKEN_RE);
  assert.equal(t.checksum, t.rawToken.slice(-6), 'checksum is the last 6 characters of rawToken');
  assert.equal(t.note, note);
  assertIsoDate(t.createdAt, 'createdAt');
  assert.ok(t.createdBy && typeof t.createdBy.id === 'string', 'createdBy.id');
  if (t.projectEnvironmentId !== undefined) assert.equal(t.projectEnvironmentId, ctx.envId);
  if (t.projectEnvironment?.id !== undefined) assert.equal(t.projectEnvironment.id, ctx.envId);
  assert.equal(r.value.token.rawToken, t.rawToken);
  assert.ok(r.value.token.createdAt instanceof Date);

  const after = await expectOk(api.tokens.getTokensRaw({ environmentId: ctx.envId }));
  assert.equal(after.json.tokens.length, n0 + 1);
  const listed = after.json.tokens.find((x) => x.id === t.id);
  assert.ok(listed, 'new token is listed');
  assert.equal(listed.note, note);
  assert.equal(listed.checksum, t.checksum);
  assertIsoDate(listed.createdAt, 'listed createdAt');
  assert.ok(!after.text.includes('rawToken'), 'getTokens never contains rawToken');
  assert.ok(!after.text.includes(t.rawToken), 'getTokens never contains the raw value');
  assert.ok(!after.text.includes(t.rawToken.slice(4, -6)), 'getTokens never contains the raw secret part');
  assert.ok(after.value.tokens.some((x) => x.id === t.id));

  // the new token (all scopes, as none were given) works on its environment
  const mine = clients(ctx, t.rawToken);
  const env = await expectOk(mine.envs.getEnvironmentByIdRaw({ environmentId: ctx.envId }));
  assert.equal(env.json.id, ctx.envId);
  await expectOk(mine.tokens.getTokensRaw({ environmentId: ctx.envId }));
  await expectOk(mine.origins.getOriginsRaw({ environmentId: ctx.envId }));
});

it('two tokens are distinct; empty scopes means all environment scopes', async () => {
  const a = await makeToken(ctx, ctx.envId, []);
  const b = await makeToken(ctx, ctx.envId);
  assert.notEqual(a.raw, b.raw);
  assert.notEqual(a.id, b.id);
  for (const tok of [a, b]) {
    const api = clients(ctx, tok.raw);
    await expectOk(api.envs.getEnvironmentByIdRaw({ environmentId: ctx.envId }));
    await expectOk(api.envs.getKeysForEnvironmentRaw({ environmentId: ctx.envId }));
    await expectOk(api.tokens.getTokensRaw({ environmentId: ctx.envId }));
    const o = await expectOk(api.origins.addOriginRaw({ environmentId: ctx.envId, inlineObject: { origin: `https://${unique('all')}.example.com` } }), 201);
    await expectOk(api.origins.deleteOriginByIdRaw({ originId: o.json.origin.id }), 204);
  }
});

it('postToken with explicit scopes records them', async () => {
  const scopes = ['environment.settings.read', 'environment.apiTokens.read'];
  const t = await makeToken(ctx, ctx.envId, scopes);
  if (t.json.scopes !== undefined) assert.deepEqual([...t.json.scopes].sort(), [...scopes].sort());
  const list = await expectOk(clients(ctx).tokens.getTokensRaw({ environmentId: ctx.envId }));
  const listed = list.json.tokens.find((x) => x.id === t.id);
  assert.ok(listed);
  if (listed.scopes !== undefined) assert.deepEqual([...listed.scopes].sort(), [...scopes].sort());
});

it('postToken validation: missing note / unknown scope -> 400 naming the field; malformed JSON -> 400', async () => {
  let r = await http(ctx, 'POST', `/environments/${ctx.envId}/tokens`, { token: ctx.token, body: {} });
  assertErrorNames(assertError(r, 400, 'missing note'), /note/, 'missing note');
  r = await http(ctx, 'POST', `/environments/${ctx.envId}/tokens`, { token: ctx.token, body: { note: 'x', scopes: ['environment.everything'] } });
  assertErrorNames(assertError(r, 400, 'bad scope'), /scopes/, 'bad scope');
  r = await http(ctx, 'POST', `/environments/${ctx.envId}/tokens`, { token: ctx.token, body: { note: 7 } });
  assertErrorNames(assertError(r, 400, 'note wrong type'), /note/, 'note wrong type');
  r = await http(ctx, 'POST', `/environments/${ctx.envId}/tokens`, { token: ctx.token, rawBody: '{"note":' });
  assertError(r, 400, 'malformed JSON');
});

it('deleteTokenById -> 204; the deleted token gets 401 on its very next request; it leaves the list', async () => {
  const api = clients(ctx);
  const t = await makeToken(ctx, ctx.envId);
  const mine = clients(ctx, t.raw);
  await expectOk(mine.envs.getEnvironmentByIdRaw({ environmentId: ctx.envId }));
  await expectOk(api.tokens.deleteTokenByIdRaw({ environmentId: ctx.envId, tokenId: t.id }), 204);
  await expectStatus(mine.envs.getEnvironmentById({ environmentId: ctx.envId }), 401, 'deleted token');
  await expectStatus(mine.tokens.getTokens({ environmentId: ctx.envId }), 401, 'deleted token, tokens');
  const list = await expectOk(api.tokens.getTokensRaw({ environmentId: ctx.envId }));
  assert.ok(!list.json.tokens.some((x) => x.id === t.id), 'deleted token is no longer listed');
  // deleting again / an unknown id -> 404
  await expectStatus(api.tokens.deleteTokenById({ environmentId: ctx.envId, tokenId: t.id }), 404, 'delete twice');
  await expectStatus(api.tokens.deleteTokenById({ environmentId: ctx.envId, tokenId: uuid() }), 404, 'unknown token id');
  await expectStatus(api.tokens.deleteTokenById({ environmentId: ctx.envId, tokenId: 'nope' }), 400, 'bad token id');
});

it('a token can delete itself and is refused right after', async () => {
  const t = await makeToken(ctx, ctx.envId);
  const mine = clients(ctx, t.raw);
  await expectOk(mine.tokens.deleteTokenByIdRaw({ environmentId: ctx.envId, tokenId: t.id }), 204);
  await expectStatus(mine.tokens.getTokens({ environmentId: ctx.envId }), 401, 'self-deleted token');
});

it('a token of one environment cannot list/delete tokens of another environment (403)', async () => {
  const sandboxTok = await makeToken(ctx, ctx.envId);
  const liveTok = await makeToken(ctx, ctx.liveEnvId);
  const s = clients(ctx, sandboxTok.raw);
  await expectStatus(s.tokens.getTokens({ environmentId: ctx.liveEnvId }), 403, 'sandbox token on live tokens');
  await expectStatus(s.tokens.postToken({ environmentId: ctx.liveEnvId, postTokenFields: { note: 'x' } }), 403, 'sandbox token posting live token');
  await expectStatus(s.tokens.deleteTokenById({ environmentId: ctx.liveEnvId, tokenId: liveTok.id }), 403, 'sandbox token deleting live token');
  // a token id from another environment is not found through this one
  await expectStatus(clients(ctx).tokens.deleteTokenById({ environmentId: ctx.envId, tokenId: liveTok.id }), 404, 'live token via sandbox path');
  // and the live token still works on live
  await expectOk(clients(ctx, liveTok.raw).envs.getEnvironmentByIdRaw({ environmentId: ctx.liveEnvId }));
  await expectStatus(clients(ctx, liveTok.raw).envs.getEnvironmentById({ environmentId: ctx.envId }), 403, 'live token on sandbox');
});

it('scope environment.settings.read: reads settings/keys/statistics/origins; no writes, no tokens', async () => {
  const t = await makeToken(ctx, ctx.envId, ['environment.settings.read']);
  const api = clients(ctx, t.raw);
  const e = ctx.envId;
  await expectOk(api.envs.getEnvironmentByIdRaw({ environmentId: e }));
  await expectOk(api.envs.getKeysForEnvironmentRaw({ environmentId: e }));
  await expectOk(api.envs.getVisitorsCountByEnvironmentIdRaw({ environmentId: e }));
  await expectOk(api.origins.getOriginsRaw({ environmentId: e }));
  const cur = await expectOk(clients(ctx).envs.getEnvironmentByIdRaw({ environmentId: e }));
  const r = await http(ctx, 'PUT', `/environments/${e}`, { token: t.raw, body: cur.json.settings });
  assertError(r, 403, 'PUT settings with settings.read');
  await expectStatus(api.origins.addOrigin({ environmentId: e, inlineObject: { origin: 'https://ro.example.com' } }), 403, 'addOrigin with settings.read');
  await expectStatus(api.tokens.getTokens({ environmentId: e }), 403, 'getTokens with settings.read');
  await expectStatus(api.tokens.postToken({ environmentId: e, postTokenFields: { note: 'x' } }), 403, 'postToken with settings.read');
  await expectStatus(api.tokens.deleteTokenById({ environmentId: e, tokenId: t.id }), 403, 'deleteToken with settings.read');
});

it('scope environment.settings.write: updates settings and origins, cannot read tokens', async () => {
  const t = await makeToken(ctx, ctx.envId, ['environment.settings.write']);
  const api = clients(ctx, t.raw);
  const e = ctx.envId;
  const cur = await expectOk(clients(ctx).envs.getEnvironmentByIdRaw({ environmentId: e }));
  const body = structuredClone(cur.json.settings);
  body.general = { ...body.general, displayName: 'written by settings.write' };
  const r = await http(ctx, 'PUT', `/environments/${e}`, { token: t.raw, body });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.general.displayName, 'written by settings.write');
  const o = await expectOk(api.origins.addOriginRaw({ environmentId: e, inlineObject: { origin: 'https://rw.example.com' } }), 201);
  await expectOk(api.origins.deleteOriginByIdRaw({ originId: o.json.origin.id }), 204);
  await expectStatus(api.tokens.getTokens({ environmentId: e }), 403, 'getTokens with settings.write');
});

it('scope environment.apiTokens.read / .write', async () => {
  const e = ctx.envId;
  const ro = clients(ctx, (await makeToken(ctx, e, ['environment.apiTokens.read'])).raw);
  const list = await expectOk(ro.tokens.getTokensRaw({ environmentId: e }));
  assert.ok(Array.isArray(list.json.tokens));
  await expectStatus(ro.tokens.postToken({ environmentId: e, postTokenFields: { note: 'x' } }), 403, 'postToken with apiTokens.read');
  await expectStatus(ro.envs.getEnvironmentById({ environmentId: e }), 403, 'env read with apiTokens.read');
  await expectStatus(ro.origins.getOrigins({ environmentId: e }), 403, 'origins read with apiTokens.read');

  const victim = await makeToken(ctx, e);
  const rw = clients(ctx, (await makeToken(ctx, e, ['environment.apiTokens.write'])).raw);
  await expectStatus(rw.tokens.getTokens({ environmentId: e }), 403, 'getTokens with apiTokens.write only');
  const made = await expectOk(rw.tokens.postTokenRaw({ environmentId: e, postTokenFields: { note: 'by writer', scopes: ['environment.apiTokens.write'] } }), 200);
  assert.match(made.json.token.rawToken, RAW_TOKEN_RE);
  await expectOk(rw.tokens.deleteTokenByIdRaw({ environmentId: e, tokenId: victim.id }), 204);
  await expectStatus(clients(ctx, victim.raw).envs.getEnvironmentById({ environmentId: e }), 401, 'victim token after delete');
});

it('env token reach: reads its own project and organization, 403 on the sibling env and on writes', async () => {
  const t = await makeToken(ctx, ctx.envId);
  const api = clients(ctx, t.raw);

  const org = await expectOk(api.orgs.getOrganizationByIdRaw({ organizationId: ctx.orgId }));
  assert.equal(org.json.id, ctx.orgId);
  const proj = await expectOk(api.projects.getProjectByIdRaw({ projectId: ctx.projectId }));
  assert.equal(proj.json.id, ctx.projectId);

  const envs = await expectOk(api.envs.getEnvironmentsByProjectIdRaw({ projectId: ctx.projectId }));
  assert.equal(envs.json.environments.sandbox.id, ctx.envId);
  assert.ok(envs.json.environments.sandbox.settings, 'reached env is shown with settings');
  assert.ok(Array.isArray(envs.json.environments.sandbox.settings.chains));
  assert.equal(envs.json.environments.live.id, ctx.liveEnvId);
  assert.equal(envs.json.environments.live.settings, undefined, 'sibling env is shown with its id only (no settings)');

  const live = ctx.liveEnvId;
  await expectStatus(api.envs.getEnvironmentById({ environmentId: live }), 403, 'sibling env GET');
  await expectStatus(api.envs.getKeysForEnvironment({ environmentId: live }), 403, 'sibling env keys');
  await expectStatus(api.envs.getVisitorsCountByEnvironmentId({ environmentId: live }), 403, 'sibling env visitors');
  await expectStatus(api.tokens.getTokens({ environmentId: live }), 403, 'sibling env tokens');
  await expectStatus(api.origins.getOrigins({ environmentId: live }), 403, 'sibling env origins');
  // public SDK settings of the sibling env stay public
  await expectOk(api.sdk.getEnvironmentSettingsRaw({ environmentId: live }));
  const cur = await expectOk(clients(ctx).envs.getEnvironmentByIdRaw({ environmentId: live }));
  const r = await http(ctx, 'PUT', `/environments/${live}`, { token: t.raw, body: cur.json.settings });
  assertError(r, 403, 'sibling env PUT');

  await expectStatus(api.orgs.updateOrganizationById({ organizationId: ctx.orgId, organizationFields: { name: 'hijack' } }), 403, 'org write');
  await expectStatus(api.orgs.updateOrganizationAddressById({ organizationId: ctx.orgId, organizationAddressFields: { city: 'x' } }), 403, 'org address write');
  await expectStatus(api.orgs.createOrganization({ organizationRequest: { name: 'by env token' } }), 403, 'createOrganization');
  await expectStatus(api.projects.updateProject({ projectId: ctx.projectId, updateProjectRequest: { name: 'hijack' } }), 403, 'project write');
  await expectStatus(api.projects.createProject({ organizationId: ctx.orgId, projectRequest: { name: 'x' } }), 403, 'createProject');
  await expectStatus(api.projects.deleteProjectById({ projectId: ctx.projectId }), 403, 'deleteProject');
  await expectStatus(api.mfa.enableMfaDeviceForOrganization({ organizationId: ctx.orgId, mfaDeviceType: 'totp' }), 403, 'mfa enable');
  await expectStatus(api.invites.createInvite({ organizationId: ctx.orgId, inviteSendRequest: { email: 'x@example.com', role: 'developer' } }), 403, 'createInvite');

  // the org/project stayed as they were
  const org2 = await expectOk(clients(ctx).orgs.getOrganizationByIdRaw({ organizationId: ctx.orgId }));
  assert.notEqual(org2.json.name, 'hijack');
  const proj2 = await expectOk(clients(ctx).projects.getProjectByIdRaw({ projectId: ctx.projectId }));
  assert.notEqual(proj2.json.name, 'hijack');
});

it('env token cannot reach another project of the same organization', async () => {
  const owner = clients(ctx);
  const p = await expectOk(owner.projects.createProjectRaw({ organizationId: ctx.orgId, projectRequest: { name: unique('other') } }));
  const other = p.json.project;
  const otherSandbox = other.projectEnvironments.find((x) => x.environmentName === 'sandbox').id;
  const t = await makeToken(ctx, ctx.envId);
  const api = clients(ctx, t.raw);
  await expectStatus(api.projects.getProjectById({ projectId: other.id }), 403, 'other project');
  await expectStatus(api.envs.getEnvironmentsByProjectId({ projectId: other.id }), 403, 'other project envs');
  await expectStatus(api.envs.getEnvironmentById({ environmentId: otherSandbox }), 403, 'other project env');
  await expectStatus(api.tokens.getTokens({ environmentId: otherSandbox }), 403, 'other project tokens');
  await expectStatus(api.tokens.postToken({ environmentId: otherSandbox, postTokenFields: { note: 'x' } }), 403, 'other project postToken');
});

it('missing / unknown / malformed credentials -> 401 {error}', async () => {
  const e = ctx.envId;
  await expectStatus(clients(ctx, null).tokens.getTokens({ environmentId: e }), 401, 'no token');
  await expectStatus(clients(ctx, null).tokens.postToken({ environmentId: e, postTokenFields: { note: 'x' } }), 401, 'no token post');
  await expectStatus(clients(ctx, null).tokens.deleteTokenById({ environmentId: e, tokenId: uuid() }), 401, 'no token delete');
  await expectStatus(clients(ctx, 'dyn_' + 'b'.repeat(56)).tokens.getTokens({ environmentId: e }), 401, 'unknown token');
  await expectStatus(clients(ctx, 'not-a-dyn-token').tokens.getTokens({ environmentId: e }), 401, 'garbage token');
  const r = await http(ctx, 'GET', `/environments/${e}/tokens`, { headers: { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
  assertError(r, 401, 'Basic auth');
});
