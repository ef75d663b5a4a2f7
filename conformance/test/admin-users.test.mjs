// Admin Users, Wallets, Sessions and Visits groups, driven through the
// official client (@dynamic-labs/sdk-api@0.0.847): UsersApi, WalletsApi,
// SessionsApi and VisitsApi. Users are made by the admin API and by a real
// wallet sign-in; the list filters go through the client's own query
// encoding (filter brackets percent-encoded).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Wallet, getAddress } from 'ethers';
import bs58 from 'bs58';
import nacl from 'tweetnacl';
import {
  Configuration, UsersApi, WalletsApi, SessionsApi, VisitsApi,
} from '@dynamic-labs/sdk-api';
import {
  setup, expectOk, expectStatus, http, makeToken, sdkApi, evmVerifyRequest, unique, UUID_RE,
} from '../harness.mjs';

const { ctx, it } = setup();
const state = {};

/** The four admin clients with a bearer token. */
function admin(token = ctx.token) {
  const cfg = new Configuration({ basePath: ctx.basePath, accessToken: token, headers: { Authorization: `Bearer ${token}` } });
  return { users: new UsersApi(cfg), wallets: new WalletsApi(cfg), sessions: new SessionsApi(cfg), visits: new VisitsApi(cfg) };
}

const solanaAddress = () => bs58.encode(nacl.sign.keyPair().publicKey);

/** Sign a fresh or given ethers wallet in through the SDK; returns {wallet, userId, sessionId, jwt}. */
async function signIn(wallet = Wallet.createRandom()) {
  const body = await evmVerifyRequest(ctx, wallet);
  const r = await expectOk(sdkApi(ctx).verifyRaw({ environmentId: ctx.envId, verifyRequest: body }), 200, 'verify');
  return { wallet, userId: r.json.user.id, sessionId: r.json.user.sessionId, jwt: r.json.minifiedJwt };
}

const sdkUserStatus = async (jwt) => (await http(ctx, 'GET', `/sdk/${ctx.envId}/users`, { token: jwt })).status;

async function listIds(params, api = admin()) {
  const r = await expectOk(api.users.getEnvironmentUsersRaw({ environmentId: ctx.envId, ...params }), 200, 'getEnvironmentUsers');
  assert.equal(typeof r.json.count, 'number');
  return { count: r.json.count, ids: r.json.users.map((u) => u.id), json: r.json, value: r.value };
}

const sorted = (a) => [...a].sort();

// ------------------------------------------------------------ create, get

it('createUser stores the profile, a verified email credential and EVM/SOL wallets (EIP-55 shown)', async () => {
  const api = admin();
  state.aliceWallet = Wallet.createRandom().address;
  const r = await expectOk(api.users.createUserRaw({
    environmentId: ctx.envId,
    internalBulkUpdateUserFields: {
      email: 'Alice@Example.com', emailVerifiedAt: new Date('2025-01-02T03:04:05.000Z'), alias: 'ally',
      firstName: 'Alice', lastName: 'Liddell', metadata: { plan: 'gold' },
      wallets: [{ publicWalletAddress: state.aliceWallet.toLowerCase(), chain: 'EVM', walletName: 'metamask', walletProvider: 'browserExtension' }],
    },
  }), 200, 'createUser');
  const u = r.json.user;
  assert.match(u.id, UUID_RE);
  state.alice = u.id;
  assert.equal(u.projectEnvironmentId, ctx.envId);
  assert.equal(u.email, 'Alice@Example.com');
  assert.equal(u.alias, 'ally');
  assert.deepEqual(u.metadata, { plan: 'gold' });
  assert.equal(u.walletPublicKey, getAddress(state.aliceWallet), 'shown EIP-55');
  assert.equal(u.chain, 'EVM');
  assert.equal(u.wallets.length, 1);
  assert.equal(u.wallets[0].publicKey, getAddress(state.aliceWallet));
  const email = u.verifiedCredentials.find((c) => c.format === 'email');
  assert.equal(email.email, 'alice@example.com');
  assert.equal(email.verifiedAt, '2025-01-02T03:04:05.000Z');
  assert.equal(r.value.user.createdAt instanceof Date, true, 'the client model parses createdAt');

  state.bob = (await api.users.createUser({ environmentId: ctx.envId, internalBulkUpdateUserFields: {
    email: 'bob@example.org', username: 'bobby', jobTitle: 'Engineer', phoneNumber: '+15550100' } })).user.id;
  state.carolSol = solanaAddress();
  const carol = await api.users.createUser({ environmentId: ctx.envId, internalBulkUpdateUserFields: {
    firstName: 'Carol', wallets: [{ publicWalletAddress: state.carolSol, chain: 'SOL', walletName: 'phantom', walletProvider: 'browserExtension' }] } });
  state.carol = carol.user.id;
  assert.equal(carol.user.walletPublicKey, state.carolSol);

  const got = await expectOk(api.users.getUserRaw({ environmentId: ctx.envId, userId: state.alice }), 200, 'getUser');
  assert.equal(got.json.user.firstName, 'Alice');
  assert.deepEqual(got.json.user.sessions, []);
  const legacy = await expectOk(api.users.getUserLegacyRaw({ userId: state.bob }), 200, 'getUserLegacy');
  assert.equal(legacy.json.user.username, 'bobby');
});

it('createUser refuses duplicates with 422 codes and bad fields with 400 naming them', async () => {
  const api = admin();
  const dup = (fields) => api.users.createUser({ environmentId: ctx.envId, internalBulkUpdateUserFields: fields });
  let b = await expectStatus(dup({ email: 'ALICE@example.com' }), 422, 'duplicate email');
  assert.equal(b.code, 'email_already_exists');
  b = await expectStatus(dup({ username: 'Bobby' }), 422, 'duplicate username');
  assert.equal(b.code, 'username_already_exists');
  b = await expectStatus(dup({ wallets: [{ publicWalletAddress: getAddress(state.aliceWallet), chain: 'ETH', walletName: 'x', walletProvider: 'walletConnect' }] }), 422, 'duplicate wallet');
  assert.equal(b.code, 'duplicate_exists');
  b = await expectStatus(dup({ metadata: { blob: 'x'.repeat(9000) } }), 422, 'metadata too large');
  assert.equal(b.code, 'metadata_size_exceeded');
  b = await expectStatus(dup({ wallets: [{ publicWalletAddress: '0x1234', chain: 'EVM', walletName: 'x', walletProvider: 'browserExtension' }] }), 400, 'bad address');
  assert.match(b.error, /wallets\[0\]\.publicWalletAddress/);
  b = await expectStatus(dup({ alias: 'a'.repeat(256) }), 400, 'long alias');
  assert.match(b.error, /alias/);
  const r = await http(ctx, 'POST', `/environments/${ctx.envId}/users`, { token: ctx.token, body: { firstName: 42 } });
  assert.equal(r.status, 400);
  assert.match(r.json.error, /firstName/);
});

// ------------------------------------------------------------ list

it('a wallet sign-in makes a user the admin list shows, newest first', async () => {
  state.dave = await signIn();
  const { count, ids, value } = await listIds({});
  assert.equal(count, 4);
  assert.deepEqual(sorted(ids), sorted([state.alice, state.bob, state.carol, state.dave.userId]));
  assert.equal(ids[0], state.dave.userId, 'default order is createdAt desc');
  const d = value.users.find((u) => u.id === state.dave.userId);
  assert.equal(d.walletPublicKey, state.dave.wallet.address);
});

it('getEnvironmentUsers filters by every column, EIP-55 and lower-case alike, through the client encoding', async () => {
  const lower = getAddress(state.aliceWallet).toLowerCase();
  const cases = [
    [{ filterColumn: 'all', filterValue: 'EXAMPLE.' }, [state.alice, state.bob]],
    [{ filterColumn: 'all', filterValue: lower }, [state.alice]],
    [{ filterColumn: 'all', filterValue: lower.slice(2, 18) }, []],
    [{ filterColumn: 'id', filterValue: state.bob }, [state.bob]],
    [{ filterColumn: 'walletPublicKey', filterValue: getAddress(state.aliceWallet) }, [state.alice]],
    [{ filterColumn: 'walletPublicKey', filterValue: lower }, [state.alice]],
    [{ filterColumn: 'wallet', filterValue: state.dave.wallet.address.toLowerCase() }, [state.dave.userId]],
    [{ filterColumn: 'walletPublicKey', filterValue: state.carolSol }, [state.carol]],
    [{ filterColumn: 'email', filterValue: 'alice@' }, [state.alice]],
    [{ filterColumn: 'alias', filterValue: 'ALLY' }, [state.alice]],
    [{ filterColumn: 'firstName', filterValue: 'car' }, [state.carol]],
    [{ filterColumn: 'lastName', filterValue: 'liddell' }, [state.alice]],
    [{ filterColumn: 'phoneNumber', filterValue: '555' }, [state.bob]],
    [{ filterColumn: 'jobTitle', filterValue: 'engineer' }, [state.bob]],
    [{ filterColumn: 'username', filterValue: 'bobby' }, [state.bob]],
    [{ filterColumn: 'accountId', filterValue: '123' }, []],
    [{ chain: 'EVM' }, [state.alice, state.dave.userId]],
    [{ chain: 'SOL' }, [state.carol]],
    [{ filterSocialProvider: 'google' }, []],
  ];
  for (const [filter, want] of cases) {
    const { count, ids } = await listIds({ filter });
    assert.deepEqual(sorted(ids), sorted(want), `filter ${JSON.stringify(filter)}`);
    assert.equal(count, want.length, `count for ${JSON.stringify(filter)}`);
  }
  const b = await expectStatus(admin().users.getEnvironmentUsers({ environmentId: ctx.envId, filter: { filterColumn: 'password', filterValue: 'x' } }), 400, 'bad column');
  assert.match(b.error, /filter\[filterColumn\]/);
});

it('getEnvironmentUsers orders by a whitelisted field, pages with offset/limit, and includes sessions on request', async () => {
  const asc = await listIds({ orderBy: 'lastName:asc' });
  assert.equal(asc.ids.at(-1), state.alice, 'Liddell sorts last');
  const desc = await listIds({ orderBy: 'lastName:desc' });
  assert.equal(desc.ids[0], state.alice);
  const p1 = await listIds({ orderBy: 'createdAt:asc', limit: 3 });
  const p2 = await listIds({ orderBy: 'createdAt:asc', limit: 3, offset: 3 });
  assert.equal(p1.ids.length, 3);
  assert.equal(p2.ids.length, 1);
  assert.equal(p1.count, 4);
  assert.equal(p2.count, 4);
  assert.deepEqual(sorted([...p1.ids, ...p2.ids]), sorted([state.alice, state.bob, state.carol, state.dave.userId]));
  const withSessions = await listIds({ includeSessions: true });
  const d = withSessions.json.users.find((u) => u.id === state.dave.userId);
  assert.equal(d.sessions.length, 1);
  assert.equal(d.sessions[0].id, state.dave.sessionId);
  assert.equal(d.sessions[0].revokedAt, null);
  const plain = await listIds({});
  assert.equal(plain.json.users.find((u) => u.id === state.dave.userId).sessions, undefined);
  for (const params of [{ orderBy: 'password' }, { limit: 0 }, { limit: 1001 }, { offset: -1 }]) {
    const b = await expectStatus(admin().users.getEnvironmentUsers({ environmentId: ctx.envId, ...params }), 400, JSON.stringify(params));
    assert.match(b.error, new RegExp(Object.keys(params)[0]));
  }
});

// ------------------------------------------------------------ update, bulk

it('updateUser and updateUserLegacy change only the fields sent; null clears', async () => {
  const api = admin();
  let r = await expectOk(api.users.updateUserRaw({ environmentId: ctx.envId, userId: state.bob,
    internalUpdatableUserFields: { firstName: 'Robert', country: 'GB', metadata: { tier: 2 } } }), 200, 'updateUser');
  assert.equal(r.json.user.firstName, 'Robert');
  assert.equal(r.json.user.country, 'GB');
  assert.equal(r.json.user.username, 'bobby');
  assert.deepEqual(r.json.user.metadata, { tier: 2 });
  r = await expectOk(api.users.updateUserLegacyRaw({ userId: state.bob, internalUpdatableUserFields: { country: null } }), 200, 'updateUserLegacy');
  assert.equal(r.json.user.country, null);
  assert.equal(r.json.user.firstName, 'Robert');
  const b = await expectStatus(api.users.updateUserLegacy({ userId: state.alice, internalUpdatableUserFields: { username: 'BOBBY' } }), 422, 'taken username');
  assert.equal(b.code, 'username_already_exists');
});

it('bulkCreateUser creates, upserts and reports each failed row without half-made users', async () => {
  const api = admin();
  const taken = { publicWalletAddress: state.dave.wallet.address, chain: 'EVM', walletName: 'm', walletProvider: 'browserExtension' };
  let r = await expectOk(api.users.bulkCreateUserRaw({ environmentId: ctx.envId, upsert: false, internalUserFields: [
    { email: 'erin@example.com', firstName: 'Erin' },
    { email: 'frank@example.com', wallets: [taken] },
    { email: 'bob@example.org' },
  ] }), 200, 'bulkCreateUser');
  assert.equal(r.json.total, 3);
  assert.equal(r.json.created.length, 1);
  assert.equal(r.json.created[0].firstName, 'Erin');
  assert.equal(r.json.updated.length, 0);
  assert.deepEqual(r.json.failed.map((f) => f.code), ['duplicate_exists', 'email_already_exists']);
  assert.match(r.json.failed[0].error, /^\[1\]/, 'the failure names its row');
  assert.equal((await listIds({ filter: { filterColumn: 'email', filterValue: 'frank@' } })).count, 0, 'no half-made user');

  const fresh = Wallet.createRandom().address;
  r = await expectOk(api.users.bulkCreateUserRaw({ environmentId: ctx.envId, upsert: true, internalUserFields: [
    { email: 'BOB@example.org', jobTitle: 'Lead', wallets: [{ publicWalletAddress: fresh, chain: 'EVM', walletName: 'rabby', walletProvider: 'browserExtension' }] },
    { alias: 'dave', wallets: [taken] },
    { email: 'gina@example.com' },
    { email: 'erin@example.com', wallets: [taken] },
  ] }), 200, 'bulkCreateUser upsert');
  assert.equal(r.json.total, 4);
  assert.equal(r.json.created.length, 1);
  assert.equal(r.json.created[0].email, 'gina@example.com');
  assert.equal(r.json.updated.length, 2);
  const bob = r.json.updated.find((u) => u.id === state.bob);
  assert.equal(bob.jobTitle, 'Lead');
  assert.equal(bob.walletPublicKey, fresh);
  assert.equal(r.json.updated.find((u) => u.id === state.dave.userId).alias, 'dave');
  assert.equal(r.json.failed.length, 1);
  assert.match(r.json.failed[0].error, /^\[3\]/);
  assert.equal(r.value.updated.length, 2, 'the client model parses it');
});

// ------------------------------------------------------------ wallets

it('wallets: list by environment and user, get, create (duplicate 422), delete (last sign-in credential 422)', async () => {
  const api = admin();
  let r = await expectOk(api.wallets.getWalletsByEnvironmentIdRaw({ environmentId: ctx.envId, limit: 2, offset: 0 }), 200, 'getWalletsByEnvironmentId');
  assert.equal(r.json.wallets.length, 2);
  assert.equal(r.json.limit, 2);
  const total = r.json.count;
  assert.ok(total >= 4, `count is the total: ${total}`);
  const all = await api.wallets.getWalletsByEnvironmentId({ environmentId: ctx.envId });
  const aliceW = all.wallets.find((w) => w.userId === state.alice);
  assert.equal(aliceW.publicKey, getAddress(state.aliceWallet));
  assert.equal(aliceW.lowerPublicKey, state.aliceWallet.toLowerCase());

  const extra = Wallet.createRandom().address;
  const body = { publicWalletAddress: extra.toLowerCase(), chain: 'EVM', walletName: 'rainbow', walletProvider: 'walletConnect' };
  r = await expectOk(api.wallets.createWalletRaw({ environmentId: ctx.envId, userId: state.carol, createWalletRequest: body }), 200, 'createWallet');
  assert.equal(r.json.publicKey, extra);
  assert.equal(r.json.provider, 'walletConnect');
  const extraId = r.json.id;
  const dupe = await expectStatus(api.wallets.createWalletLegacy({ userId: state.alice, createWalletRequest: body }), 422, 'duplicate wallet');
  assert.equal(dupe.code, 'duplicate_exists');

  r = await expectOk(api.wallets.getWalletsByUserIdRaw({ environmentId: ctx.envId, userId: state.carol }), 200, 'getWalletsByUserId');
  assert.equal(r.json.count, 2);
  r = await expectOk(api.wallets.getWalletsByUserIdLegacyRaw({ userId: state.carol }), 200, 'getWalletsByUserIdLegacy');
  assert.equal(r.json.count, 2);
  r = await expectOk(api.wallets.getWalletByIdRaw({ environmentId: ctx.envId, walletId: extraId }), 200, 'getWalletById');
  assert.equal(r.json.name, 'rainbow');
  r = await expectOk(api.wallets.getWalletByIdLegacyRaw({ walletId: extraId }), 200, 'getWalletByIdLegacy');
  assert.equal(r.json.id, extraId);

  // Carol keeps her Solana wallet: the new one can go.
  await expectOk(api.wallets.deleteWalletByIdRaw({ environmentId: ctx.envId, walletId: extraId }), 204, 'deleteWalletById');
  await expectStatus(api.wallets.getWalletByIdLegacy({ walletId: extraId }), 404, 'deleted wallet');
  // Now the Solana wallet is her only sign-in credential.
  const solId = (await api.wallets.getWalletsByUserIdLegacy({ userId: state.carol })).wallets[0].id;
  const last = await expectStatus(api.wallets.deleteWalletByIdLegacy({ walletId: solId }), 422, 'last sign-in credential');
  assert.equal(last.code, 'cannot_delete_last_sign_in_verified_credential');
  const sol2 = solanaAddress();
  await api.wallets.createWalletLegacy({ userId: state.carol, createWalletRequest: { publicWalletAddress: sol2, chain: 'SOL', walletName: 'backpack', walletProvider: 'browserExtension' } });
  await expectOk(api.wallets.deleteWalletByIdLegacyRaw({ walletId: solId }), 204, 'deleteWalletByIdLegacy');
});

it('embedded-wallet routes answer 422 no_compatible_wallet_service_enabled', async () => {
  const api = admin();
  const calls = [
    () => api.wallets.getActiveEmbeddedWalletVersionsForEnvironment({ environmentId: ctx.envId }),
    () => api.wallets.createEmbeddedWallet({ environmentId: ctx.envId, createUserEmbeddedWalletsRequest: { identifier: 'a@example.com', type: 'email' } }),
    () => api.wallets.createEmbeddedWalletFromFarcaster({ environmentId: ctx.envId, createUserEmbeddedWalletsFromFarcasterRequest: { fid: 1, email: 'a@example.com', chains: ['EVM'] } }),
    () => api.wallets.recoverDeletedWalletsWithEnvironment({ environmentId: ctx.envId, walletRecoveryRequest: {} }),
  ];
  for (const [i, call] of calls.entries()) {
    const b = await expectStatus(call(), 422, `embedded wallet route ${i}`);
    assert.equal(b.code, 'no_compatible_wallet_service_enabled');
    assert.equal(b.error, 'no embedded wallet provider configured');
  }
  const o = await expectStatus(api.users.getUserOauthAccessToken({ oauthAccountId: randomUUID() }), 404, 'unknown oauth account');
  assert.equal(o.code, 'oauth_account_not_found');
});

// ------------------------------------------------------------ sessions, delete

it('revokeSessionById returns the Session with revokedAt and the session token is refused at once', async () => {
  const api = admin();
  assert.equal(await sdkUserStatus(state.dave.jwt), 200);
  let r = await expectOk(api.sessions.getSessionByIdRaw({ userId: state.dave.userId, sessionId: state.dave.sessionId }), 200, 'getSessionById');
  assert.equal(r.json.id, state.dave.sessionId);
  assert.equal(r.json.revokedAt, null);
  r = await expectOk(api.sessions.revokeSessionByIdRaw({ sessionId: state.dave.sessionId }), 200, 'revokeSessionById');
  assert.equal(r.json.id, state.dave.sessionId);
  assert.ok(!Number.isNaN(Date.parse(r.json.revokedAt)), `revokedAt: ${r.text}`);
  assert.equal(await sdkUserStatus(state.dave.jwt), 401);
  await expectStatus(api.sessions.getSessionById({ userId: state.bob, sessionId: state.dave.sessionId }), 404, 'session of another user');
});

it('revokeUserSessions and revokeUserSessionsLegacy refuse every session of the user at once', async () => {
  const api = admin();
  const s1 = await signIn(state.dave.wallet);
  const s2 = await signIn(state.dave.wallet);
  assert.equal(s1.userId, state.dave.userId);
  await expectOk(api.users.revokeUserSessionsRaw({ environmentId: ctx.envId, userId: state.dave.userId }), 204, 'revokeUserSessions');
  assert.equal(await sdkUserStatus(s1.jwt), 401);
  assert.equal(await sdkUserStatus(s2.jwt), 401);
  const s3 = await signIn(state.dave.wallet);
  await expectOk(api.users.revokeUserSessionsLegacyRaw({ userId: state.dave.userId }), 204, 'revokeUserSessionsLegacy');
  assert.equal(await sdkUserStatus(s3.jwt), 401);
});

it('deleteUser removes the user with credentials and sessions: the session token gets 401', async () => {
  const api = admin();
  const erin = await signIn();
  assert.equal(await sdkUserStatus(erin.jwt), 200);
  await expectOk(api.users.deleteUserRaw({ environmentId: ctx.envId, userId: erin.userId }), 204, 'deleteUser');
  assert.equal(await sdkUserStatus(erin.jwt), 401);
  await expectStatus(api.users.getUser({ environmentId: ctx.envId, userId: erin.userId }), 404, 'deleted user');
  assert.equal((await listIds({ filter: { filterColumn: 'wallet', filterValue: erin.wallet.address } })).count, 0);

  const gone = await api.users.createUser({ environmentId: ctx.envId, internalBulkUpdateUserFields: { email: unique('gone') + '@example.com' } });
  await expectOk(api.users.deleteUserLegacyRaw({ userId: gone.user.id }), 204, 'deleteUserLegacy');
  await expectStatus(api.users.getUserLegacy({ userId: gone.user.id }), 404, 'deleted user (legacy)');
});

// ------------------------------------------------------------ visits

it('getEnvironmentVisitors lists wallet connections with filters, order and paging', async () => {
  const a = Wallet.createRandom().address;
  for (const v of [
    { address: a.toLowerCase(), chain: 'EVM', provider: 'browserExtension', walletName: 'metamask' },
    { address: solanaAddress(), chain: 'SOL', provider: 'browserExtension', walletName: 'phantom' },
  ]) {
    const r = await http(ctx, 'POST', `/sdk/${ctx.envId}/connect`, { body: v });
    assert.equal(r.status, 204, r.text);
  }
  const api = admin();
  let r = await expectOk(api.visits.getEnvironmentVisitorsRaw({ environmentId: ctx.envId, filter: { filterColumn: 'walletPublicKey', filterValue: a } }), 200, 'getEnvironmentVisitors');
  assert.equal(r.json.count, 1);
  assert.equal(r.json.visitors[0].address, a, 'shown EIP-55');
  assert.equal(r.json.visitors[0].walletName, 'metamask');
  assert.equal(r.json.visitors[0].projectEnvironmentId, ctx.envId);
  r = await expectOk(api.visits.getEnvironmentVisitorsRaw({ environmentId: ctx.envId, filter: { chain: 'SOL' }, orderBy: 'createdAt:desc', limit: 1 }), 200, 'visitors on SOL');
  assert.ok(r.json.count >= 1);
  assert.equal(r.json.visitors.length, 1);
  assert.equal(r.json.visitors[0].chain, 'SOL');
  assert.ok(r.value.visitors[0].createdAt instanceof Date);
});

// ------------------------------------------------------------ reach

it('a users.read token lists but cannot create (403); a token of another environment sees nothing', async () => {
  const read = await makeToken(ctx, ctx.envId, ['environment.users.read']);
  const ro = admin(read.raw);
  const { count } = await listIds({}, ro);
  assert.ok(count >= 4);
  await expectStatus(ro.users.createUser({ environmentId: ctx.envId, internalBulkUpdateUserFields: { email: 'ro@example.com' } }), 403, 'read token creates');
  await expectStatus(ro.users.deleteUserLegacy({ userId: state.alice }), 403, 'read token deletes');

  const liveTok = await makeToken(ctx, ctx.liveEnvId);
  const live = admin(liveTok.raw);
  await expectStatus(live.users.getEnvironmentUsers({ environmentId: ctx.envId }), 403, 'sandbox list with a live token');
  const l = await expectOk(live.users.getEnvironmentUsersRaw({ environmentId: ctx.liveEnvId }), 200, 'live list');
  assert.equal(l.json.count, 0);
  assert.deepEqual(l.json.users, []);
  for (const [what, call] of [
    ['getUserLegacy', () => live.users.getUserLegacy({ userId: state.alice })],
    ['getUser via live path', () => live.users.getUser({ environmentId: ctx.liveEnvId, userId: state.alice })],
    ['deleteUserLegacy', () => live.users.deleteUserLegacy({ userId: state.alice })],
    ['getWalletsByUserIdLegacy', () => live.wallets.getWalletsByUserIdLegacy({ userId: state.alice })],
    ['revokeSessionById', () => live.sessions.revokeSessionById({ sessionId: state.dave.sessionId })],
  ]) {
    const b = await expectStatus(call(), 404, what);
    assert.deepEqual(Object.keys(b).sort(), ['code', 'error'], `${what}: no data in the body`);
  }
  const still = await admin().users.getUserLegacy({ userId: state.alice });
  assert.equal(still.user.alias, 'ally');
});
