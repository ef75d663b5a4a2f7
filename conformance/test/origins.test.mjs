// Origins group (3 ops) and the CORS behaviour they drive on /sdk routes.
import assert from 'node:assert/strict';
import {
  setup, clients, expectOk, expectStatus, http, assertError, assertIsoDate, makeToken, uuid, UUID_RE,
} from '../harness.mjs';

const { ctx, it } = setup();
const state = {};
const REQ_HEADERS = 'x-dyn-version, authorization, content-type';

async function preflight(envId, origin) {
  const r = await fetch(`${ctx.basePath}/sdk/${envId}/settings`, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': 'GET',
      'Access-Control-Request-Headers': REQ_HEADERS,
    },
  });
  await r.arrayBuffer();
  return r;
}

function assertAllowed(r, origin, what) {
  assert.ok(r.status >= 200 && r.status < 300, `${what}: preflight status ${r.status}`);
  assert.equal(r.headers.get('access-control-allow-origin'), origin, `${what}: Access-Control-Allow-Origin must echo ${origin}`);
  assert.equal(r.headers.get('access-control-allow-credentials'), 'true', `${what}: Access-Control-Allow-Credentials`);
  const allowed = (r.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(',').map((s) => s.trim());
  for (const h of REQ_HEADERS.split(',').map((s) => s.trim())) {
    assert.ok(allowed.includes(h), `${what}: Access-Control-Allow-Headers must include ${h}, got ${JSON.stringify(allowed)}`);
  }
  const methods = r.headers.get('access-control-allow-methods');
  if (methods) assert.match(methods.toUpperCase(), /GET/, `${what}: Access-Control-Allow-Methods`);
}

function assertRefused(r, what) {
  assert.equal(r.headers.get('access-control-allow-origin'), null, `${what}: no Access-Control-Allow-Origin expected, got ${r.headers.get('access-control-allow-origin')}`);
}

it('getOrigins on a fresh environment -> {origins: []}', async () => {
  const api = clients(ctx);
  const r = await expectOk(api.origins.getOriginsRaw({ environmentId: ctx.envId }));
  assert.deepEqual(r.json.origins, []);
});

it('CORS: sandbox with no origins allows http://localhost:3000 and refuses others', async () => {
  assertAllowed(await preflight(ctx.envId, 'http://localhost:3000'), 'http://localhost:3000', 'sandbox localhost');
  assertRefused(await preflight(ctx.envId, 'https://evil.example.com'), 'sandbox evil');
  const get = await fetch(`${ctx.basePath}/sdk/${ctx.envId}/settings`, { headers: { Origin: 'http://localhost:3000' } });
  assert.equal(get.status, 200);
  await get.arrayBuffer();
  assert.equal(get.headers.get('access-control-allow-origin'), 'http://localhost:3000', 'actual GET carries ACAO too');
});

it('addOrigin -> 201 {origin:{id, origin, createdAt, projectEnvironmentId}} and getOrigins lists it', async () => {
  const api = clients(ctx);
  const r = await expectOk(api.origins.addOriginRaw({ environmentId: ctx.envId, inlineObject: { origin: 'https://app.example.com' } }), 201);
  const o = r.json.origin;
  assert.ok(o, 'origin key');
  assert.match(o.id, UUID_RE);
  assert.equal(o.origin, 'https://app.example.com');
  assertIsoDate(o.createdAt, 'createdAt');
  assert.equal(o.projectEnvironmentId, ctx.envId);
  assert.equal(r.value.origin.origin, 'https://app.example.com');
  state.origin = o;

  const list = await expectOk(api.origins.getOriginsRaw({ environmentId: ctx.envId }));
  assert.equal(list.json.origins.length, 1);
  assert.deepEqual(list.json.origins[0], o);

  // the live environment has its own (empty) list
  const live = await expectOk(api.origins.getOriginsRaw({ environmentId: ctx.liveEnvId }));
  assert.deepEqual(live.json.origins, []);
});

it('addOrigin: duplicate -> 409/422; invalid origin string -> 400; missing field -> 400', async () => {
  const api = clients(ctx);
  await expectStatus(api.origins.addOrigin({ environmentId: ctx.envId, inlineObject: { origin: 'https://app.example.com' } }), [409, 422], 'duplicate');
  for (const bad of ['not a url', 'app.example.com', '']) {
    await expectStatus(api.origins.addOrigin({ environmentId: ctx.envId, inlineObject: { origin: bad } }), 400, `invalid origin ${JSON.stringify(bad)}`);
  }
  let r = await http(ctx, 'POST', `/environments/${ctx.envId}/origins`, { token: ctx.token, body: {} });
  assert.match(assertError(r, 400, 'missing origin').error, /origin/);
  r = await http(ctx, 'POST', `/environments/${ctx.envId}/origins`, { token: ctx.token, rawBody: '{"origin":' });
  assertError(r, 400, 'malformed JSON');
  const list = await expectOk(api.origins.getOriginsRaw({ environmentId: ctx.envId }));
  assert.equal(list.json.origins.length, 1, 'nothing added by refused requests');
});

it('CORS: an allowed origin is echoed with credentials; others are refused; per environment', async () => {
  assertAllowed(await preflight(ctx.envId, 'https://app.example.com'), 'https://app.example.com', 'allowed origin');
  assertRefused(await preflight(ctx.envId, 'https://evil.example.com'), 'disallowed origin');
  assertRefused(await preflight(ctx.envId, 'https://app.example.com.evil.com'), 'suffix trick');
  assertRefused(await preflight(ctx.liveEnvId, 'https://app.example.com'), 'origin of another environment');
  const get = await fetch(`${ctx.basePath}/sdk/${ctx.envId}/settings`, { headers: { Origin: 'https://app.example.com' } });
  assert.equal(get.status, 200);
  await get.arrayBuffer();
  assert.equal(get.headers.get('access-control-allow-origin'), 'https://app.example.com');
  assert.equal(get.headers.get('access-control-allow-credentials'), 'true');
});

it('deleteOriginById -> 204; the origin is gone and no longer allowed', async () => {
  const api = clients(ctx);
  await expectOk(api.origins.deleteOriginByIdRaw({ originId: state.origin.id }), 204);
  const list = await expectOk(api.origins.getOriginsRaw({ environmentId: ctx.envId }));
  assert.deepEqual(list.json.origins, []);
  assertRefused(await preflight(ctx.envId, 'https://app.example.com'), 'deleted origin');
  assertAllowed(await preflight(ctx.envId, 'http://localhost:3000'), 'http://localhost:3000', 'localhost again when the list is empty');
  await expectStatus(api.origins.deleteOriginById({ originId: state.origin.id }), 404, 'delete twice');
  await expectStatus(api.origins.deleteOriginById({ originId: uuid() }), [403, 404], 'unknown origin');
  await expectStatus(api.origins.deleteOriginById({ originId: 'not-a-uuid' }), 400, 'bad origin id');
});

it('origins on the live environment work independently', async () => {
  const api = clients(ctx);
  const r = await expectOk(api.origins.addOriginRaw({ environmentId: ctx.liveEnvId, inlineObject: { origin: 'https://live.example.com' } }), 201);
  assert.equal(r.json.origin.projectEnvironmentId, ctx.liveEnvId);
  assertAllowed(await preflight(ctx.liveEnvId, 'https://live.example.com'), 'https://live.example.com', 'live origin');
  assertRefused(await preflight(ctx.envId, 'https://live.example.com'), 'live origin on sandbox');
  await expectOk(api.origins.deleteOriginByIdRaw({ originId: r.json.origin.id }), 204);
});

it('origins auth: no token -> 401; scopes; other environment -> 403', async () => {
  const anon = clients(ctx, null);
  await expectStatus(anon.origins.getOrigins({ environmentId: ctx.envId }), 401, 'no token list');
  await expectStatus(anon.origins.addOrigin({ environmentId: ctx.envId, inlineObject: { origin: 'https://x.example.com' } }), 401, 'no token add');
  await expectStatus(anon.origins.deleteOriginById({ originId: uuid() }), 401, 'no token delete');

  const owner = clients(ctx);
  const liveOrigin = await expectOk(owner.origins.addOriginRaw({ environmentId: ctx.liveEnvId, inlineObject: { origin: 'https://l2.example.com' } }), 201);

  const ro = clients(ctx, (await makeToken(ctx, ctx.envId, ['environment.settings.read'])).raw);
  await expectOk(ro.origins.getOriginsRaw({ environmentId: ctx.envId }));
  await expectStatus(ro.origins.addOrigin({ environmentId: ctx.envId, inlineObject: { origin: 'https://ro.example.com' } }), 403, 'settings.read add');

  const full = clients(ctx, (await makeToken(ctx, ctx.envId)).raw);
  await expectStatus(full.origins.getOrigins({ environmentId: ctx.liveEnvId }), 403, 'sibling env list');
  await expectStatus(full.origins.addOrigin({ environmentId: ctx.liveEnvId, inlineObject: { origin: 'https://x.example.com' } }), 403, 'sibling env add');
  await expectStatus(full.origins.deleteOriginById({ originId: liveOrigin.json.origin.id }), [403, 404], 'sibling env delete');
  const own = await expectOk(full.origins.addOriginRaw({ environmentId: ctx.envId, inlineObject: { origin: 'https://mine.example.com' } }), 201);
  await expectStatus(ro.origins.deleteOriginById({ originId: own.json.origin.id }), 403, 'settings.read delete');
  await expectOk(full.origins.deleteOriginByIdRaw({ originId: own.json.origin.id }), 204);

  const still = await expectOk(owner.origins.getOriginsRaw({ environmentId: ctx.liveEnvId }));
  assert.ok(still.json.origins.some((o) => o.id === liveOrigin.json.origin.id), 'live origin survived the refused delete');
  await expectStatus(owner.origins.getOrigins({ environmentId: 'not-a-uuid' }), 400, 'bad env uuid');
});

it('addOrigin past 100 origins in an environment -> 422 {error, code: invalid_cors_origins}, nothing added; room again after a delete', async () => {
  const api = clients(ctx);
  const env = ctx.liveEnvId;
  const have = (await expectOk(api.origins.getOriginsRaw({ environmentId: env }))).json.origins.length;
  for (let i = have; i < 100; i++) {
    await expectOk(api.origins.addOriginRaw({ environmentId: env, inlineObject: { origin: `https://cap${i}.example.com` } }), 201);
  }
  const body = await expectStatus(api.origins.addOrigin({ environmentId: env, inlineObject: { origin: 'https://one-more.example.com' } }), 422, 'origin 101');
  assert.equal(body.code, 'invalid_cors_origins');
  assert.match(body.error, /100/);
  const list = (await expectOk(api.origins.getOriginsRaw({ environmentId: env }))).json.origins;
  assert.equal(list.length, 100);
  assert.ok(!list.some((o) => o.origin === 'https://one-more.example.com'), 'the refused origin is not stored');

  await expectOk(api.origins.deleteOriginByIdRaw({ originId: list[0].id }), 204);
  await expectOk(api.origins.addOriginRaw({ environmentId: env, inlineObject: { origin: 'https://one-more.example.com' } }), 201);
});
