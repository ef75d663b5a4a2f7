// Projects group (5 ops).
import assert from 'node:assert/strict';
import {
  setup, clients, expectOk, expectStatus, http, assertError, assertErrorNames, makeToken, uuid, unique, UUID_RE,
} from '../harness.mjs';

const { ctx, it } = setup();
const state = {};

function envsByName(p) {
  assert.ok(Array.isArray(p.projectEnvironments), `projectEnvironments array: ${JSON.stringify(p)}`);
  assert.equal(p.projectEnvironments.length, 2, 'a project has exactly two environments');
  const byName = Object.fromEntries(p.projectEnvironments.map((e) => [e.environmentName, e.id]));
  assert.deepEqual(Object.keys(byName).sort(), ['live', 'sandbox']);
  for (const id of Object.values(byName)) assert.match(id, UUID_RE);
  assert.notEqual(byName.sandbox, byName.live);
  return byName;
}

it('getProjects lists the init project with its two environments', async () => {
  const api = clients(ctx);
  const r = await expectOk(api.projects.getProjectsRaw({ organizationId: ctx.orgId }));
  assert.ok(Array.isArray(r.json.projects));
  const p = r.json.projects.find((x) => x.id === ctx.projectId);
  assert.ok(p, 'init project listed');
  assert.equal(p.organizationId, ctx.orgId);
  assert.equal(typeof p.name, 'string');
  const envs = envsByName(p);
  assert.equal(envs.sandbox, ctx.envId);
  assert.equal(envs.live, ctx.liveEnvId);
  state.initialCount = r.json.projects.length;
});

it('getProjectById returns the init project', async () => {
  const api = clients(ctx);
  const r = await expectOk(api.projects.getProjectByIdRaw({ projectId: ctx.projectId }));
  assert.equal(r.json.id, ctx.projectId);
  assert.equal(r.json.organizationId, ctx.orgId);
  const envs = envsByName(r.json);
  assert.equal(envs.sandbox, ctx.envId);
  assert.equal(envs.live, ctx.liveEnvId);
  assert.equal(r.value.id, ctx.projectId);
});

it('createProject -> {project:{id,name,organizationId,projectEnvironments:[sandbox, live]}}', async () => {
  const api = clients(ctx);
  const name = unique('Second Project');
  const r = await expectOk(api.projects.createProjectRaw({ organizationId: ctx.orgId, projectRequest: { name } }));
  const p = r.json.project;
  assert.ok(p, 'project key');
  assert.match(p.id, UUID_RE);
  assert.notEqual(p.id, ctx.projectId);
  assert.equal(p.name, name);
  assert.equal(p.organizationId, ctx.orgId);
  const envs = envsByName(p);
  assert.ok(![ctx.envId, ctx.liveEnvId].includes(envs.sandbox));
  assert.ok(![ctx.envId, ctx.liveEnvId].includes(envs.live));
  state.project = { id: p.id, name, envs };

  const list = await expectOk(api.projects.getProjectsRaw({ organizationId: ctx.orgId }));
  assert.equal(list.json.projects.length, state.initialCount + 1);
  assert.equal(list.json.projects.find((x) => x.id === p.id)?.name, name);

  // the new environments are real environments
  const e = await expectOk(api.envs.getEnvironmentsByProjectIdRaw({ projectId: p.id }));
  assert.equal(e.json.environments.sandbox.id, envs.sandbox);
  assert.equal(e.json.environments.live.id, envs.live);
  const se = await expectOk(api.envs.getEnvironmentByIdRaw({ environmentId: envs.sandbox }));
  assert.ok(Array.isArray(se.json.settings.chains));
  await expectOk(clients(ctx, null).sdk.getEnvironmentSettingsRaw({ environmentId: envs.live }));
  const ids = await expectOk(api.members.membershipEnvironmentIdsGetRaw());
  assert.ok(ids.json.includes(envs.sandbox) && ids.json.includes(envs.live), 'membershipEnvironmentIds includes the new envs');
});

it('createProject validation: missing name -> 400 naming it; malformed JSON -> 400', async () => {
  let r = await http(ctx, 'POST', `/organizations/${ctx.orgId}/projects`, { token: ctx.token, body: {} });
  assertErrorNames(assertError(r, 400, 'missing name'), /name/, 'missing name');
  r = await http(ctx, 'POST', `/organizations/${ctx.orgId}/projects`, { token: ctx.token, body: { name: ['x'] } });
  assertErrorNames(assertError(r, 400, 'name wrong type'), /name/, 'name wrong type');
  r = await http(ctx, 'POST', `/organizations/${ctx.orgId}/projects`, { token: ctx.token, rawBody: 'name=x' });
  assertError(r, 400, 'malformed JSON');
  const list = await expectOk(clients(ctx).projects.getProjectsRaw({ organizationId: ctx.orgId }));
  assert.equal(list.json.projects.length, state.initialCount + 1, 'no project created by bad requests');
});

it('updateProject renames and returns {id, name}', async () => {
  const api = clients(ctx);
  const p = state.project;
  const r = await expectOk(api.projects.updateProjectRaw({ projectId: p.id, updateProjectRequest: { name: 'Renamed Project' } }));
  assert.equal(r.json.id, p.id);
  assert.equal(r.json.name, 'Renamed Project');
  const got = await expectOk(api.projects.getProjectByIdRaw({ projectId: p.id }));
  assert.equal(got.json.name, 'Renamed Project');
  const bad = await http(ctx, 'PUT', `/projects/${p.id}`, { token: ctx.token, body: {} });
  assertErrorNames(assertError(bad, 400, 'update without name'), /name/, 'update without name');
  await expectStatus(api.projects.updateProject({ projectId: uuid(), updateProjectRequest: { name: 'x' } }), [403, 404], 'update unknown project');
});

it('env-scoped token of the new project: reads it, cannot write it', async () => {
  const p = state.project;
  const t = await makeToken(ctx, p.envs.sandbox);
  const api = clients(ctx, t.raw);
  const r = await expectOk(api.projects.getProjectByIdRaw({ projectId: p.id }));
  assert.equal(r.json.id, p.id);
  await expectStatus(api.projects.getProjectById({ projectId: ctx.projectId }), 403, 'other project read');
  await expectStatus(api.projects.updateProject({ projectId: p.id, updateProjectRequest: { name: 'x' } }), 403, 'update');
  await expectStatus(api.projects.deleteProjectById({ projectId: p.id }), 403, 'delete');
  await expectStatus(api.projects.createProject({ organizationId: ctx.orgId, projectRequest: { name: 'x' } }), 403, 'create');
  state.projectToken = t.raw;
});

it('deleteProjectById -> 204, then getProjectById -> 404 and its environments are gone', async () => {
  const api = clients(ctx);
  const p = state.project;
  await expectOk(api.projects.deleteProjectByIdRaw({ projectId: p.id }), 204);
  const err = await expectStatus(api.projects.getProjectById({ projectId: p.id }), 404, 'deleted project');
  assert.equal(typeof err.code, 'string');
  await expectStatus(api.projects.deleteProjectById({ projectId: p.id }), 404, 'delete twice');
  await expectStatus(api.envs.getEnvironmentById({ environmentId: p.envs.sandbox }), [403, 404], 'env of deleted project');
  await expectStatus(clients(ctx, null).sdk.getEnvironmentSettings({ environmentId: p.envs.sandbox }), 404, 'public settings of deleted env');
  const list = await expectOk(api.projects.getProjectsRaw({ organizationId: ctx.orgId }));
  assert.ok(!list.json.projects.some((x) => x.id === p.id));
  assert.equal(list.json.projects.length, state.initialCount);
  if (state.projectToken) {
    await expectStatus(clients(ctx, state.projectToken).envs.getEnvironmentById({ environmentId: p.envs.sandbox }), [401, 403, 404], 'token of deleted env');
  }
  // the init project is untouched
  await expectOk(api.projects.getProjectByIdRaw({ projectId: ctx.projectId }));
});

it('project routes: invalid uuid -> 400; unknown -> 403/404; no token -> 401', async () => {
  const api = clients(ctx);
  await expectStatus(api.projects.getProjectById({ projectId: 'not-a-uuid' }), 400, 'bad uuid get');
  await expectStatus(api.projects.deleteProjectById({ projectId: 'not-a-uuid' }), 400, 'bad uuid delete');
  await expectStatus(api.projects.getProjects({ organizationId: 'not-a-uuid' }), 400, 'bad org uuid');
  await expectStatus(api.projects.getProjectById({ projectId: uuid() }), [403, 404], 'unknown project');
  await expectStatus(api.projects.createProject({ organizationId: uuid(), projectRequest: { name: 'x' } }), [403, 404], 'unknown org');
  const anon = clients(ctx, null);
  await expectStatus(anon.projects.getProjects({ organizationId: ctx.orgId }), 401, 'no token list');
  await expectStatus(anon.projects.getProjectById({ projectId: ctx.projectId }), 401, 'no token get');
  await expectStatus(anon.projects.createProject({ organizationId: ctx.orgId, projectRequest: { name: 'x' } }), 401, 'no token create');
  await expectStatus(anon.projects.updateProject({ projectId: ctx.projectId, updateProjectRequest: { name: 'x' } }), 401, 'no token update');
  await expectStatus(anon.projects.deleteProjectById({ projectId: ctx.projectId }), 401, 'no token delete');
});
