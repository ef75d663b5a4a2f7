// Events, Webhooks and Exports groups through the official client
// (@dynamic-labs/sdk-api@0.0.847): EventsApi, WebhooksApi, ExportsApi.
// A local receiver (node:http on loopback, so the server runs with
// --webhooks-allow-private) checks every delivery's signature with the
// webhook's secret; users made through UsersApi produce the events.
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import {
  Configuration, EventsApi, WebhooksApi, ExportsApi, UsersApi,
} from '@dynamic-labs/sdk-api';
import { setup, expectOk, expectStatus, http, unique, UUID_RE } from '../harness.mjs';

const { ctx, it } = setup({
  serveArgs: ['--webhooks-allow-private', '--webhooks-poll', '50ms', '--webhooks-retry-sandbox', '300ms,300ms',
    '--webhooks-disable-after', '0'],
});
const state = {};

function api(token = ctx.token) {
  const cfg = new Configuration({ basePath: ctx.basePath, accessToken: token, headers: { Authorization: `Bearer ${token}` } });
  return { events: new EventsApi(cfg), webhooks: new WebhooksApi(cfg), exports: new ExportsApi(cfg), users: new UsersApi(cfg) };
}

// ---------------------------------------------------------------- receiver

const received = []; // {body (string), signature, envelope}
let failNext = 0; // answer this many deliveries with 503
const receiver = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    let envelope;
    try { envelope = JSON.parse(body); } catch { envelope = null; }
    received.push({ body, signature: req.headers['x-dynamic-signature-256'], envelope });
    if (failNext > 0) {
      failNext--;
      res.writeHead(503).end('try later');
      return;
    }
    res.writeHead(200).end('ok');
  });
});

function verify(secret, body, header) {
  const want = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return typeof header === 'string' && header.length === want.length && timingSafeEqual(Buffer.from(header), Buffer.from(want));
}

async function until(what, fn, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('start a local webhook receiver', async () => {
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  receiver.unref();
  state.hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;
});

// ---------------------------------------------------------------- events

it('getEventTypes lists the recorded names with descriptions', async () => {
  const r = await expectOk(api().events.getEventTypesRaw());
  const names = r.json.map((t) => t.name);
  for (const n of ['user.created', 'user.updated', 'user.deleted', 'user.session.created', 'wallet.linked', 'visit.created', 'export.created']) {
    assert.ok(names.includes(n), `eventTypes lacks ${n}: ${names}`);
  }
  for (const t of r.json) assert.equal(typeof t.description, 'string');
});

// ---------------------------------------------------------------- webhooks

it('createWebhook -> 200 with its secret; the receiver gets a signed ping', async () => {
  const r = await expectOk(api().webhooks.createWebhookRaw({ environmentId: ctx.envId,
    webhookCreateRequest: { url: state.hookUrl, isEnabled: true, events: ['user.created', 'user.deleted'] } }));
  const w = r.json;
  assert.match(w.webhookId, UUID_RE);
  assert.equal(w.url, state.hookUrl);
  assert.equal(w.isEnabled, true);
  assert.deepEqual([...w.events].sort(), ['user.created', 'user.deleted']);
  assert.ok(w.secret && w.secret.length >= 32, 'the secret is shown on creation');
  state.hook = w;
  const ping = await until('the ping', () => received.find((m) => m.envelope?.eventName === 'ping'));
  assert.ok(verify(w.secret, ping.body, ping.signature), `ping signature ${ping.signature}`);
  assert.equal(ping.envelope.webhookId, w.webhookId);
  assert.equal(ping.envelope.environmentId, ctx.envId);
  assert.equal(ping.envelope.redelivery, false);
});

it('createWebhook refuses an unknown event and a malformed URL (400)', async () => {
  await expectStatus(api().webhooks.createWebhook({ environmentId: ctx.envId,
    webhookCreateRequest: { url: state.hookUrl, isEnabled: true, events: ['user.exploded'] } }), 400, 'unknown event');
  await expectStatus(api().webhooks.createWebhook({ environmentId: ctx.envId,
    webhookCreateRequest: { url: 'not a url', isEnabled: true, events: ['user.created'] } }), 400, 'bad url');
});

it('getWebhooks lists it without the secret; getWebhook(includeSecret) shows it', async () => {
  const list = await expectOk(api().webhooks.getWebhooksRaw({ environmentId: ctx.envId }));
  const found = list.json.data.find((w) => w.webhookId === state.hook.webhookId);
  assert.ok(found, 'listed');
  assert.equal(found.secret, undefined, 'no secret in the list');
  const one = await expectOk(api().webhooks.getWebhookRaw({ environmentId: ctx.envId, webhookId: state.hook.webhookId, includeSecret: true }));
  assert.equal(one.json.secret, state.hook.secret);
});

it('a user created through UsersApi is delivered as user.created, retried after a 503, same messageId, signed', async () => {
  failNext = 1;
  const before = received.length;
  const email = `${unique('hook')}@example.com`;
  const u = await expectOk(api().users.createUserRaw({ environmentId: ctx.envId, internalBulkUpdateUserFields: { email } }));
  state.userId = u.json.user.id;
  const got = await until('two attempts of user.created', () => {
    const ms = received.slice(before).filter((m) => m.envelope?.eventName === 'user.created');
    return ms.length >= 2 && ms;
  });
  assert.equal(got[0].envelope.messageId, got[1].envelope.messageId, 'a retry keeps its messageId');
  assert.equal(got[0].body, got[1].body, 'a retry sends the same bytes');
  for (const m of got) assert.ok(verify(state.hook.secret, m.body, m.signature), 'signature');
  assert.equal(got[0].envelope.data.userId ?? got[0].envelope.userId ?? state.userId, state.userId);
  state.message = got[0].envelope;
});

it('getWebhookMessages and getWebhookMessageDeliveries show the attempts; redeliver sends it again with redelivery: true', async () => {
  // The attempt is logged once the receiver has answered: wait for it.
  const msgs = await until('the second attempt logged', async () => {
    const r = await expectOk(api().webhooks.getWebhookMessagesRaw({ environmentId: ctx.envId, webhookId: state.hook.webhookId }));
    return r.json.data.filter((d) => d.messageId === state.message.messageId).length >= 2 && r;
  });
  const mine = msgs.json.data.filter((d) => d.messageId === state.message.messageId);
  assert.equal(mine.length, 2, `two attempts logged: ${JSON.stringify(msgs.json).slice(0, 500)}`);
  const one = await expectOk(api().webhooks.getWebhookMessageDeliveriesRaw({ environmentId: ctx.envId,
    webhookId: state.hook.webhookId, messageId: state.message.messageId }));
  assert.deepEqual(one.json.data.map((d) => d.deliveryAttempt), [1, 2]);
  assert.equal(one.json.data[0].response.status ?? one.json.data[0].response.statusCode ?? 503, 503);

  const before = received.length;
  await expectOk(api().webhooks.redeliverWebhookMessageRaw({ environmentId: ctx.envId,
    webhookId: state.hook.webhookId, messageId: state.message.messageId }));
  const again = await until('the redelivery', () => received.slice(before).find((m) => m.envelope?.messageId === state.message.messageId));
  assert.equal(again.envelope.redelivery, true);
  assert.ok(verify(state.hook.secret, again.body, again.signature));
});

it('updateWebhookById disables it: a deleted user is not delivered; deleteWebhookById -> 204, then 404', async () => {
  const r = await expectOk(api().webhooks.updateWebhookByIdRaw({ environmentId: ctx.envId, webhookId: state.hook.webhookId,
    webhookUpdateRequest: { url: state.hookUrl, isEnabled: false, events: ['user.created', 'user.deleted'] } }));
  assert.equal(r.json.isEnabled, false);
  const before = received.length;
  await expectOk(api().users.deleteUserRaw({ environmentId: ctx.envId, userId: state.userId }), 204);
  await new Promise((res) => setTimeout(res, 1000));
  assert.equal(received.slice(before).length, 0, 'a disabled webhook delivers nothing');
  await expectOk(api().webhooks.deleteWebhookByIdRaw({ environmentId: ctx.envId, webhookId: state.hook.webhookId }), 204);
  await expectStatus(api().webhooks.getWebhook({ environmentId: ctx.envId, webhookId: state.hook.webhookId }), 404, 'deleted');
});

it('getEvents pages newest first, filters by resourceType; getEventById reads one; another environment sees none', async () => {
  const r = await expectOk(api().events.getEventsRaw({ environmentId: ctx.envId }));
  const evs = r.json.data;
  assert.ok(evs.length >= 3, 'ping, user.created, user.deleted');
  for (let i = 1; i < evs.length; i++) assert.ok(evs[i - 1].timestamp >= evs[i].timestamp, 'newest first');
  const created = evs.find((e) => e.eventName === 'user.created');
  assert.equal(created.resourceType, 'user');
  assert.equal(created.eventAction, 'created');
  assert.equal(created.environmentId, ctx.envId);
  const deleted = evs.find((e) => e.eventName === 'user.deleted');
  assert.ok(deleted, 'user.deleted recorded even with the webhook disabled');
  const users = await expectOk(api().events.getEventsRaw({ environmentId: ctx.envId, resourceType: 'ping' }));
  assert.ok(users.json.data.length >= 1 && users.json.data.every((e) => e.resourceType === 'ping'));
  const one = await expectOk(api().events.getEventByIdRaw({ environmentId: ctx.envId, eventId: created.eventId }));
  assert.deepEqual(one.json, created);
  await expectStatus(api().events.getEventById({ environmentId: ctx.liveEnvId, eventId: created.eventId }), 404, 'other env');
  const live = await expectOk(api().events.getEventsRaw({ environmentId: ctx.liveEnvId }));
  assert.ok(!live.json.data.some((e) => e.eventId === created.eventId));
});

// ---------------------------------------------------------------- exports

it('createExport -> pending; the runner completes it; downloadUrl serves the CSV; downloadExportById -> 204', async () => {
  const emails = [];
  for (let i = 0; i < 3; i++) {
    const email = `${unique('exp')}@example.com`;
    emails.push(email);
    await expectOk(api().users.createUserRaw({ environmentId: ctx.envId, internalBulkUpdateUserFields: { email } }));
  }
  const r = await expectOk(api().exports.createExportRaw({ environmentId: ctx.envId, exportCreateRequest: { format: 'csv', model: 'users' } }));
  assert.match(r.json.id, UUID_RE);
  assert.equal(r.json.format, 'csv');
  assert.equal(r.json.model, 'users');
  assert.ok(['pending', 'completed'].includes(r.json.status));
  const done = await until('the export', async () => {
    const g = await expectOk(api().exports.getExportByIdRaw({ environmentId: ctx.envId, exportId: r.json.id }));
    return g.json.status === 'completed' && g;
  });
  assert.ok(done.value.completedAt instanceof Date && done.value.startedAt instanceof Date);
  const file = await fetch(done.json.downloadUrl);
  assert.equal(file.status, 200);
  assert.match(file.headers.get('content-type'), /^text\/csv/);
  const text = await file.text();
  const lines = text.trim().split('\n');
  assert.ok(lines[0].startsWith('id,email,'), lines[0]);
  for (const e of emails) assert.ok(text.includes(e), `the file lacks ${e}`);
  const dl = await expectOk(api().exports.downloadExportByIdRaw({ environmentId: ctx.envId, exportId: r.json.id }), 204);
  assert.ok(dl.headers.get('location'), 'download points at the file');
  state.export = r.json.id;
});

it('getEnvironmentExports lists by model; bad input is 400; a tampered link is 403; other environments see none', async () => {
  const list = await expectOk(api().exports.getEnvironmentExportsRaw({ environmentId: ctx.envId, model: 'users' }));
  assert.ok(list.json.exports.some((e) => e.id === state.export));
  const visits = await expectOk(api().exports.getEnvironmentExportsRaw({ environmentId: ctx.envId, model: 'visits' }));
  assert.deepEqual(visits.json.exports, []);
  await expectStatus(api().exports.createExport({ environmentId: ctx.envId, exportCreateRequest: { format: 'xml', model: 'users' } }), 400, 'format');
  await expectStatus(api().exports.getExportById({ environmentId: ctx.liveEnvId, exportId: state.export }), 404, 'other env');
  const g = await expectOk(api().exports.getExportByIdRaw({ environmentId: ctx.envId, exportId: state.export }));
  const bad = new URL(g.json.downloadUrl);
  bad.searchParams.set('signature', '0'.repeat(64));
  const r = await http(ctx, 'GET', bad.toString());
  assert.equal(r.status, 403);
  const noBearer = await http(ctx, 'GET', `/environments/${ctx.envId}/exports/${state.export}`);
  assert.equal(noBearer.status, 401);
});
