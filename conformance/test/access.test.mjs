// Access control through the official client (@dynamic-labs/sdk-api@0.0.847):
// the Allowlists, Gates and Chainalysis groups, and a scoped sign-in whose JWT, verified
// against the JWKS with jose, carries the list's name and scope. (Gates that
// read balances from deployed contracts: gates-chain.test.mjs.)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Wallet } from 'ethers';
import { AllowlistsApi, GatesApi, ChainalysisApi, Configuration } from '@dynamic-labs/sdk-api';
import {
  setup, sdkApi, expectOk, expectStatus, evmVerifyRequest, verifySessionJwt, assertIsoDate, unique, UUID_RE,
} from '../harness.mjs';

// the server's sanctions list (--sanctions-list): one wallet on it
const listed = Wallet.createRandom();
const sanctionsList = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dynamicauth-sdn-')), 'sdn.txt');
fs.writeFileSync(sanctionsList, `# test list\n${listed.address}\n`);

const { ctx, it } = setup({ serveArgs: ['--sanctions-list', sanctionsList] });
const state = {};

function apis(token = ctx.token) {
  const cfg = new Configuration({ basePath: ctx.basePath, accessToken: token, headers: { Authorization: `Bearer ${token}` } });
  return { lists: new AllowlistsApi(cfg), gates: new GatesApi(cfg), chainalysis: new ChainalysisApi(cfg) };
}

const signInRaw = async (wallet) =>
  sdkApi(ctx).verifyRaw({ environmentId: ctx.envId, verifyRequest: await evmVerifyRequest(ctx, wallet) });

it('allowlists: create (disabled), get, list, update, enable, disable; a duplicate name -> 422 allowlist_already_exists', async () => {
  const { lists } = apis();
  const name = unique('vips');
  const c = await expectOk(lists.createAllowlistByEnvironmentIdRaw({ environmentId: ctx.envId,
    postAllowlistsRequest: { name, scope: 'vip', outcome: 'scope' } }), 200, 'create');
  assert.match(c.json.id, UUID_RE);
  assert.equal(c.json.projectEnvironmentId, ctx.envId);
  assert.equal(c.json.enabledAt, null, 'a new list starts disabled');
  assert.equal(c.value.name, name, 'the client parses Allowlist');
  state.list = c.json;

  const dup = await expectStatus(lists.createAllowlistByEnvironmentIdRaw({ environmentId: ctx.envId,
    postAllowlistsRequest: { name } }), 422, 'duplicate');
  assert.equal(dup.code, 'allowlist_already_exists');

  const all = await expectOk(lists.getAllowlistsByEnvironmentIdRaw({ environmentId: ctx.envId }), 200, 'list');
  assert.ok(all.json.some((l) => l.id === c.json.id));
  const on = await expectOk(lists.enableAllowlistByIdRaw({ allowlistId: c.json.id }), 200, 'enable');
  assertIsoDate(on.json.enabledAt, 'enabledAt');
  const upd = await expectOk(lists.updateAllowlistByIdRaw({ allowlistId: c.json.id,
    postAllowlistsRequest: { name, scope: 'vip', outcome: 'scope' } }), 200, 'update');
  assert.equal(upd.json.enabledAt, on.json.enabledAt, 'update keeps enabledAt');
  const got = await expectOk(lists.getAllowlistsByIdRaw({ allowlistId: c.json.id }), 200, 'get');
  assert.equal(got.json.scope, 'vip');
});

it('allowlist entries: add a wallet, an email domain; the same wallet in other case -> 422; page with count and query; delete', async () => {
  const { lists } = apis();
  state.member = Wallet.createRandom();
  const w = await expectOk(lists.postEntryByAllowlistIdRaw({ allowlistId: state.list.id,
    postAllowlistEntriesRequest: { walletPublicKey: state.member.address, alias: 'member' } }), 200, 'wallet entry');
  assert.equal(w.json.allowListId, state.list.id);
  assert.equal(w.json.walletPublicKey, state.member.address);
  const d = await expectOk(lists.postEntryByAllowlistIdRaw({ allowlistId: state.list.id,
    postAllowlistEntriesRequest: { emailDomain: 'example.org' } }), 200, 'domain entry');
  const dup = await expectStatus(lists.postEntryByAllowlistIdRaw({ allowlistId: state.list.id,
    postAllowlistEntriesRequest: { walletPublicKey: state.member.address.toLowerCase() } }), 422, 'duplicate entry');
  assert.equal(dup.code, 'allowlist_entry_already_exists');
  await expectStatus(lists.postEntryByAllowlistIdRaw({ allowlistId: state.list.id,
    postAllowlistEntriesRequest: { alias: 'nobody' } }), 400, 'an entry without an identifier');

  const page = await expectOk(lists.getEntriesByAllowlistIdRaw({ allowlistId: state.list.id, limit: 1 }), 200, 'entries');
  assert.equal(page.json.count, 2);
  assert.equal(page.json.entries.length, 1);
  const q = await expectOk(lists.getEntriesByAllowlistIdRaw({ allowlistId: state.list.id, query: 'example.org' }), 200, 'query');
  assert.deepEqual(q.json.entries.map((e) => e.id), [d.json.id]);
  await expectOk(lists.deleteAllowlistEntryByIdRaw({ allowlistEntryId: d.json.id }), 204, 'delete entry');
  await expectStatus(lists.deleteAllowlistEntryByIdRaw({ allowlistEntryId: d.json.id }), 404, 'delete again');
});

it('a scoped sign-in: the JWT (verified against the JWKS) carries the list name in lists and its scope in scope', async () => {
  const r = await expectOk(signInRaw(state.member), 200, 'member sign-in');
  for (const token of [r.json.jwt]) {
    const { payload } = await verifySessionJwt(ctx, token);
    assert.deepEqual(payload.lists, [state.list.name]);
    assert.deepEqual(payload.scope.split(' ').sort(), ['user:basic', 'vip']);
  }
  const { payload: mini } = await verifySessionJwt(ctx, r.json.minifiedJwt);
  assert.ok(mini.scope.split(' ').includes('vip'), `minified scope: ${mini.scope}`);

  const stranger = await expectOk(signInRaw(Wallet.createRandom()), 200, 'a scope list does not block');
  const { payload } = await verifySessionJwt(ctx, stranger.json.jwt);
  assert.deepEqual(payload.lists, []);
  assert.equal(payload.scope, 'user:basic');
});

it('a siteAccess list admits only members: others get 403 with the wallet in the payload', async () => {
  const { lists } = apis();
  const c = await expectOk(lists.createAllowlistByEnvironmentIdRaw({ environmentId: ctx.envId,
    postAllowlistsRequest: { name: unique('members'), outcome: 'siteAccess' } }), 200, 'create');
  await expectOk(lists.postEntryByAllowlistIdRaw({ allowlistId: c.json.id,
    postAllowlistEntriesRequest: { walletPublicKey: state.member.address } }), 200, 'entry');
  await expectOk(lists.enableAllowlistByIdRaw({ allowlistId: c.json.id }), 200, 'enable');
  try {
    const outsider = Wallet.createRandom();
    const e = await expectStatus(signInRaw(outsider), 403, 'outsider');
    assert.equal(e.payload.walletPublicKey, outsider.address.toLowerCase());
    await expectOk(signInRaw(state.member), 200, 'member');
  } finally {
    await expectOk(lists.disableAllowlistByIdRaw({ allowlistId: c.json.id }), 200, 'disable');
    await expectOk(lists.deleteAllowlistByIdRaw({ allowlistId: c.json.id }), 204, 'delete');
  }
  await expectOk(signInRaw(Wallet.createRandom()), 200, 'open again once the list is off');
  await expectStatus(lists.getAllowlistsByIdRaw({ allowlistId: c.json.id }), 404, 'deleted');
});

it('gates: create (disabled), get, list, update keeps enabledAt, enable/disable, delete; invalid rules -> 422 invalid_gate', async () => {
  const { gates } = apis();
  const rule = { type: 'nft', address: { networkId: 1, contractAddress: '0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d' }, filter: { tokenId: '7' } };
  const c = await expectOk(gates.createGateRaw({ environmentId: ctx.envId,
    gateCreateRequest: { name: unique('apes'), outcome: 'scope', scope: 'ape', rules: [rule] } }), 200, 'create');
  assert.equal(c.json.enabledAt, null);
  assert.equal(c.json.rules[0].address.contractAddress, '0xBC4CA0EdA7647A8aB7C2061c2E118A18a936f13D', 'checksummed');
  assert.equal(c.json.rules[0].filter.tokenId, '7');
  assert.equal(c.value.rules[0].type, 'nft', 'the client parses Gate');
  const bad = await expectStatus(gates.createGateRaw({ environmentId: ctx.envId,
    gateCreateRequest: { name: unique('bad'), outcome: 'block', rules: [] } }), 422, 'no rules');
  assert.equal(bad.code, 'invalid_gate');
  const dup = await expectStatus(gates.createGateRaw({ environmentId: ctx.envId,
    gateCreateRequest: { name: c.json.name, outcome: 'scope', scope: 'ape', rules: [rule] } }), 422, 'same name');
  assert.equal(dup.code, 'gate_exists');

  const list = await expectOk(gates.getEnvironmentGatesRaw({ environmentId: ctx.envId }), 200, 'list');
  assert.ok(list.json.gates.some((g) => g.id === c.json.id));
  // enabling would make this environment's sign-ins read balances from a node it does not have: do it and undo it
  const on = await expectOk(gates.enableGateRaw({ environmentId: ctx.envId, gateId: c.json.id }), 200, 'enable');
  assertIsoDate(on.json.enabledAt, 'enabledAt');
  const upd = await expectOk(gates.updateGateRaw({ environmentId: ctx.envId, gateId: c.json.id,
    gateUpdateRequest: { scope: 'primate' } }), 200, 'update');
  assert.equal(upd.json.enabledAt, on.json.enabledAt, 'update keeps enabledAt');
  assert.equal(upd.json.scope, 'primate');
  const e = await expectStatus(signInRaw(Wallet.createRandom()), 422, 'a gate whose chain has no node refuses, never admits');
  assert.equal(e.code, 'unable_to_fetch_balances');
  const off = await expectOk(gates.disableGateRaw({ environmentId: ctx.envId, gateId: c.json.id }), 200, 'disable');
  assert.equal(off.json.enabledAt, null);
  await expectOk(gates.getGateRaw({ environmentId: ctx.envId, gateId: c.json.id }), 200, 'get');
  await expectOk(gates.deleteGateRaw({ environmentId: ctx.envId, gateId: c.json.id }), 204, 'delete');
  await expectStatus(gates.getGateRaw({ environmentId: ctx.envId, gateId: c.json.id }), 404, 'deleted');
});

it('chainalysis: get, enable, disable the sanctions screening switch (a ChainalysisConfiguration)', async () => {
  const { chainalysis } = apis();
  const g = await expectOk(chainalysis.getChainalysisByEnvironmentIdRaw({ environmentId: ctx.envId }), 200, 'get');
  assert.equal(g.json.sanctionsApiEnabled, false);
  assert.equal(g.json.kytApiEnabled, false);
  assert.equal(g.json.projectEnvironmentId, ctx.envId);
  assertIsoDate(g.json.createdAt, 'createdAt');
  const on = await expectOk(chainalysis.enableSanctionsApiByEnvironmentIdRaw({ environmentId: ctx.envId }), 200, 'enable');
  assert.equal(on.json.sanctionsApiEnabled, true);
  assert.equal(on.value.sanctionsApiEnabled, true, 'the client parses ChainalysisConfiguration');
  await expectOk(signInRaw(Wallet.createRandom()), 200, 'an unlisted wallet signs in with screening on');
  const e = await expectStatus(signInRaw(listed), 403, 'a listed wallet with screening on');
  assert.equal(e.code, 'chainalysis_blocked_wallet');
  const off = await expectOk(chainalysis.disableSanctionsApiByEnvironmentIdRaw({ environmentId: ctx.envId }), 200, 'disable');
  assert.equal(off.json.sanctionsApiEnabled, false);
  assert.equal(off.json.createdAt, on.json.createdAt, 'createdAt stays');
  await expectOk(signInRaw(listed), 200, 'a listed wallet with screening off');
});

// makeUpTo creates items through make(i) until count() reaches n, in
// batches of 10 at once: 50 or 100 one after the other is slow.
async function makeUpTo(n, count, make) {
  for (let have = await count(); have < n; have = await count()) {
    const batch = [];
    for (let i = have; i < Math.min(n, have + 10); i++) batch.push(make(i));
    await Promise.all(batch);
  }
}

it('createGate past 50 gates in an environment -> 422 {error, code: invalid_gate} (the contract code for a refused gate), nothing added; room again after a delete', async () => {
  const { gates } = apis();
  const env = ctx.liveEnvId;
  const rule = { type: 'nft', address: { networkId: 1, contractAddress: '0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d' } };
  const list = async () => (await expectOk(gates.getEnvironmentGatesRaw({ environmentId: env }), 200, 'list')).json.gates;
  const create = (name) => gates.createGateRaw({ environmentId: env,
    gateCreateRequest: { name, outcome: 'block', rules: [rule] } });
  await makeUpTo(50, async () => (await list()).length, (i) => expectOk(create(unique(`cap-gate-${i}`)), 200, `gate ${i + 1}`));

  const extra = unique('one-gate-more');
  const body = await expectStatus(gates.createGate({ environmentId: env,
    gateCreateRequest: { name: extra, outcome: 'block', rules: [rule] } }), 422, 'gate 51');
  assert.equal(body.code, 'invalid_gate');
  assert.match(body.error, /50/);
  const after = await list();
  assert.equal(after.length, 50);
  assert.ok(!after.some((g) => g.name === extra), 'the refused gate is not stored');

  await expectOk(gates.deleteGateRaw({ environmentId: env, gateId: after[0].id }), 204, 'delete one');
  await expectOk(create(extra), 200, 'a gate again after the delete');
});

it('createAllowlist past 100 allowlists in an environment -> 422 {error} (the contract has no code for it), nothing added; room again after a delete', async () => {
  const { lists } = apis();
  const env = ctx.liveEnvId;
  const list = async () => (await expectOk(lists.getAllowlistsByEnvironmentIdRaw({ environmentId: env }), 200, 'list')).json;
  const create = (name) => lists.createAllowlistByEnvironmentIdRaw({ environmentId: env,
    postAllowlistsRequest: { name, outcome: 'siteAccess' } });
  await makeUpTo(100, async () => (await list()).length, (i) => expectOk(create(unique(`cap-list-${i}`)), 200, `allowlist ${i + 1}`));

  const extra = unique('one-list-more');
  const body = await expectStatus(lists.createAllowlistByEnvironmentId({ environmentId: env,
    postAllowlistsRequest: { name: extra, outcome: 'siteAccess' } }), 422, 'allowlist 101');
  assert.equal(body.code, undefined);
  assert.match(body.error, /100/);
  const after = await list();
  assert.equal(after.length, 100);
  assert.ok(!after.some((l) => l.name === extra), 'the refused allowlist is not stored');

  await expectOk(lists.deleteAllowlistByIdRaw({ allowlistId: after[0].id }), 204, 'delete one');
  await expectOk(create(extra), 200, 'an allowlist again after the delete');
});
