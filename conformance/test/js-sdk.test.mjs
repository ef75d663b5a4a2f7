// Dynamic's own JavaScript SDK, @dynamic-labs-sdk/client@1.27.1, unchanged,
// running in Node against dynamicauth: init (and getNetworksData from its
// settings), EVM wallet sign-in through a
// registered wallet provider over an ethers Wallet, reading the user,
// refresh and logout; isSignedIn, isWalletAccountVerified,
// proveWalletAccountOwnership, fetchProjectSettings, getCaptchaSettings,
// and getTransactionHistory, whose route is in the contract's later tier
// (see /work/shared/reference/dynamic-js-sdk.md).
//
// Node shims passed through coreConfig (nothing in the SDK is patched):
//   fetch          - the global fetch, wrapped to record every request;
//   storageAdapter - an in-memory map (the default needs localStorage);
//   keychain       - an in-memory P-256 keychain on WebCrypto with the same
//                    outputs as the SDK's (compressed public key hex, raw
//                    r||s signature hex); the default one keeps its keys in
//                    IndexedDB, which Node does not have ("indexedDB is not
//                    defined" during initializeClient -> generateSessionKeys).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import nodeCrypto from 'node:crypto';
import { after } from 'node:test';
import { Wallet, getAddress, verifyMessage } from 'ethers';
import nacl from 'tweetnacl';
import bs58 from 'bs58';
import {
  createDynamicClient, initializeClient, connectAndVerifyWithWalletProvider, refreshUser, refreshAuth,
  logout, getWalletAccounts, sendEmailOTP, verifyOTP, getNetworksData, removeWalletAccount, isSignedIn, isWalletAccountVerified,
  connectWithWalletProvider, proveWalletAccountOwnership, fetchProjectSettings, getCaptchaSettings, getTransactionHistory,
} from '@dynamic-labs-sdk/client';
import { getWalletProviderRegistry, WalletProviderPriority } from '@dynamic-labs-sdk/client/core';
import {
  setup, sdkApi, expectOk, expectStatus, http, issueNonce, evmVerifyRequest, verifySessionJwt, updateSettings, UUID_RE, APP_ORIGIN,
} from '../harness.mjs';
import { ethersProvider, nodeSdk, settle } from '../sdk-shims.mjs';

const { ctx, it } = setup();
const state = {};
const live = [];
// Requests the SDK sends on its own (logout refetches the settings) may
// still be in flight when a test ends; a file that ends with one pending
// stops the server under it and the SDK's rejection fails the run.
const inflight = new Set();

after(async () => {
  // signed-in clients keep an expiry timer; log them out so the file ends
  for (const s of live) { try { if (s.client.user) await logout(s.client); } catch { /* server gone */ } }
  await settle(inflight);
});

/** A fresh SDK instance ("a browser tab") with recording fetch and in-memory shims. */
const newSdk = () => nodeSdk(ctx, { createDynamicClient, origin: APP_ORIGIN, inflight, live });

/** A Solana WalletProvider over a tweetnacl key pair (base58 signatures, network 101 = mainnet). */
function solanaProvider(kp) {
  const address = bs58.encode(kp.publicKey);
  const calls = [];
  return {
    calls,
    chain: 'SOL',
    groupKey: 'naclsol',
    key: 'naclsol:browserExtension',
    metadata: { displayName: 'Nacl', icon: '' },
    walletProviderType: 'browserExtension',
    connect: async () => ({ addresses: [{ address }] }),
    getActiveNetworkId: async () => ({ networkId: '101' }),
    getConnectedAddresses: async () => ({ addresses: [address] }),
    signMessage: async ({ message }) => {
      calls.push(message);
      return { signature: bs58.encode(nacl.sign.detached(new TextEncoder().encode(message), kp.secretKey)) };
    },
  };
}

const register = (client, walletProvider) =>
  getWalletProviderRegistry(client).register({ priority: WalletProviderPriority.WALLET_SDK, walletProvider });

const find = (log, method, re) => log.filter((e) => e.method === method && re.test(e.path));
const describeLog = (log) => log.map((e) => `${e.method} ${e.path} -> ${e.status}${e.responseText ? ' ' + e.responseText.slice(0, 200) : ''}`).join('\n');

async function waitFor(pred, ms = 2000) {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

// ------------------------------------------------------------ tests

it('initializeClient: GET /settings?sdkVersion=ClientSDK/1.27.1 and GET /nonces?count=5 succeed; initStatus finished', async () => {
  const s = newSdk();
  await initializeClient(s.client);
  assert.equal(s.client.initStatus, 'finished', `init status; error ${s.client.initError}\n${describeLog(s.log)}`);
  assert.equal(s.client.initError ?? null, null);
  assert.ok(s.client.projectSettings && typeof s.client.projectSettings === 'object', 'project settings loaded');
  assert.equal(s.client.user, null);
  const settings = find(s.log, 'GET', /^\/settings\?/);
  assert.equal(settings.length, 1, describeLog(s.log));
  assert.equal(settings[0].status, 200);
  assert.match(settings[0].path, /sdkVersion=ClientSDK%2F1\.27\.1/);
  assert.equal(settings[0].headers.origin, APP_ORIGIN, 'the SDK sends the universalLink origin');
  assert.ok(await waitFor(() => find(s.log, 'GET', /^\/nonces\?count=5$/).some((e) => e.status)), `nonce pool fetched:\n${describeLog(s.log)}`);
  assert.equal(find(s.log, 'GET', /^\/nonces\?count=5$/)[0].status, 200);
  assert.ok(s.log.every((e) => e.url.startsWith(ctx.baseUrl)), 'no request leaves the configured server (instrumentation off)');
  // getNetworksData: the settings' networks as the SDK's NetworkData (it reads iconUrls[0], nativeCurrency, rpcUrls)
  const networks = getNetworksData(s.client);
  const ids = networks.map((n) => `${n.chain}:${n.networkId}`);
  assert.ok(ids.includes('EVM:1') && ids.some((id) => id.startsWith('SOL:')), JSON.stringify(ids));
  const mainnet = networks.find((n) => n.chain === 'EVM' && n.networkId === '1');
  assert.equal(mainnet.nativeCurrency.symbol, 'ETH');
  assert.equal(mainnet.nativeCurrency.decimals, 18);
  assert.equal(typeof mainnet.displayName, 'string');
  assert.equal(mainnet.testnet, false);
  assert.ok(Array.isArray(mainnet.rpcUrls.http), JSON.stringify(mainnet));
  const sol = networks.find((n) => n.chain === 'SOL');
  assert.equal(sol.nativeCurrency.decimals, 9);
  assert.equal(sol.cluster, 'mainnet', JSON.stringify(sol));
  state.sdk = s;
});

it('connectAndVerifyWithWalletProvider (ethers wallet): POST /wallets/signin, then POST /connect; the client holds the user and the minifiedJwt', async () => {
  const s = state.sdk;
  const wallet = Wallet.createRandom();
  const provider = ethersProvider(wallet);
  register(s.client, provider);
  const acct = await connectAndVerifyWithWalletProvider({ walletProviderKey: provider.key }, s.client);
  assert.equal(acct.address.toLowerCase(), wallet.address.toLowerCase());
  state.wallet = wallet;

  // what the SDK sent
  const signin = find(s.log, 'POST', /^\/wallets\/signin$/);
  assert.equal(signin.length, 1, describeLog(s.log));
  assert.equal(signin[0].status, 200, describeLog(s.log));
  const body = signin[0].body;
  assert.equal(body.chain, 'EVM');
  assert.equal(body.walletName, 'ethersevm');
  assert.equal(body.walletProvider, 'browserExtension');
  assert.equal(body.network, '1');
  assert.equal(body.publicWalletAddress, wallet.address.toLowerCase());
  assert.equal(body.messageToSign, provider.calls[0]);
  assert.match(body.messageToSign, /^localhost:3000 wants you to sign in with your Ethereum account:\n0x[0-9a-f]{40}\n/);
  assert.ok(body.messageToSign.includes(`\nRequest ID: ${ctx.envId}`));
  assert.ok(body.messageToSign.includes('\nURI: http://localhost:3000/\n'));
  const spk = signin[0].headers['x-dyn-session-public-key'];
  assert.match(spk ?? '', /^0[23][0-9a-f]{64}$/, 'the SDK sends its compressed P-256 session key');
  assert.ok([...s.keychain.keys.values()].some((k) => k.pub === spk), 'the header key lives in the keychain shim');
  assert.equal(find(s.log, 'GET', /^\/nonce$/).length, 0, 'the SDK takes nonces from its pool, never GET /nonce');

  // what the SDK holds
  const u = s.client.user;
  assert.ok(u, 'client.user set');
  assert.match(u.id, UUID_RE);
  assert.equal(u.projectEnvironmentId, ctx.envId);
  const vc = u.verifiedCredentials.find((v) => v.format === 'blockchain');
  assert.ok(vc, JSON.stringify(u.verifiedCredentials));
  assert.equal(vc.chain, 'eip155');
  assert.equal(vc.address, getAddress(wallet.address), 'server stores EIP-55');
  assert.equal(vc.walletName, 'ethersevm');
  assert.equal(vc.walletProvider, 'browserExtension');
  assert.equal(typeof s.client.token, 'string');
  assert.ok(s.client.sessionExpiresAt instanceof Date && s.client.sessionExpiresAt > new Date(), `sessionExpiresAt ${s.client.sessionExpiresAt}`);
  const accounts = getWalletAccounts(s.client);
  const verified = accounts.find((a) => a.address.toLowerCase() === wallet.address.toLowerCase() && a.verifiedCredentialId);
  assert.ok(verified, `a verified wallet account: ${JSON.stringify(accounts)}`);
  assert.equal(verified.verifiedCredentialId, vc.id);
  assert.equal(verified.walletProviderKey, provider.key);

  // the token is the minifiedJwt: verifies against the JWKS, bound to the SDK's session key
  const { payload } = await verifySessionJwt(ctx, s.client.token);
  assert.equal(payload.sub, u.id);
  assert.equal(payload.environment_id, ctx.envId);
  assert.equal(payload.scope, 'user:basic');
  assert.equal(payload.aud, APP_ORIGIN);
  assert.equal(payload.session_public_key, spk);
  assert.equal(payload.verified_credentials, undefined, 'client.token is the minified JWT');
  assert.equal(payload.exp, Math.floor(s.client.sessionExpiresAt.getTime() / 1000));
  state.sid = payload.sid;
  state.user = u;

  // POST /connect (createVisit, fire-and-forget after verification)
  assert.ok(await waitFor(() => find(s.log, 'POST', /^\/connect$/).some((e) => e.status)), `POST /connect sent:\n${describeLog(s.log)}`);
  const connect = find(s.log, 'POST', /^\/connect$/)[0];
  assert.equal(connect.status, 204, describeLog(s.log));
  assert.equal(connect.body.authMode, 'connect-and-sign');
  assert.equal(connect.body.chain, 'EVM');
  assert.equal(connect.body.walletName, 'ethersevm');

  // the official 0.0.847 client reads the same user with that token
  const r = await expectOk(sdkApi(ctx, { token: s.client.token }).getAuthenticatedUserRaw({ environmentId: ctx.envId }), 200);
  assert.equal(r.json.id, u.id);
  assert.equal(r.json.verifiedCredentials[0].wallet_name, 'ethersevm');
});

it('refreshUser -> GET /users with the bearer; same user', async () => {
  const s = state.sdk;
  const n = s.log.length;
  const u = await refreshUser(s.client);
  const req = find(s.log.slice(n), 'GET', /^\/users$/);
  assert.equal(req.length, 1, describeLog(s.log.slice(n)));
  assert.equal(req[0].status, 200);
  assert.equal(req[0].headers.authorization, `Bearer ${s.client.token}`);
  assert.equal(u.id, state.user.id);
  assert.equal(s.client.user.id, state.user.id);
});

it('refreshAuth -> POST /refresh (with device signature headers); new token, same sid', async () => {
  const s = state.sdk;
  const oldToken = s.client.token;
  const oldClaims = (await verifySessionJwt(ctx, oldToken)).payload;
  await new Promise((r) => setTimeout(r, 1100));
  const n = s.log.length;
  await refreshAuth(s.client);
  const req = find(s.log.slice(n), 'POST', /^\/refresh$/);
  assert.equal(req.length, 1, describeLog(s.log.slice(n)));
  assert.equal(req[0].status, 200, describeLog(s.log.slice(n)));
  for (const h of ['x-dynamic-device-nonce', 'x-dynamic-device-publickey', 'x-dynamic-device-signed-nonce']) {
    assert.ok(req[0].headers[h], `the SDK sent ${h} on refresh`);
  }
  assert.notEqual(s.client.token, oldToken, 'the client took the new minifiedJwt');
  const { payload } = await verifySessionJwt(ctx, s.client.token);
  assert.equal(payload.sid, oldClaims.sid);
  assert.equal(payload.sub, state.user.id);
  assert.ok(payload.exp >= oldClaims.exp);
  assert.equal(s.client.user.id, state.user.id);
  state.device = req[0].headers;
});

/** A device key like the SDK's: compressed P-256 hex public key, ECDSA/SHA-256 raw r||s hex over the nonce text. */
function deviceKey() {
  const { privateKey, publicKey } = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-65);
  const pub = Buffer.concat([Buffer.from([2 | (raw[64] & 1)]), raw.subarray(1, 33)]).toString('hex');
  const sign = (nonce) => nodeCrypto.sign('sha256', Buffer.from(nonce), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('hex');
  return {
    pub,
    headers: (nonce, sig = sign(nonce)) => ({ 'x-dynamic-device-nonce': nonce, 'x-dynamic-device-publickey': pub, 'x-dynamic-device-signed-nonce': sig }),
  };
}

it('device signature headers are verified when present (sign-in and refresh): forged, never-issued or replayed -> refused', async () => {
  const tok = state.sdk.client.token;
  const dk = deviceKey();
  const signin = async (headers) => (await http(ctx, 'POST', `/sdk/${ctx.envId}/verify`, { body: await evmVerifyRequest(ctx, state.wallet), headers })).status;
  const refresh = async (headers) => (await http(ctx, 'POST', `/sdk/${ctx.envId}/refresh`, { token: tok, headers })).status;

  const good = dk.headers(await issueNonce(ctx));
  assert.equal(await signin(good), 200, 'sign-in with a valid device proof over an issued nonce');
  const goodRefresh = dk.headers(await issueNonce(ctx));
  assert.equal(await refresh(goodRefresh), 200, 'refresh with a valid device proof');

  const got = {
    'verify, forged signature': await signin(dk.headers(await issueNonce(ctx), '11'.repeat(64))),
    'verify, device nonce never issued': await signin(dk.headers('deadbeef' + nodeCrypto.randomBytes(12).toString('hex'))),
    'verify, device proof replayed': await signin(good),
    'refresh, forged signature': await refresh(dk.headers(await issueNonce(ctx), '00'.repeat(64))),
    'refresh, device nonce never issued': await refresh(dk.headers('deadbeef' + nodeCrypto.randomBytes(12).toString('hex'))),
    'refresh, device proof replayed': await refresh(goodRefresh),
    'refresh, only one device header': await refresh({ 'x-dynamic-device-nonce': await issueNonce(ctx) }),
  };
  const refused = Object.fromEntries(Object.entries(got).map(([k, v]) => [k, v >= 400 && v < 500 ? 'refused' : `HTTP ${v}`]));
  assert.deepEqual(refused, Object.fromEntries(Object.keys(got).map((k) => [k, 'refused'])), 'each must be refused with a 4xx');
  // the session itself is unharmed
  await expectOk(sdkApi(ctx, { token: tok }).sessionCheckRaw({ environmentId: ctx.envId }), 204);
});

it('a second SDK instance signing in with the same wallet gets the same user', async () => {
  const s2 = newSdk();
  await initializeClient(s2.client);
  const provider = ethersProvider(state.wallet);
  register(s2.client, provider);
  await connectAndVerifyWithWalletProvider({ walletProviderKey: provider.key }, s2.client);
  assert.equal(s2.client.user?.id, state.user.id, describeLog(s2.log));
  assert.equal(s2.client.user.newUser, false);
  const { payload } = await verifySessionJwt(ctx, s2.client.token);
  assert.notEqual(payload.sid, state.sid, 'its own session');
  state.sdk2 = s2;
});

it('isSignedIn, isWalletAccountVerified, proveWalletAccountOwnership (a server nonce; the proof signs its user in), fetchProjectSettings (GET /settings, a change seen), getCaptchaSettings, and getTransactionHistory refused as a later-tier route (404 route_not_found, an APIError)', async () => {
  const s = state.sdk;
  assert.equal(isSignedIn(s.client), true);
  const fresh = newSdk();
  await initializeClient(fresh.client);
  assert.equal(isSignedIn(fresh.client), false, 'a fresh client');

  const account = getWalletAccounts(s.client).find((a) => a.address.toLowerCase() === state.wallet.address.toLowerCase());
  assert.equal(isWalletAccountVerified({ walletAccount: account }), true);
  const other = ethersProvider(Wallet.createRandom(), { chainId: '1' });
  other.key = 'otherevm:browserExtension';
  other.groupKey = 'otherevm';
  register(fresh.client, other);
  const [connected] = await connectWithWalletProvider({ walletProviderKey: other.key }, fresh.client).then((a) => [a]);
  assert.equal(isWalletAccountVerified({ walletAccount: connected }), false, 'connected, not verified');
  assert.equal(isSignedIn(fresh.client), true, 'a connected wallet counts as signed in for the SDK');

  // The proof: a SIWE message with a nonce from the server's pool, signed by the wallet; the server accepts
  // it as a sign-in of the same user, once.
  const { messageToSign, signature } = await proveWalletAccountOwnership({ walletAccount: account }, s.client);
  assert.equal(verifyMessage(messageToSign, signature), getAddress(state.wallet.address));
  assert.ok(messageToSign.includes(`\nRequest ID: ${ctx.envId}`), messageToSign);
  const proof = { signedMessage: signature, messageToSign, publicWalletAddress: account.address, chain: 'EVM',
    walletName: 'ethersevm', walletProvider: 'browserExtension', network: '1' };
  const api = sdkApi(ctx);
  const proved = await expectOk(api.verifyRaw({ environmentId: ctx.envId, verifyRequest: proof }), 200, 'the proof as a sign-in');
  assert.equal(proved.json.user.id, state.user.id);
  const replay = await expectStatus(api.verifyRaw({ environmentId: ctx.envId, verifyRequest: proof }), [400, 401, 422], 'the proof replayed');
  assert.equal(typeof replay.error, 'string');

  // fetchProjectSettings: GET /settings again, the admin's change in client.projectSettings. A signed-in
  // client keeps its settings until they expire, so a signed-out one asks; no captcha here.
  const reader = newSdk();
  await initializeClient(reader.client);
  const n = reader.log.length;
  const displayName = `Conformance ${Date.now()}`;
  await updateSettings(ctx, (st) => { st.general = { ...st.general, displayName }; });
  const settings = await fetchProjectSettings(reader.client);
  assert.equal(find(reader.log.slice(n), 'GET', /^\/settings\?/).map((e) => e.status).join(), '200', describeLog(reader.log.slice(n)));
  assert.equal(settings.general.displayName, displayName);
  assert.equal(reader.client.projectSettings.general.displayName, displayName);
  assert.equal(getCaptchaSettings(s.client), undefined, 'captcha off');

  // getTransactionHistory: GET chains/EVM/transactions/{address}, a later-tier route this server does not serve
  const m = s.log.length;
  await assert.rejects(getTransactionHistory({ address: account.address, chain: 'EVM', networkId: 1, limit: 10 }, s.client),
    (e) => e.name === 'APIError' && e.status === 404 && e.code === 'route_not_found');
  const reads = s.log.slice(m);
  assert.equal(reads.length, 1, describeLog(reads));
  assert.match(reads[0].path, new RegExp(`^/chains/EVM/transactions/${account.address}\\?`), reads[0].path);
  assert.equal(reads[0].status, 404);
  assert.equal(s.client.user?.id, state.user.id, 'still signed in');
});

it('logout -> POST /revoke (x-dyn-logout-reason: user-intent) 204; the client is signed out and its token is dead; the other instance stays signed in', async () => {
  const s = state.sdk;
  const token = s.client.token;
  const n = s.log.length;
  await logout(s.client);
  const req = find(s.log.slice(n), 'POST', /^\/revoke$/);
  assert.equal(req.length, 1, describeLog(s.log.slice(n)));
  assert.equal(req[0].status, 204, describeLog(s.log.slice(n)));
  assert.equal(req[0].headers['x-dyn-logout-reason'], 'user-intent');
  assert.equal(req[0].headers.authorization, `Bearer ${token}`);
  assert.equal(s.client.user, null);
  assert.equal(s.client.token, null);
  const api = sdkApi(ctx, { token });
  await expectStatus(api.getAuthenticatedUser({ environmentId: ctx.envId }), 401, 'GET /users after logout');
  await expectStatus(api.refreshAuth({ environmentId: ctx.envId }), 401, 'refresh after logout');

  const s2 = state.sdk2;
  const u = await refreshUser(s2.client);
  assert.equal(u.id, state.user.id);
  await logout(s2.client);
  assert.equal(s2.client.user, null);
});

it('Solana wallet through the SDK: SIWS without Chain ID, network "101", base58 signature -> solana credential; an EVM wallet linked to it, the Solana one removed and linked back', async () => {
  const s = newSdk();
  await initializeClient(s.client);
  const kp = nacl.sign.keyPair();
  const address = bs58.encode(kp.publicKey);
  const provider = solanaProvider(kp);
  register(s.client, provider);
  try {
    await connectAndVerifyWithWalletProvider({ walletProviderKey: provider.key }, s.client);
  } catch (e) {
    assert.fail(`connectAndVerifyWithWalletProvider (SOL) threw ${String(e?.message ?? e).slice(0, 300)}\nsigned message:\n${provider.calls[0]}\nrequests:\n${describeLog(s.log)}`);
  }
  const signin = find(s.log, 'POST', /^\/wallets\/signin$/)[0];
  assert.equal(signin.body.chain, 'SOL');
  assert.equal(signin.body.network, '101');
  assert.ok(!/\nChain ID:/.test(signin.body.messageToSign), 'the SDK omits Chain ID for SOL');
  assert.match(signin.body.messageToSign, /^localhost:3000 wants you to sign in with your Solana account:\n/);
  const vc = s.client.user.verifiedCredentials.find((v) => v.format === 'blockchain');
  assert.equal(vc.chain, 'solana');
  assert.equal(vc.address, address);
  assert.equal(vc.walletName, 'naclsol');

  // an EVM wallet linked to the Solana user (verify/link), then the Solana wallet removed (verify/unlink)
  const evm = ethersProvider(Wallet.createRandom());
  register(s.client, evm);
  await connectAndVerifyWithWalletProvider({ walletProviderKey: evm.key }, s.client);
  assert.ok(find(s.log, 'POST', /^\/verify\/link$/).some((e) => e.status === 200), describeLog(s.log));
  assert.deepEqual(s.client.user.verifiedCredentials.filter((c) => c.format === 'blockchain').map((c) => c.chain).sort(), ['eip155', 'solana']);
  const solAccount = getWalletAccounts(s.client).find((a) => a.address === address && a.verifiedCredentialId);
  assert.ok(solAccount, JSON.stringify(getWalletAccounts(s.client)));
  await removeWalletAccount({ walletAccount: solAccount }, s.client);
  assert.deepEqual(s.client.user.verifiedCredentials.filter((c) => c.format === 'blockchain').map((c) => c.chain), ['eip155'], describeLog(s.log));
  // and linked back: a Solana proof to verify/link
  const n = s.log.length;
  await connectAndVerifyWithWalletProvider({ walletProviderKey: provider.key }, s.client);
  const relink = find(s.log.slice(n), 'POST', /^\/verify\/link$/);
  assert.deepEqual(relink.map((e) => [e.status, e.body.chain]), [[200, 'SOL']], describeLog(s.log.slice(n)));
  assert.ok(s.client.user.verifiedCredentials.some((c) => c.chain === 'solana' && c.address === address));
  await logout(s.client);
  await settle(inflight);
});

it('email code through the SDK: sendEmailOTP -> POST /emailVerifications/create, verifyOTP -> POST /emailVerifications/signin; the client holds the email user', async () => {
  const env = await http(ctx, 'GET', `/environments/${ctx.envId}`, { token: ctx.token });
  assert.equal(env.status, 200);
  const settings = env.json.settings;
  settings.providers = [...(settings.providers ?? []), { provider: 'emailOnly', enabledAt: new Date().toISOString() }];
  const put = await http(ctx, 'PUT', `/environments/${ctx.envId}`, { token: ctx.token, body: settings });
  assert.equal(put.status, 200, put.text);

  const s = newSdk();
  await initializeClient(s.client);
  const email = `sdk-${nodeCrypto.randomUUID().slice(0, 8)}@example.com`;
  const otp = await sendEmailOTP({ email }, s.client);
  assert.match(otp.verificationUUID, UUID_RE);
  const lines = fs.readFileSync(`${ctx.db}.outbox.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const code = lines.filter((l) => l.to === email).pop()?.code;
  assert.match(code ?? '', /^[0-9]{6}$/, 'the code is in the dev outbox');
  await verifyOTP({ otpVerification: otp, verificationToken: code }, s.client);
  assert.ok(s.client.user, `signed in:\n${describeLog(s.log)}`);
  assert.equal(s.client.user.email, email);
  assert.ok(s.client.user.verifiedCredentials.some((c) => c.format === 'email'));
  const signin = find(s.log, 'POST', /^\/emailVerifications\/signin$/);
  assert.equal(signin.length, 1, describeLog(s.log));
  assert.equal(signin[0].status, 200);
  const me = await http(ctx, 'GET', `/sdk/${ctx.envId}/users`, { token: s.client.token });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.email, email);
  await logout(s.client); // signed-in clients keep timers and would revoke after the server stops
  await settle(inflight);
});
