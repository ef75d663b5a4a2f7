// Dynamic's own JavaScript SDK (@dynamic-labs-sdk/client), unchanged, in
// Node: joining accounts through the SDK's own functions. A wallet of
// another account is linked: MergeAccountsConfirmationError, then
// mergeUserAccounts (with no resolutions when nothing conflicts, which
// posts users/merge; with the user's choices otherwise, verify/merge). A
// wallet whose account has nothing else: LinkCredentialError (reassign_wallet_error);
// transferWalletAccount (verify/transfer) taking a wallet instead of the merge.
// An email change through updateUser is verified by verifyOTP. External
// JWT: signInWithExternalJwt and requestExternalAuthElevatedToken.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import httpServer from 'node:http';
import nodeCrypto from 'node:crypto';
import { Wallet } from 'ethers';
import { generateKeyPair, exportJWK, SignJWT } from 'jose';
import {
  createDynamicClient, initializeClient, connectAndVerifyWithWalletProvider, logout, updateUser, verifyOTP,
  mergeUserAccounts, MergeAccountsConfirmationError, LinkCredentialError, transferWalletAccount, getWalletAccounts, signInWithExternalJwt,
  requestExternalAuthElevatedToken, getElevatedAccessToken,
} from '@dynamic-labs-sdk/client';
import { getWalletProviderRegistry, WalletProviderPriority } from '@dynamic-labs-sdk/client/core';
import { setup, http, updateSettings, sdkApi, expectOk, evmVerifyRequest, verifySessionJwt, APP_ORIGIN } from '../harness.mjs';
import { ethersProvider, nodeSdk, settle } from '../sdk-shims.mjs';

const { ctx, it } = setup({ serveArgs: ['--rate-limits', 'off', '--external-jwt-allow-private'] });
const inflight = new Set();
const live = [];
const state = {};

const newSdk = () => nodeSdk(ctx, { createDynamicClient, origin: APP_ORIGIN, inflight, live });

let providers = 0;
/** Connects and verifies wallet through the SDK: a sign-in, or a link when the client is signed in. */
function connect(s, wallet) {
  const n = ++providers;
  const provider = { ...ethersProvider(wallet), key: `ethers${n}evm:browserExtension`, groupKey: `ethers${n}` };
  getWalletProviderRegistry(s.client).register({ priority: WalletProviderPriority.WALLET_SDK, walletProvider: provider });
  return connectAndVerifyWithWalletProvider({ walletProviderKey: provider.key }, s.client);
}

async function sdkSignIn(wallet) {
  const s = newSdk();
  await initializeClient(s.client);
  await connect(s, wallet);
  assert.ok(s.client.user, `signed in:\n${s.describe()}`);
  return s;
}

/** Another account (the official client): signed in with the first wallet, the others linked, the profile set. */
async function otherAccount(wallets, userFields) {
  const first = await expectOk(sdkApi(ctx).verifyRaw({ environmentId: ctx.envId,
    verifyRequest: await evmVerifyRequest(ctx, wallets[0]) }), 200, 'sign in the other account');
  let token = first.json.minifiedJwt;
  for (const w of wallets.slice(1)) {
    const l = await expectOk(sdkApi(ctx, { token }).verifyLinkRaw({ environmentId: ctx.envId,
      verifyRequest: await evmVerifyRequest(ctx, w) }), 200, 'link to the other account');
    token = l.json.minifiedJwt;
  }
  if (userFields) await expectOk(sdkApi(ctx, { token }).updateSelfRaw({ environmentId: ctx.envId, userFields }), 200, 'profile');
  return { id: first.json.user.id, token };
}

const walletsOf = (user) => user.verifiedCredentials.filter((c) => c.format === 'blockchain').map((c) => c.address.toLowerCase());

it('a wallet of another account without conflicts: MergeAccountsConfirmationError, then mergeUserAccounts() (users/merge) joins it', async () => {
  const [a, b1, b2] = [Wallet.createRandom(), Wallet.createRandom(), Wallet.createRandom()];
  const other = await otherAccount([b1, b2]);
  const s = await sdkSignIn(a);
  const me = s.client.user.id;
  const err = await connect(s, b1).then(() => null, (e) => e);
  assert.ok(err instanceof MergeAccountsConfirmationError, `merge offered: ${err}\n${s.describe()}`);
  assert.equal(err.mergeConflicts?.fromUser?.id, other.id);
  assert.deepEqual(err.mergeConflicts.conflicts, []);
  const user = await mergeUserAccounts(undefined, s.client);
  assert.equal(user.id, me, s.describe());
  assert.deepEqual(walletsOf(s.client.user).sort(), [a, b1, b2].map((w) => w.address.toLowerCase()).sort());
  assert.ok(s.log.some((e) => e.path === '/users/merge' && e.status === 200), s.describe());
  // The merged-away account is gone: its wallet signs in to this user.
  const again = await expectOk(sdkApi(ctx).verifyRaw({ environmentId: ctx.envId, verifyRequest: await evmVerifyRequest(ctx, b2) }));
  assert.equal(again.json.user.id, me);
  state.profile = s;
});

it('with a conflict: mergeUserAccounts() alone is refused and merges nothing; with the user\'s resolution (verify/merge) it merges', async () => {
  const [c, d1, d2] = [Wallet.createRandom(), Wallet.createRandom(), Wallet.createRandom()];
  const other = await otherAccount([d1, d2], { firstName: 'Dan' });
  const s = await sdkSignIn(c);
  await updateUser({ userFields: { firstName: 'Cat' } }, s.client);
  const err = await connect(s, d1).then(() => null, (e) => e);
  assert.ok(err instanceof MergeAccountsConfirmationError, `merge offered: ${err}`);
  const conflicts = err.mergeConflicts.conflicts.map((x) => [x.field.name, x.currentUser.value, x.fromUser.value]);
  assert.deepEqual(conflicts, [['firstName', 'Cat', 'Dan']]);
  // the SDK turns merge_accounts_invalid into its LinkCredentialError
  await assert.rejects(mergeUserAccounts(undefined, s.client),
    (e) => e.code === 'link_credential_error' && e.cause?.code === 'merge_accounts_invalid', 'unresolved');
  assert.equal(walletsOf(s.client.user).length, 1, 'nothing merged');
  await mergeUserAccounts({ conflictResolutions: [{ userId: other.id, fieldKey: 'firstName', type: 'standard' }] }, s.client);
  assert.equal(s.client.user.firstName, 'Dan', s.describe());
  assert.equal(walletsOf(s.client.user).length, 3);
});

// Dynamic's React widget reads reassign_wallet_error from verify/link as
// "the other account has nothing else" and asks before it transfers with
// skipEmptyAccountCheck; the JS SDK never sends that flag, so it can only
// refuse (LinkCredentialError), and its transferWalletAccount is refused too.
it('a wallet whose account has no other credential: LinkCredentialError (reassign_wallet_error); transferWalletAccount is refused too, nothing moves', async () => {
  const lone = Wallet.createRandom();
  const other = await otherAccount([lone]);
  const s = state.profile;
  const before = walletsOf(s.client.user).length;
  const err = await connect(s, lone).then(() => null, (e) => e);
  assert.ok(err instanceof LinkCredentialError && err.cause?.code === 'reassign_wallet_error', `refused: ${err}\n${s.describe()}`);
  const key = `ethers${providers}evm:browserExtension`;
  await assert.rejects(transferWalletAccount({ walletProviderKey: key }, s.client),
    (e) => e instanceof LinkCredentialError && e.cause?.code === 'reassign_wallet_error', 'the transfer would empty the other account');
  assert.equal(walletsOf(s.client.user).length, before);
  const still = await expectOk(sdkApi(ctx, { token: other.token }).getAuthenticatedUserRaw({ environmentId: ctx.envId }));
  assert.equal(walletsOf(still.json)[0], lone.address.toLowerCase());
});

it('transferWalletAccount (verify/transfer) instead of the merge offered: the wallet moves, the other account keeps the rest', async () => {
  const [moved, kept] = [Wallet.createRandom(), Wallet.createRandom()];
  const other = await otherAccount([moved, kept]);
  const s = state.profile;
  const before = walletsOf(s.client.user).length;
  const err = await connect(s, moved).then(() => null, (e) => e);
  assert.ok(err instanceof MergeAccountsConfirmationError, `merge offered: ${err}\n${s.describe()}`);
  const n = s.log.length;
  const acct = await transferWalletAccount({ walletProviderKey: `ethers${providers}evm:browserExtension` }, s.client);
  assert.equal(acct.address.toLowerCase(), moved.address.toLowerCase());
  const req = s.log.slice(n).filter((e) => e.path === '/verify/transfer');
  assert.deepEqual(req.map((e) => e.status), [200], s.describe());
  assert.equal(walletsOf(s.client.user).length, before + 1, s.describe());
  assert.ok(getWalletAccounts(s.client).some((a) => a.address.toLowerCase() === moved.address.toLowerCase() && a.verifiedCredentialId),
    JSON.stringify(getWalletAccounts(s.client)));
  const left = await expectOk(sdkApi(ctx, { token: other.token }).getAuthenticatedUserRaw({ environmentId: ctx.envId }));
  assert.deepEqual(walletsOf(left.json), [kept.address.toLowerCase()]);
  // the merge offered before is gone with the wallet: nothing more moves
  await assert.rejects(mergeUserAccounts(undefined, s.client), 'no merge left');
  assert.equal(walletsOf(s.client.user).length, before + 1);
});

it('updateUser with a new email (the environment signs in with email): verification started, verifyOTP stores it', async () => {
  await updateSettings(ctx, (s) => {
    s.providers = [...(s.providers ?? []).filter((p) => p.provider !== 'emailOnly'), { provider: 'emailOnly', enabledAt: new Date().toISOString() }];
  });
  const s = state.profile;
  const email = `linked-${Date.now()}@example.com`;
  const started = await updateUser({ userFields: { email } }, s.client);
  assert.ok(started?.verificationUUID, `a verification: ${JSON.stringify(started)}\n${s.describe()}`);
  assert.notEqual(s.client.user.email, email, 'not stored before the code');
  const lines = fs.readFileSync(`${ctx.db}.outbox.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const code = lines.filter((l) => l.to === email).pop()?.code;
  await verifyOTP({ otpVerification: started, verificationToken: code }, s.client);
  assert.equal(s.client.user.email, email, s.describe());
  assert.ok(s.client.user.verifiedCredentials.some((c) => c.format === 'email' && c.email === email));
});

it('external JWT: signInWithExternalJwt signs the sub in; requestExternalAuthElevatedToken adds an elevated token the SDK keeps', async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'app-1', alg: 'RS256', use: 'sig' };
  const srv = httpServer.createServer((req, res) => { res.setHeader('Content-Type', 'application/json'); res.end(JSON.stringify({ keys: [jwk] })); });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  try {
    await updateSettings(ctx, (s) => {
      s.security = { ...s.security, externalAuth: { enabled: true, iss: 'https://app.example', aud: 'conformance',
        jwksUrl: `http://127.0.0.1:${srv.address().port}/jwks.json` } };
    });
    const sign = (claims = {}) => new SignJWT({ email: 'ext@example.com', email_verified: true, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'app-1' })
      .setIssuer('https://app.example').setAudience('conformance').setSubject(claims.sub ?? 'app-user-7').setExpirationTime('5m').sign(privateKey);
    const s = newSdk();
    await initializeClient(s.client);
    await signInWithExternalJwt({ externalJwt: await sign() }, s.client);
    assert.ok(s.client.user, `signed in:\n${s.describe()}`);
    assert.equal(s.client.user.email, 'ext@example.com');
    // the assertion the application's backend signs: sub, scope, jti, exp
    const assertion = await sign({ scope: 'credential:link', jti: `a-${Date.now()}` });
    const res = await requestExternalAuthElevatedToken({ externalJwt: assertion }, s.client);
    assert.ok(res.elevatedAccessToken, `an elevated token: ${JSON.stringify(res).slice(0, 300)}\n${s.describe()}`);
    assert.equal(getElevatedAccessToken({ scope: 'credential:link', consume: false }, s.client), res.elevatedAccessToken,
      'the SDK keeps it for the scope');
    await assert.rejects(requestExternalAuthElevatedToken({ externalJwt: assertion }, s.client), 'the same assertion again');
    const other = await sign({ scope: 'credential:link', jti: `b-${Date.now()}`, sub: 'someone-else' });
    await assert.rejects(requestExternalAuthElevatedToken({ externalJwt: other }, s.client), 'another user\'s assertion');

    // signInWithExternalJwt with sessionPublicKey (a key the app holds): the session is bound to it, not to the SDK's own
    const s2 = newSdk();
    await initializeClient(s2.client);
    const appKey = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'der', type: 'spki' }).subarray(-65);
    const sessionPublicKey = Buffer.concat([Buffer.from([2 | (appKey[64] & 1)]), appKey.subarray(1, 33)]).toString('hex');
    await signInWithExternalJwt({ externalJwt: await sign(), sessionPublicKey }, s2.client);
    assert.equal(s2.client.user?.id, s.client.user.id, s2.describe());
    const req = s2.log.find((e) => e.path === '/externalAuth/signin');
    assert.equal(req.body.sessionPublicKey, sessionPublicKey);
    assert.notEqual(req.headers['x-dyn-session-public-key'], sessionPublicKey, 'the SDK sends its own key in the header');
    const { payload } = await verifySessionJwt(ctx, s2.client.token);
    assert.equal(payload.session_public_key, sessionPublicKey, 'the key named in the body binds the session');
  } finally {
    srv.close();
  }
});

// Signed-in clients keep timers and would revoke after the server stops:
// they log out while it still runs.
it('logout of every client -> POST /revoke', async () => {
  for (const s of live) if (s.client.user) await logout(s.client);
  await settle(inflight);
  assert.ok(live.every((s) => !s.client.user));
});
