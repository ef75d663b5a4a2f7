// Account merges, driven through the official client's SDKApi
// (@dynamic-labs/sdk-api@0.0.847): linking (verifyLink) a wallet of another
// account that has another credential answers 422 merge_accounts_confirmation
// with payload.mergeConflicts; verifyMergeUsers merges with resolutions;
// mergeUsers needs an account sharing a verified email.
import assert from 'node:assert/strict';
import { Wallet } from 'ethers';
import { UnprocessableEntityFromJSON } from '@dynamic-labs/sdk-api';
import {
  setup, sdkApi, expectOk, expectStatus, http, evmVerifyRequest, verifySessionJwt, UUID_RE,
} from '../harness.mjs';

// several sign-ins from one IP: the per-IP SDK limits are turned off here
const { ctx, it } = setup({ serveArgs: ['--rate-limits', 'off'] });
const state = {};

async function signIn(wallet) {
  const body = await evmVerifyRequest(ctx, wallet);
  const r = await expectOk(sdkApi(ctx).verifyRaw({ environmentId: ctx.envId, verifyRequest: body }), 200, 'verify');
  return { id: r.json.user.id, token: r.json.minifiedJwt, api: sdkApi(ctx, { token: r.json.minifiedJwt }) };
}

const link = async (u, wallet) => u.api.verifyLinkRaw({ environmentId: ctx.envId, verifyRequest: await evmVerifyRequest(ctx, wallet) });
const merge = (u, mergeUserResolutions) =>
  u.api.verifyMergeUsersRaw({ environmentId: ctx.envId, mergeUserConflictResolutions: { mergeUserResolutions } });

async function expect422(promise, code, what) {
  const body = await expectStatus(promise, 422, what);
  assert.equal(body.code, code, `${what}: code ${code}: ${JSON.stringify(body)}`);
  return body;
}

it('setup: the current user (wallet A, firstName Ann) and another (wallets B and C, firstName Bob, lastName Smith)', async () => {
  state.a = Wallet.createRandom();
  state.b = Wallet.createRandom();
  state.c = Wallet.createRandom();
  state.cur = await signIn(state.a);
  state.other = await signIn(state.b);
  const l = await expectOk(await link(state.other, state.c), 200, 'link C to the other user');
  assert.equal(l.json.user.verifiedCredentials.filter((v) => v.format === 'blockchain').length, 2);
  state.other.token = l.json.minifiedJwt;
  state.other.api = sdkApi(ctx, { token: state.other.token });
  await expectOk(state.cur.api.updateSelfRaw({ environmentId: ctx.envId, userFields: { firstName: 'Ann' } }), 200, 'profile A');
  await expectOk(state.other.api.updateSelfRaw({ environmentId: ctx.envId, userFields: { firstName: 'Bob', lastName: 'Smith' } }),
    200, 'profile B');
});

it('verifyMergeUsers without a pending merge -> 422 merge_accounts_invalid; mergeUsers without a shared verified email -> 422', async () => {
  await expect422(merge(state.cur, []), 'merge_accounts_invalid', 'verifyMergeUsers');
  await expect422(state.cur.api.mergeUsersRaw({ environmentId: ctx.envId }), 'merge_accounts_invalid', 'mergeUsers');
});

it('verifyLink of a wallet of an account with another credential -> 422 merge_accounts_confirmation with payload.mergeConflicts', async () => {
  const body = await expect422(link(state.cur, state.b), 'merge_accounts_confirmation', 'verifyLink');
  const mc = body.payload?.mergeConflicts;
  assert.ok(mc, `payload.mergeConflicts: ${JSON.stringify(body)}`);
  assert.equal(mc.fromUser.id, state.other.id, 'fromUser is the other account (SdkUser)');
  assert.equal(mc.fromUser.projectEnvironmentId, ctx.envId);
  assert.equal(mc.fromUser.verifiedCredentials.length, 2);
  assert.deepEqual(mc.conflicts.map((c) => [c.field.name, c.field.type, c.currentUser.userId, c.currentUser.value, c.fromUser.userId, c.fromUser.value]),
    [['firstName', 'standard', state.cur.id, 'Ann', state.other.id, 'Bob']]);
  for (const k of ['required', 'enabled', 'unique', 'verify']) assert.equal(typeof mc.conflicts[0].field[k], 'boolean', `field.${k}`);
  // The official model reads it.
  const model = UnprocessableEntityFromJSON(body);
  assert.equal(model.payload.mergeConflicts.fromUser.id, state.other.id);
  assert.equal(model.payload.mergeConflicts.conflicts[0].field.name, 'firstName');
  // Nothing moved.
  const me = await expectOk(state.other.api.getAuthenticatedUserRaw({ environmentId: ctx.envId }), 200, 'the other user');
  assert.equal(me.json.verifiedCredentials.length, 2);
});

it('verifyMergeUsers with the conflict unresolved -> 422 merge_accounts_invalid; a resolution for another user -> 422', async () => {
  const body = await expect422(merge(state.cur, []), 'merge_accounts_invalid', 'unresolved');
  assert.match(body.error, /firstName/);
  await expect422(merge(state.cur, [{ userId: crypto.randomUUID(), fieldKey: 'firstName', type: 'standard' }]),
    'merge_accounts_invalid', 'foreign userId');
  const bad = await http(ctx, 'POST', `/sdk/${ctx.envId}/verify/merge`, { token: state.cur.token,
    body: { mergeUserResolutions: [{ userId: state.other.id, fieldKey: 'firstName', type: 'neither' }] } });
  assert.equal(bad.status, 400, `bad type: ${bad.text}`);
  const me = await expectOk(state.other.api.getAuthenticatedUserRaw({ environmentId: ctx.envId }), 200, 'the other user still signs in');
  assert.equal(me.json.firstName, 'Bob');
});

it('verifyMergeUsers with resolutions -> VerifyResponse of the same session with every credential; the other account is gone', async () => {
  const r = await expectOk(merge(state.cur, [{ userId: state.other.id, fieldKey: 'firstName', type: 'standard' }]), 200, 'verifyMergeUsers');
  const u = r.json.user;
  assert.equal(u.id, state.cur.id);
  assert.equal(r.value.user.id, state.cur.id, 'the client model parses the response');
  const wallets = u.verifiedCredentials.filter((v) => v.format === 'blockchain').map((v) => v.address).sort();
  assert.deepEqual(wallets, [state.a.address, state.b.address, state.c.address].sort());
  assert.equal(u.firstName, 'Bob', 'the chosen value');
  assert.equal(u.lastName, 'Smith', 'a field only the other user filled in');
  const { payload } = await verifySessionJwt(ctx, r.json.jwt);
  const before = JSON.parse(Buffer.from(state.cur.token.split('.')[1], 'base64url').toString('utf8'));
  assert.equal(payload.sid, before.sid, 'same session');
  assert.equal(payload.sub, state.cur.id);
  assert.equal(payload.verified_credentials.length, 3);
  assert.match(u.verifiedCredentials[0].id, UUID_RE);

  await expectStatus(state.other.api.getAuthenticatedUser({ environmentId: ctx.envId }), 401, 'the merged account token');
  const signedIn = await signIn(state.c);
  assert.equal(signedIn.id, state.cur.id, "the other account's wallet now signs in to the merged account");
  state.cur.token = r.json.minifiedJwt;
  state.cur.api = sdkApi(ctx, { token: state.cur.token });
});

it('verifyMergeUsers again (replay) -> 422 merge_accounts_invalid', async () => {
  await expect422(merge(state.cur, [{ userId: state.cur.id, fieldKey: 'firstName', type: 'standard' }]), 'merge_accounts_invalid', 'replay');
});

it('a wallet whose account has no other credential is no merge: the link answers reassign_wallet_error (a transfer would empty that account)', async () => {
  const lone = Wallet.createRandom();
  await signIn(lone);
  await expect422(link(state.cur, lone), 'reassign_wallet_error', 'verifyLink');
  await expect422(merge(state.cur, []), 'merge_accounts_invalid', 'no merge was offered');
});
