// Linking, transferring, selecting and unlinking wallets of a signed-in user,
// driven through the official client's SDKApi (@dynamic-labs/sdk-api@0.0.847):
// verifyLink, verifyTransfer (with and without skipEmptyAccountCheck),
// selectUserWallet, verifyUnlink; tokens re-issued for the same session and
// checked against the served JWKS with `jose`; the result seen by the admin
// UsersApi, WalletsApi and SessionsApi, and an admin session revoke.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Wallet, getAddress } from 'ethers';
import { Configuration, UsersApi, WalletsApi, SessionsApi } from '@dynamic-labs/sdk-api';
import {
  setup, sdkApi, expectOk, expectStatus, http, evmVerifyRequest, verifySessionJwt, UUID_RE,
} from '../harness.mjs';

// many sign-ins from one IP: the per-IP SDK limits are turned off here
const { ctx, it } = setup({ serveArgs: ['--rate-limits', 'off'] });
const state = {};

function admin(token = ctx.token) {
  const cfg = new Configuration({ basePath: ctx.basePath, accessToken: token, headers: { Authorization: `Bearer ${token}` } });
  return { users: new UsersApi(cfg), wallets: new WalletsApi(cfg), sessions: new SessionsApi(cfg) };
}

/** Sign a wallet in; returns {id, sid, token, jwt, user, api}. */
async function signIn(wallet) {
  const body = await evmVerifyRequest(ctx, wallet);
  const r = await expectOk(sdkApi(ctx).verifyRaw({ environmentId: ctx.envId, verifyRequest: body }), 200, 'verify');
  const { payload } = await verifySessionJwt(ctx, r.json.minifiedJwt);
  return session(r.json, payload.sid);
}

function session(j, sid) {
  return { id: j.user.id, sid, token: j.minifiedJwt, jwt: j.jwt, user: j.user, api: sdkApi(ctx, { token: j.minifiedJwt }) };
}

/** Adopt the tokens of a VerifyResponse that re-issued the session of `who`. */
function adopt(who, j) {
  who.token = j.minifiedJwt;
  who.jwt = j.jwt;
  who.user = j.user;
  who.api = sdkApi(ctx, { token: j.minifiedJwt });
}

const walletCreds = (user) => user.verifiedCredentials.filter((v) => v.format === 'blockchain');
const addrs = (user) => walletCreds(user).map((v) => v.address).sort();
const sorted = (a) => [...a].sort();

function credOf(user, wallet) {
  const c = user.verifiedCredentials.find((v) => v.address?.toLowerCase() === wallet.address.toLowerCase());
  assert.ok(c, `credential for ${wallet.address} in ${JSON.stringify(user.verifiedCredentials)}`);
  return c;
}

async function expect422(promise, code, what) {
  const body = await expectStatus(promise, 422, what);
  assert.equal(body.code, code, `${what}: code ${code}: ${JSON.stringify(body)}`);
  return body;
}

/** Assert a VerifyResponse re-issued for the same user and session; returns the verified claims of both tokens. */
async function assertReissued(who, r, what) {
  const j = r.json;
  assert.equal(j.user.id, who.id, `${what}: same user`);
  assert.equal(r.value.user.id, who.id, `${what}: the client model parses the response`);
  assert.equal(typeof j.minifiedJwt, 'string', `${what}: minifiedJwt`);
  const mini = (await verifySessionJwt(ctx, j.minifiedJwt)).payload;
  const full = (await verifySessionJwt(ctx, j.jwt)).payload;
  for (const [name, p] of [['minifiedJwt', mini], ['jwt', full]]) {
    assert.equal(p.sid, who.sid, `${what}: ${name} keeps the session id`);
    assert.equal(p.sub, who.id, `${what}: ${name} sub`);
    assert.equal(p.environment_id, ctx.envId, `${what}: ${name} environment_id`);
  }
  assert.equal(j.expiresAt, mini.exp, `${what}: expiresAt = exp`);
  return { mini, full };
}

const sdkUsersStatus = async (token) => (await http(ctx, 'GET', `/sdk/${ctx.envId}/users`, { token })).status;

// ------------------------------------------------------------ link

it('verifyLink: wallet B joins U1 (signed in with A) -> same user and session, 2 eip155 credentials, tokens verify; GET /users shows both', async () => {
  state.a = Wallet.createRandom();
  state.b = Wallet.createRandom();
  state.c = Wallet.createRandom();
  state.u1 = await signIn(state.a);
  const u1 = state.u1;
  assert.match(u1.sid, UUID_RE);
  state.firstToken = u1.token;
  assert.equal(walletCreds(u1.user).length, 1);
  state.aCred = credOf(u1.user, state.a).id;

  const body = await evmVerifyRequest(ctx, state.b);
  const r = await expectOk(u1.api.verifyLinkRaw({ environmentId: ctx.envId, verifyRequest: body }), 200, 'verifyLink B');
  const { full } = await assertReissued(u1, r, 'verifyLink B');
  const u = r.json.user;
  assert.equal(u.verifiedCredentials.length, 2, JSON.stringify(u.verifiedCredentials));
  for (const c of u.verifiedCredentials) {
    assert.match(c.id, UUID_RE);
    assert.equal(c.format, 'blockchain');
    assert.equal(c.chain, 'eip155');
    assert.equal(c.address, getAddress(c.address), `EIP-55 address ${c.address}`);
  }
  assert.deepEqual(addrs(u), sorted([state.a.address, state.b.address]));
  assert.equal(credOf(u, state.a).id, state.aCred, 'A keeps its credential id');
  state.bCred = credOf(u, state.b).id;
  assert.notEqual(state.bCred, state.aCred);
  assert.equal(credOf(u, state.b).wallet_name, 'metamask');
  assert.equal(u.lastVerifiedCredentialId, state.bCred, 'the linked wallet is the last verified credential');
  assert.deepEqual(sorted(full.verified_credentials.map((v) => v.id)), sorted([state.aCred, state.bCred]), 'the full jwt lists both');
  assert.notEqual(r.json.minifiedJwt, u1.token, 'fresh tokens');
  adopt(u1, r.json);

  for (const [name, token] of [['new token', u1.token], ['token from before the link', state.firstToken]]) {
    const me = await expectOk(sdkApi(ctx, { token }).getAuthenticatedUserRaw({ environmentId: ctx.envId }), 200, `GET /users (${name})`);
    assert.equal(me.json.id, u1.id);
    assert.deepEqual(addrs(me.json), sorted([state.a.address, state.b.address]), `GET /users (${name}) shows both wallets`);
  }

  // linking an already linked wallet again is a no-op that still answers 200
  const again = await expectOk(u1.api.verifyLinkRaw({ environmentId: ctx.envId, verifyRequest: await evmVerifyRequest(ctx, state.b) }), 200, 'relink B');
  assert.equal(again.json.user.verifiedCredentials.length, 2);
  assert.equal(credOf(again.json.user, state.b).id, state.bCred);
  adopt(u1, again.json);

  // B now signs in to U1
  const viaB = await signIn(state.b);
  assert.equal(viaB.id, u1.id, 'the linked wallet signs in to U1');
  assert.equal(viaB.user.newUser, false);
  await expectOk(sdkApi(ctx, { token: viaB.token }).revokeSessionRaw({ environmentId: ctx.envId }), 204, 'drop the extra session');

  // without a bearer, or replaying a consumed nonce
  await expectStatus(sdkApi(ctx).verifyLink({ environmentId: ctx.envId, verifyRequest: await evmVerifyRequest(ctx, Wallet.createRandom()) }),
    401, 'verifyLink without bearer');
  await expect422(u1.api.verifyLink({ environmentId: ctx.envId, verifyRequest: body }), 'other_verify_failure', 'verifyLink replaying a consumed nonce');
});

// ------------------------------------------------------------ transfer

it('verifyLink of U2\'s only wallet C -> reassign_wallet_error (Dynamic\'s widget then offers the transfer with skipEmptyAccountCheck); verifyTransfer -> the same; with skipEmptyAccountCheck -> moved', async () => {
  const u1 = state.u1;
  state.u2 = await signIn(state.c);
  const u2 = state.u2;
  assert.notEqual(u2.id, u1.id);
  assert.equal(u2.user.verifiedCredentials.length, 1, 'C is U2\'s only credential');
  const cCred = credOf(u2.user, state.c).id;

  const body = await evmVerifyRequest(ctx, state.c);
  const confirm = await expect422(u1.api.verifyLink({ environmentId: ctx.envId, verifyRequest: body }), 'reassign_wallet_error', 'verifyLink C');
  assert.ok(confirm.error.length > 0);
  const err = await expect422(u1.api.verifyTransfer({ environmentId: ctx.envId, verifyRequest: body }), 'reassign_wallet_error',
    'verifyTransfer C (the same signed request) would empty U2');
  assert.ok(err.error.length > 0);

  // nothing moved
  const me2 = await expectOk(u2.api.getAuthenticatedUserRaw({ environmentId: ctx.envId }), 200, 'U2 after refused transfer');
  assert.deepEqual(addrs(me2.json), [state.c.address]);
  let me1 = await expectOk(u1.api.getAuthenticatedUserRaw({ environmentId: ctx.envId }), 200, 'U1 after refused transfer');
  assert.equal(me1.json.verifiedCredentials.length, 2);

  const r = await expectOk(u1.api.verifyTransferRaw({ environmentId: ctx.envId, verifyRequest: { ...body, skipEmptyAccountCheck: true } }),
    200, 'verifyTransfer C with skipEmptyAccountCheck');
  const { full } = await assertReissued(u1, r, 'verifyTransfer');
  const u = r.json.user;
  assert.equal(u.verifiedCredentials.length, 3, JSON.stringify(u.verifiedCredentials));
  assert.deepEqual(addrs(u), sorted([state.a.address, state.b.address, state.c.address]));
  const moved = credOf(u, state.c);
  assert.equal(moved.chain, 'eip155');
  assert.equal(moved.address, state.c.address);
  assert.equal(u.lastVerifiedCredentialId, moved.id);
  state.cCred = moved.id;
  assert.equal(full.verified_credentials.length, 3);
  adopt(u1, r.json);
  assert.equal(moved.id, cCred, 'the transferred credential keeps its id');

  // the same signed request cannot be used once more
  await expect422(u1.api.verifyTransfer({ environmentId: ctx.envId, verifyRequest: { ...body, skipEmptyAccountCheck: true } }),
    'other_verify_failure', 'verifyTransfer replay (nonce consumed)');

  const got = await expectOk(admin().users.getUserRaw({ environmentId: ctx.envId, userId: u2.id }), 200, 'admin getUser(U2)');
  assert.equal(got.json.user.id, u2.id);
  assert.deepEqual(got.json.user.verifiedCredentials ?? [], [], `U2 has no credential left: ${got.text.slice(0, 400)}`);
  assert.deepEqual(got.json.user.wallets ?? [], [], 'U2 has no wallet left');
  const w2 = await expectOk(admin().wallets.getWalletsByUserIdRaw({ environmentId: ctx.envId, userId: u2.id }), 200, 'U2 wallets');
  assert.equal(w2.json.count, 0);
  me1 = await expectOk(u1.api.getAuthenticatedUserRaw({ environmentId: ctx.envId }), 200, 'U1 after transfer');
  assert.equal(me1.json.verifiedCredentials.length, 3);
  const viaC = await signIn(state.c);
  assert.equal(viaC.id, u1.id, 'C now signs in to U1');
  await expectOk(sdkApi(ctx, { token: viaC.token }).revokeSessionRaw({ environmentId: ctx.envId }), 204, 'drop the extra session');
});

// ------------------------------------------------------------ select

it('selectUserWallet(B) -> 200, B has lastSelectedAt (response, JWT, GET /users); a foreign or unknown wallet -> 422', async () => {
  const u1 = state.u1;
  const t0 = Date.now();
  const r = await expectOk(u1.api.selectUserWalletRaw({ environmentId: ctx.envId, userWalletSelectionRequest: { walletId: state.bCred } }),
    200, 'selectUserWallet B');
  const { full } = await assertReissued(u1, r, 'selectUserWallet');
  const b = r.json.user.verifiedCredentials.find((v) => v.id === state.bCred);
  assert.ok(b, 'B is still there');
  assert.equal(typeof b.lastSelectedAt, 'string', `B.lastSelectedAt: ${JSON.stringify(b)}`);
  const at = Date.parse(b.lastSelectedAt);
  assert.ok(Math.abs(at - t0) < 60_000, `lastSelectedAt is now: ${b.lastSelectedAt}`);
  for (const v of r.json.user.verifiedCredentials.filter((x) => x.id !== state.bCred)) {
    assert.ok(v.lastSelectedAt == null, `only B is selected: ${JSON.stringify(v)}`);
  }
  const jb = full.verified_credentials.find((v) => v.id === state.bCred);
  assert.equal(Date.parse(jb.lastSelectedAt), at, 'the full jwt carries lastSelectedAt');
  assert.ok(r.value.user.verifiedCredentials.find((v) => v.id === state.bCred).lastSelectedAt, 'the client model reads lastSelectedAt');
  adopt(u1, r.json);
  const me = await expectOk(u1.api.getAuthenticatedUserRaw({ environmentId: ctx.envId }), 200, 'GET /users');
  assert.equal(Date.parse(me.json.verifiedCredentials.find((v) => v.id === state.bCred).lastSelectedAt), at);

  const d = await signIn(Wallet.createRandom());
  state.foreignCred = d.user.verifiedCredentials[0].id;
  await expect422(u1.api.selectUserWallet({ environmentId: ctx.envId, userWalletSelectionRequest: { walletId: state.foreignCred } }),
    'invalid_wallet_id', 'select another user\'s wallet');
  await expect422(u1.api.selectUserWallet({ environmentId: ctx.envId, userWalletSelectionRequest: { walletId: randomUUID() } }),
    'invalid_wallet_id', 'select an unknown wallet');
});

// ------------------------------------------------------------ unlink

it('verifyUnlink(B) -> 2 left; unlink down to the last -> cannot_delete_last_sign_in_verified_credential; a foreign id -> forbidden_unlink_request', async () => {
  const u1 = state.u1;
  let r = await expectOk(u1.api.verifyUnlinkRaw({ environmentId: ctx.envId, verifyUnlinkRequest: { verifiedCredentialId: state.bCred } }),
    200, 'verifyUnlink B');
  let { full } = await assertReissued(u1, r, 'verifyUnlink B');
  assert.equal(r.json.user.verifiedCredentials.length, 2);
  assert.deepEqual(addrs(r.json.user), sorted([state.a.address, state.c.address]));
  assert.ok(!full.verified_credentials.some((v) => v.id === state.bCred), 'B is gone from the full jwt');
  adopt(u1, r.json);
  const me = await expectOk(u1.api.getAuthenticatedUserRaw({ environmentId: ctx.envId }), 200, 'GET /users after unlink');
  assert.deepEqual(addrs(me.json), sorted([state.a.address, state.c.address]));

  await expect422(u1.api.verifyUnlink({ environmentId: ctx.envId, verifyUnlinkRequest: { verifiedCredentialId: state.bCred } }),
    'forbidden_unlink_request', 'unlink B twice');

  r = await expectOk(u1.api.verifyUnlinkRaw({ environmentId: ctx.envId, verifyUnlinkRequest: { verifiedCredentialId: state.cCred } }),
    200, 'verifyUnlink C');
  await assertReissued(u1, r, 'verifyUnlink C');
  assert.deepEqual(r.json.user.verifiedCredentials.map((v) => v.id), [state.aCred]);
  assert.equal(r.json.user.lastVerifiedCredentialId, state.aCred, 'lastVerifiedCredentialId falls back to a remaining credential');
  adopt(u1, r.json);

  await expect422(u1.api.verifyUnlink({ environmentId: ctx.envId, verifyUnlinkRequest: { verifiedCredentialId: state.aCred } }),
    'cannot_delete_last_sign_in_verified_credential', 'unlink the last credential');
  await expect422(u1.api.verifyUnlink({ environmentId: ctx.envId, verifyUnlinkRequest: { verifiedCredentialId: state.foreignCred } }),
    'forbidden_unlink_request', 'unlink another user\'s credential');
  await expect422(u1.api.verifyUnlink({ environmentId: ctx.envId, verifyUnlinkRequest: { verifiedCredentialId: randomUUID() } }),
    'forbidden_unlink_request', 'unlink an unknown id');
  const still = await expectOk(u1.api.getAuthenticatedUserRaw({ environmentId: ctx.envId }), 200, 'GET /users after refusals');
  assert.deepEqual(still.json.verifiedCredentials.map((v) => v.id), [state.aCred]);

  // an unlinked wallet is free again: B signs in as a new user
  const b = await signIn(state.b);
  assert.notEqual(b.id, u1.id);
  assert.equal(b.user.newUser, true);
});

// ------------------------------------------------------------ admin view

it('admin: getEnvironmentUsers by walletPublicKey (lower-case and EIP-55) finds U1 with its wallets; getWalletsByUserId; sessions; revokeSessionById -> 401', async () => {
  const u1 = state.u1;
  const api = admin();
  for (const value of [state.a.address.toLowerCase(), getAddress(state.a.address)]) {
    const r = await expectOk(api.users.getEnvironmentUsersRaw({ environmentId: ctx.envId, filter: { filterColumn: 'walletPublicKey', filterValue: value } }),
      200, `getEnvironmentUsers walletPublicKey=${value}`);
    assert.equal(r.json.count, 1, `one user for ${value}: ${r.text.slice(0, 400)}`);
    const u = r.json.users[0];
    assert.equal(u.id, u1.id);
    assert.equal(u.walletPublicKey, state.a.address, 'shown EIP-55');
    assert.deepEqual(u.wallets.map((w) => [w.id, w.publicKey, w.chain]), [[state.aCred, state.a.address, 'EVM']]);
    assert.deepEqual(u.verifiedCredentials.map((v) => v.id), [state.aCred]);
    assert.equal(r.value.users[0].id, u1.id, 'the client model parses the list');
  }
  for (const gone of [state.b.address, state.c.address]) {
    const r = await api.users.getEnvironmentUsers({ environmentId: ctx.envId, filter: { filterColumn: 'walletPublicKey', filterValue: gone } });
    assert.ok(!r.users.some((u) => u.id === u1.id), `U1 is not found by an unlinked wallet ${gone}`);
  }

  const w = await expectOk(api.wallets.getWalletsByUserIdRaw({ environmentId: ctx.envId, userId: u1.id }), 200, 'getWalletsByUserId');
  assert.equal(w.json.count, 1);
  assert.deepEqual(w.json.wallets.map((x) => [x.id, x.publicKey, x.chain, x.name, x.provider]),
    [[state.aCred, state.a.address, 'EVM', 'metamask', 'browserExtension']]);

  const ws = await expectOk(api.users.getEnvironmentUsersRaw({ environmentId: ctx.envId, includeSessions: true,
    filter: { filterColumn: 'id', filterValue: u1.id } }), 200, 'getEnvironmentUsers includeSessions');
  assert.equal(ws.json.count, 1);
  const sessions = ws.json.users[0].sessions;
  assert.ok(Array.isArray(sessions), `sessions listed: ${ws.text.slice(0, 400)}`);
  const s = sessions.find((x) => x.id === u1.sid);
  assert.ok(s, `U1's session ${u1.sid} is listed: ${JSON.stringify(sessions)}`);
  assert.equal(s.revokedAt, null);
  // the link, transfer, select and unlink re-issued tokens of one session; the B and C sign-ins were revoked
  assert.deepEqual(sessions.filter((x) => x.revokedAt == null).map((x) => x.id), [u1.sid], 'one live session');

  const got = await expectOk(api.sessions.getSessionByIdRaw({ userId: u1.id, sessionId: u1.sid }), 200, 'getSessionById');
  assert.equal(got.json.id, u1.sid);
  assert.equal(got.json.revokedAt, null);

  assert.equal(await sdkUsersStatus(u1.token), 200);
  const t0 = Date.now();
  const rv = await expectOk(api.sessions.revokeSessionByIdRaw({ sessionId: u1.sid }), 200, 'revokeSessionById');
  assert.equal(rv.json.id, u1.sid);
  assert.equal(typeof rv.json.revokedAt, 'string', `revokedAt: ${rv.text}`);
  assert.ok(Math.abs(Date.parse(rv.json.revokedAt) - t0) < 60_000, `revokedAt is now: ${rv.json.revokedAt}`);
  assert.equal(await sdkUsersStatus(u1.token), 401, 'the latest token of the revoked session');
  assert.equal(await sdkUsersStatus(state.firstToken), 401, 'the first token of the revoked session');
  await expectStatus(u1.api.getAuthenticatedUser({ environmentId: ctx.envId }), 401, 'GET /users through the client');
  await expectStatus(u1.api.verifyLink({ environmentId: ctx.envId, verifyRequest: await evmVerifyRequest(ctx, Wallet.createRandom()) }),
    401, 'verifyLink with a revoked session');
  const after = await expectOk(api.sessions.getSessionByIdRaw({ userId: u1.id, sessionId: u1.sid }), 200, 'getSessionById after revoke');
  assert.equal(Date.parse(after.json.revokedAt), Date.parse(rv.json.revokedAt));
});
