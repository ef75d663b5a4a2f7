// Wallet sign-in (SIWE / SIWS) and the session lifecycle, driven through the
// official client's SDKApi (@dynamic-labs/sdk-api@0.0.847): nonce, verify,
// JWT claims checked against the served JWKS with `jose`, refresh, session
// check, revoke, connect (visits) and the admin visitors count.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Wallet, getAddress } from 'ethers';
import nacl from 'tweetnacl';
import bs58 from 'bs58';
import {
  setup, clients, sdkApi, expectOk, expectStatus, http, issueNonce, siweText, evmVerifyRequest,
  expectVerifyFailure, verifySessionJwt, UUID_RE, APP_ORIGIN,
} from '../harness.mjs';

// dozens of sign-ins from one IP: the per-IP SDK limits (30 sign-ins/min) are turned off here
const { ctx, it } = setup({ serveArgs: ['--rate-limits', 'off'] });
const state = { sandboxUsers: new Set() };

const verifyRaw = (body, { envId = ctx.envId, headers = {} } = {}) =>
  sdkApi(ctx, { headers }).verifyRaw({ environmentId: envId, verifyRequest: body });
const verify = (body, { envId = ctx.envId, headers = {} } = {}) =>
  sdkApi(ctx, { headers }).verify({ environmentId: envId, verifyRequest: body });

/** Sign in; assert the VerifyResponse shape; returns the wire JSON. */
async function signIn(body, opts = {}, what = 'verify') {
  const r = await expectOk(verifyRaw(body, opts), 200, what);
  const j = r.json;
  assert.ok(j && j.user, `${what}: VerifyResponse.user: ${r.text.slice(0, 300)}`);
  assert.match(j.user.id, UUID_RE, `${what}: user.id`);
  assert.equal(typeof j.jwt, 'string', `${what}: jwt`);
  assert.equal(typeof j.minifiedJwt, 'string', `${what}: minifiedJwt`);
  assert.equal(typeof j.expiresAt, 'number', `${what}: expiresAt is unix seconds (number)`);
  assert.ok(j.expiresAt > Date.now() / 1000 + 60, `${what}: expiresAt in the future: ${j.expiresAt}`);
  assert.ok(j.expiresAt < Date.now() / 1000 + 31 * 86400, `${what}: expiresAt at most 30 days ahead`);
  assert.equal(r.value.user.id, j.user.id, 'the client model parses the response');
  if ((opts.envId ?? ctx.envId) === ctx.envId) state.sandboxUsers.add(j.user.id);
  return j;
}

function walletCred(user, address) {
  const c = user.verifiedCredentials.find((v) => v.format === 'blockchain' && v.address?.toLowerCase() === address.toLowerCase());
  assert.ok(c, `credential for ${address} in ${JSON.stringify(user.verifiedCredentials)}`);
  return c;
}

const compressedP256 = () => {
  const ecdh = crypto.createECDH('prime256v1');
  ecdh.generateKeys();
  return ecdh.getPublicKey('hex', 'compressed');
};

// ------------------------------------------------------------ nonces and keys

it('getNonce -> {nonce}, distinct each call; GET /nonces?count=n -> n distinct nonces; bad counts -> 400', async () => {
  const a = await issueNonce(ctx);
  const b = await issueNonce(ctx);
  assert.notEqual(a, b);
  const r = await http(ctx, 'GET', `/sdk/${ctx.envId}/nonces?count=5`);
  assert.equal(r.status, 200, r.text);
  assert.ok(Array.isArray(r.json.nonces), `{nonces: []}: ${r.text}`);
  assert.equal(r.json.nonces.length, 5);
  assert.equal(new Set([...r.json.nonces, a, b]).size, 7, 'all nonces distinct');
  for (const n of r.json.nonces) assert.match(n, /^[A-Za-z0-9]{8,}$/);
  const one = await http(ctx, 'GET', `/sdk/${ctx.envId}/nonces?count=1`);
  assert.equal(one.status, 200, one.text);
  assert.equal(one.json.nonces.length, 1);
  for (const bad of ['0', '6', 'x']) {
    const e = await http(ctx, 'GET', `/sdk/${ctx.envId}/nonces?count=${bad}`);
    assert.equal(e.status, 400, `count=${bad}: ${e.status} ${e.text}`);
  }
  state.poolNonce = r.json.nonces[0];
});

it('JWKS: /.well-known/jwks and /.well-known/jwks.json serve the same RS256 signing key', async () => {
  const api = sdkApi(ctx);
  const r = await expectOk(api.getJwksByEnvironmentIdRaw({ environmentId: ctx.envId }), 200, 'jwks');
  assert.ok(Array.isArray(r.json.keys) && r.json.keys.length >= 1, r.text);
  for (const k of r.json.keys) {
    assert.equal(k.kty, 'RSA');
    assert.equal(k.alg, 'RS256');
    assert.equal(k.use, 'sig');
    assert.equal(typeof k.kid, 'string');
    assert.match(k.n, /^[A-Za-z0-9_-]{300,}$/, 'n is base64url of a >= 2048-bit modulus');
    assert.equal(k.e, 'AQAB');
    assert.equal(k.d, undefined, 'no private parts');
  }
  const rj = await expectOk(api.getJwksJsonByEnvironmentIdRaw({ environmentId: ctx.envId }), 200, 'jwks.json');
  assert.deepEqual(rj.json, r.json);
  const live = await expectOk(api.getJwksByEnvironmentIdRaw({ environmentId: ctx.liveEnvId }), 200, 'live jwks');
  assert.ok(!live.json.keys.some((k) => r.json.keys.some((s) => s.n === k.n)), 'each environment has its own key pair');
  state.kids = r.json.keys.map((k) => k.kid);
});

// ------------------------------------------------------------ EVM sign-in

it('verify: a new wallet signs in -> new user with an eip155 credential; jwt and minifiedJwt verify against the JWKS with the expected claims', async () => {
  const wallet = Wallet.createRandom();
  const spk = compressedP256();
  const body = await evmVerifyRequest(ctx, wallet);
  const j = await signIn(body, { headers: { Origin: APP_ORIGIN, 'x-dyn-session-public-key': spk } });
  state.wallet = wallet;
  state.first = j;

  const u = j.user;
  assert.equal(u.newUser, true, 'newUser on first sign-in');
  assert.equal(u.projectEnvironmentId, ctx.envId);
  const c = walletCred(u, wallet.address);
  assert.match(c.id, UUID_RE);
  assert.equal(c.format, 'blockchain');
  assert.equal(c.chain, 'eip155');
  assert.equal(c.address, wallet.address, 'EIP-55 address');
  assert.equal(c.wallet_name, 'metamask');
  assert.equal(c.wallet_provider, 'browserExtension');
  assert.equal(c.signInEnabled, true);
  assert.equal(u.lastVerifiedCredentialId, c.id);
  state.credId = c.id;

  const full = await verifySessionJwt(ctx, j.jwt);
  const mini = await verifySessionJwt(ctx, j.minifiedJwt);
  await verifySessionJwt(ctx, j.minifiedJwt, ctx.envId, '.well-known/jwks.json');
  for (const [name, { payload: p, protectedHeader: h }] of [['jwt', full], ['minifiedJwt', mini]]) {
    assert.equal(h.alg, 'RS256', `${name} alg`);
    assert.ok(state.kids.includes(h.kid), `${name} header kid is a JWKS kid`);
    assert.equal(p.kid, h.kid, `${name}: payload kid equals header kid`);
    assert.equal(p.sub, u.id, `${name}: sub = user id`);
    assert.equal(p.environment_id, ctx.envId, `${name}: environment_id`);
    assert.equal(p.scope, 'user:basic', `${name}: scope`);
    assert.equal(p.aud, APP_ORIGIN, `${name}: aud = Origin header`);
    assert.equal(p.iss, `127.0.0.1:${ctx.port}/${ctx.envId}`, `${name}: iss = <host>/<environmentId>`);
    assert.match(p.sid, UUID_RE, `${name}: sid`);
    assert.equal(p.exp, j.expiresAt, `${name}: exp = expiresAt`);
    assert.ok(Math.abs(p.iat - Date.now() / 1000) < 60, `${name}: iat is now`);
    assert.equal(p.last_verified_credential_id, c.id, `${name}: last_verified_credential_id`);
    assert.equal(p.session_public_key, spk, `${name}: session_public_key from x-dyn-session-public-key`);
  }
  assert.equal(full.payload.sid, mini.payload.sid, 'both tokens name one session');
  assert.ok(Array.isArray(full.payload.verified_credentials), 'full jwt carries verified_credentials');
  const jc = full.payload.verified_credentials.find((v) => v.id === c.id);
  assert.ok(jc, 'the credential is in the full jwt');
  assert.equal(jc.address, wallet.address);
  assert.equal(jc.chain, 'eip155');
  assert.equal(jc.format, 'blockchain');
  assert.equal(jc.wallet_name, 'metamask');
  assert.equal(full.payload.new_user, true);
  assert.equal(mini.payload.verified_credentials, undefined, 'minified jwt has no verified_credentials');
  state.sid = mini.payload.sid;
});

it('verify: the same wallet again -> same user, newUser false, a new session; /wallets/signin is an alias', async () => {
  const j = await signIn(await evmVerifyRequest(ctx, state.wallet));
  assert.equal(j.user.id, state.first.user.id);
  assert.equal(j.user.newUser, false);
  assert.equal(j.user.verifiedCredentials.filter((v) => v.format === 'blockchain').length, 1, 'no duplicate credential');
  assert.equal(walletCred(j.user, state.wallet.address).id, state.credId);
  const { payload } = await verifySessionJwt(ctx, j.minifiedJwt);
  assert.notEqual(payload.sid, state.sid, 'a new sign-in opens a new session');
  assert.equal(payload.aud, APP_ORIGIN, 'without Origin, aud is the origin of the SIWE URI');
  assert.equal(payload.session_public_key, undefined, 'no session key sent -> no claim');

  const r = await http(ctx, 'POST', `/sdk/${ctx.envId}/wallets/signin`, { body: await evmVerifyRequest(ctx, state.wallet) });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.user.id, state.first.user.id);
  assert.equal(r.json.user.newUser, false);
  await verifySessionJwt(ctx, r.json.minifiedJwt);
});

it('verify: the address in publicWalletAddress may be lower-case; the credential keeps EIP-55; session key also from the body', async () => {
  const spk = compressedP256();
  const body = await evmVerifyRequest(ctx, state.wallet, { body: { publicWalletAddress: state.wallet.address.toLowerCase(), sessionPublicKey: spk } });
  const j = await signIn(body);
  assert.equal(j.user.id, state.first.user.id, 'same user whatever the case');
  assert.equal(walletCred(j.user, state.wallet.address).address, getAddress(state.wallet.address));
  const { payload } = await verifySessionJwt(ctx, j.minifiedJwt);
  assert.equal(payload.session_public_key, spk);

  const w2 = Wallet.createRandom();
  const j2 = await signIn(await evmVerifyRequest(ctx, w2, { body: { publicWalletAddress: w2.address.toLowerCase() } }), {}, 'new wallet, lower-case');
  assert.equal(j2.user.newUser, true);
  assert.equal(walletCred(j2.user, w2.address).address, w2.address, 'stored as EIP-55');

  // MetaMask's eth_requestAccounts answers lower-case addresses and Dynamic's
  // JS SDK puts the address into the message as the wallet gave it.
  const lc = w2.address.toLowerCase();
  const n = await issueNonce(ctx);
  const text = siweText({ address: w2.address, nonce: n, envId: ctx.envId }).replace(`\n${w2.address}\n`, `\n${lc}\n`);
  assert.ok(text.includes(`\n${lc}\n`));
  const j3 = await signIn({ signedMessage: await w2.signMessage(text), messageToSign: text, publicWalletAddress: lc, chain: 'EVM',
    walletName: 'metamask', walletProvider: 'browserExtension', network: '1' }, {}, 'lower-case address inside the SIWE text');
  assert.equal(j3.user.id, j2.user.id);
  assert.equal(walletCred(j3.user, w2.address).address, w2.address);
});

it('verify: a replayed nonce -> 422 other_verify_failure (single use)', async () => {
  const body = await evmVerifyRequest(ctx, state.wallet);
  await signIn(body);
  await expectVerifyFailure(verify(body), 'other_verify_failure', 'same body twice');
  // same nonce, a freshly signed message
  const again = await evmVerifyRequest(ctx, state.wallet, { nonce: body.messageToSign.match(/Nonce: (\S+)/)[1], msg: { issuedAt: new Date(Date.now() + 1000) } });
  await expectVerifyFailure(verify(again), 'other_verify_failure', 'nonce reused in a new message');
});

it('verify: nonces from GET /nonces work; a nonce never issued or of another environment -> 422', async () => {
  await signIn(await evmVerifyRequest(ctx, state.wallet, { nonce: state.poolNonce }), {}, 'pool nonce');
  await expectVerifyFailure(verify(await evmVerifyRequest(ctx, state.wallet, { nonce: crypto.randomBytes(16).toString('hex') })),
    'other_verify_failure', 'never issued');
  const liveNonce = await issueNonce(ctx, ctx.liveEnvId);
  await expectVerifyFailure(verify(await evmVerifyRequest(ctx, state.wallet, { nonce: liveNonce })), 'other_verify_failure', 'nonce of the live env used on sandbox');
});

it('verify: wrong domain, URI on another host, chain id != network, stale or future Issued At, foreign Request ID -> 422', async () => {
  const w = state.wallet;
  const cases = [
    ['domain evil.example', { msg: { domain: 'evil.example', uri: 'https://evil.example/' } }],
    ['network 5 vs Chain ID 1', { body: { network: '5' } }],
    ['Issued At 20 min ago', { msg: { issuedAt: new Date(Date.now() - 20 * 60_000) } }],
    ['Issued At 10 min ahead', { msg: { issuedAt: new Date(Date.now() + 10 * 60_000) } }],
    ['Request ID of another environment', { msg: { requestId: ctx.liveEnvId } }],
  ];
  for (const [what, opts] of cases) {
    await expectVerifyFailure(verify(await evmVerifyRequest(ctx, w, opts)), 'other_verify_failure', what);
  }
  // accepted variants: network omitted; Chain ID equal to network; no Request ID; Issued At 10 min ago
  await signIn(await evmVerifyRequest(ctx, w, { body: { network: undefined } }), {}, 'network omitted');
  await signIn(await evmVerifyRequest(ctx, w, { msg: { chainId: 137 }, body: { network: '137' } }), {}, 'chain 137 = network 137');
  await signIn(await evmVerifyRequest(ctx, w, { msg: { requestId: null } }), {}, 'no Request ID');
  await signIn(await evmVerifyRequest(ctx, w, { msg: { issuedAt: new Date(Date.now() - 10 * 60_000) } }), {}, 'Issued At 10 min ago');
});

it('verify: tampered message, foreign signature, address mismatch, malformed address or session key -> 422', async () => {
  const w = state.wallet;
  const body = await evmVerifyRequest(ctx, w);
  const tampered = { ...body, messageToSign: body.messageToSign.replace('Welcome to Conformance', 'Welcome to Evil') };
  assert.notEqual(tampered.messageToSign, body.messageToSign);
  await expectVerifyFailure(verify(tampered), 'other_verify_failure', 'statement changed after signing');

  const other = Wallet.createRandom();
  await expectVerifyFailure(verify(await evmVerifyRequest(ctx, w, { signer: other })), 'other_verify_failure', 'signed by another key');

  const mismatch = await evmVerifyRequest(ctx, w, { body: { publicWalletAddress: other.address } });
  const b1 = await expectStatus(verify(mismatch), 422, 'publicWalletAddress is not the signer');
  assert.ok(['other_verify_failure', 'invalid_wallet_address'].includes(b1.code), JSON.stringify(b1));

  await expectVerifyFailure(verify(await evmVerifyRequest(ctx, w, { body: { publicWalletAddress: '0x1234' } })), 'invalid_wallet_address', 'malformed address');
  await expectVerifyFailure(verify(await evmVerifyRequest(ctx, w, { body: { sessionPublicKey: 'not-a-key' } })), 'invalid_session_public_key', 'malformed sessionPublicKey');
  await expectVerifyFailure(verify(await evmVerifyRequest(ctx, w), { headers: { 'x-dyn-session-public-key': '02abcd' } }), 'invalid_session_public_key', 'malformed session key header');

  const noSig = await http(ctx, 'POST', `/sdk/${ctx.envId}/verify`, { body: { ...(await evmVerifyRequest(ctx, w)), signedMessage: undefined } });
  assert.ok([400, 422].includes(noSig.status), `missing signedMessage -> 400/422, got ${noSig.status} ${noSig.text}`);
  const junk = await http(ctx, 'POST', `/sdk/${ctx.envId}/verify`, { rawBody: '{"signedMessage":' });
  assert.equal(junk.status, 400, `malformed JSON -> 400, got ${junk.status}`);
});

it('verify: non-sandbox environment needs its origins; after addOrigin the origin domain signs in and becomes aud', async () => {
  const w = Wallet.createRandom();
  await expectVerifyFailure(verify(await evmVerifyRequest(ctx, w, { envId: ctx.liveEnvId }), { envId: ctx.liveEnvId }),
    'other_verify_failure', 'live env without origins refuses localhost');
  const admin = clients(ctx);
  await expectOk(admin.origins.addOriginRaw({ environmentId: ctx.liveEnvId, inlineObject: { origin: 'https://app.example.com' } }), 201);
  const msg = { domain: 'app.example.com', uri: 'https://app.example.com/login' };
  const j = await signIn(await evmVerifyRequest(ctx, w, { envId: ctx.liveEnvId, msg }), { envId: ctx.liveEnvId }, 'live env, allowed origin');
  assert.equal(j.user.projectEnvironmentId, ctx.liveEnvId);
  assert.equal(j.user.newUser, true);
  const { payload } = await verifySessionJwt(ctx, j.minifiedJwt, ctx.liveEnvId);
  assert.equal(payload.environment_id, ctx.liveEnvId);
  assert.equal(payload.aud, 'https://app.example.com', 'aud falls back to the SIWE URI origin');
  assert.equal(payload.iss, `127.0.0.1:${ctx.port}/${ctx.liveEnvId}`);
  await assert.rejects(verifySessionJwt(ctx, j.minifiedJwt, ctx.envId), 'a live-env token does not verify with the sandbox JWKS');
  await expectVerifyFailure(verify(await evmVerifyRequest(ctx, w, { envId: ctx.liveEnvId }), { envId: ctx.liveEnvId }),
    'other_verify_failure', 'localhost not in the live origins');
  // users are per environment: the sandbox wallet is a new user on live
  const j2 = await signIn(await evmVerifyRequest(ctx, state.wallet, { envId: ctx.liveEnvId, msg }), { envId: ctx.liveEnvId });
  assert.notEqual(j2.user.id, state.first.user.id);
  assert.equal(j2.user.newUser, true);
});

// ------------------------------------------------------------ Solana

function siwsText({ domain = 'localhost:3000', address, nonce, envId, uri = `${APP_ORIGIN}/`, chainId, issuedAt = new Date() }) {
  const head = `${domain} wants you to sign in with your Solana account:\n${address}\n\nWelcome to Conformance. Signing is the only way we can truly know that you are the owner of the wallet you are connecting.\n`;
  const fields = [`URI: ${uri}`, 'Version: 1'];
  if (chainId) fields.push(`Chain ID: ${chainId}`);
  fields.push(`Nonce: ${nonce}`, `Issued At: ${issuedAt.toISOString()}`, `Request ID: ${envId}`);
  return `${head}\n${fields.join('\n')}`;
}

async function solRequest(kp, opts = {}) {
  const address = bs58.encode(kp.publicKey);
  const nonce = opts.nonce ?? await issueNonce(ctx);
  const messageToSign = siwsText({ address, nonce, envId: ctx.envId, ...opts.msg });
  const signer = opts.signer ?? kp;
  const sig = nacl.sign.detached(new TextEncoder().encode(messageToSign), signer.secretKey);
  return {
    signedMessage: bs58.encode(sig), messageToSign, publicWalletAddress: address,
    chain: 'SOL', walletName: 'phantom', walletProvider: 'browserExtension', ...opts.body,
  };
}

it('Solana: Sign-In with Solana (ed25519, base58) -> user with a solana credential, address unchanged', async () => {
  const kp = nacl.sign.keyPair();
  const address = bs58.encode(kp.publicKey);
  state.solKp = kp;
  const j = await signIn(await solRequest(kp, { msg: { chainId: 'mainnet' } }), {}, 'SIWS with Chain ID: mainnet, network omitted');
  assert.equal(j.user.newUser, true);
  const c = walletCred(j.user, address);
  assert.equal(c.address, address, 'base58 address unchanged');
  assert.equal(c.chain, 'solana');
  assert.equal(c.format, 'blockchain');
  assert.equal(c.wallet_name, 'phantom');
  assert.equal(c.wallet_provider, 'browserExtension');
  const { payload } = await verifySessionJwt(ctx, j.jwt);
  assert.equal(payload.sub, j.user.id);
  assert.ok(payload.verified_credentials.some((v) => v.address === address && v.chain === 'solana'));
  state.solUser = j.user.id;

  const other = nacl.sign.keyPair();
  const mainnet = { chainId: 'mainnet' };
  await expectVerifyFailure(verify(await solRequest(kp, { signer: other, msg: mainnet })), 'other_verify_failure', 'SIWS signed by another key');
  const body = await solRequest(kp, { msg: mainnet });
  await expectVerifyFailure(verify({ ...body, messageToSign: body.messageToSign.replace('Welcome', 'Hello') }), 'other_verify_failure', 'SIWS tampered');
  await expectVerifyFailure(verify(await solRequest(kp, { msg: { ...mainnet, domain: 'evil.example', uri: 'https://evil.example/' } })), 'other_verify_failure', 'SIWS wrong domain');
  await expectVerifyFailure(verify(await solRequest(kp, { msg: mainnet, body: { publicWalletAddress: 'not base58 0OIl' } })), 'invalid_wallet_address', 'SIWS bad address');
});

it('Solana: the message exactly as Dynamic\'s JS SDK builds it for SOL (no Chain ID line) signs in', async () => {
  // @dynamic-labs-sdk/client 1.27.1 getChainIdForAccountVerification() returns
  // undefined for SOL, and formatSignInMessage() then omits "Chain ID".
  const kp = state.solKp ?? nacl.sign.keyPair();
  const j = await signIn(await solRequest(kp), {}, 'SIWS without Chain ID');
  if (state.solUser) {
    assert.equal(j.user.id, state.solUser);
    assert.equal(j.user.newUser, false);
  }
  assert.equal(walletCred(j.user, bs58.encode(kp.publicKey)).chain, 'solana');
});

// ------------------------------------------------------------ concurrency

it('concurrency: one signed nonce posted 5 times at once -> exactly one 200', async () => {
  const body = await evmVerifyRequest(ctx, state.wallet);
  const rs = await Promise.all(Array.from({ length: 5 }, () => http(ctx, 'POST', `/sdk/${ctx.envId}/verify`, { body })));
  const statuses = rs.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 422, 422, 422, 422], `statuses ${statuses}: ${rs.map((r) => r.text.slice(0, 120)).join(' | ')}`);
  for (const r of rs.filter((x) => x.status === 422)) assert.equal(r.json.code, 'other_verify_failure');
});

// ------------------------------------------------------------ session lifecycle

it('session: getAuthenticatedUser and sessionCheck with the minifiedJwt; no or bad bearer -> 401', async () => {
  const j = await signIn(await evmVerifyRequest(ctx, state.wallet), { headers: { Origin: APP_ORIGIN } });
  state.session = j;
  const api = sdkApi(ctx, { token: j.minifiedJwt });
  const u = await expectOk(api.getAuthenticatedUserRaw({ environmentId: ctx.envId }), 200, 'GET /users');
  assert.equal(u.json.id, state.first.user.id);
  assert.equal(u.json.projectEnvironmentId, ctx.envId);
  assert.equal(walletCred(u.json, state.wallet.address).id, state.credId);
  await expectOk(api.sessionCheckRaw({ environmentId: ctx.envId }), 204, 'GET /session');

  const anon = sdkApi(ctx);
  await expectStatus(anon.getAuthenticatedUser({ environmentId: ctx.envId }), 401, 'GET /users without bearer');
  await expectStatus(anon.sessionCheck({ environmentId: ctx.envId }), 401, 'GET /session without bearer');
  await expectStatus(anon.refreshAuth({ environmentId: ctx.envId }), 401, 'POST /refresh without bearer');
  const forged = j.minifiedJwt.slice(0, -4) + (j.minifiedJwt.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  await expectStatus(sdkApi(ctx, { token: forged }).getAuthenticatedUser({ environmentId: ctx.envId }), 401, 'bad signature');
  await expectStatus(sdkApi(ctx, { token: ctx.token }).getAuthenticatedUser({ environmentId: ctx.envId }), 401, 'admin API token is no user token');
  await expectStatus(api.getAuthenticatedUser({ environmentId: ctx.liveEnvId }), [401, 403], 'token of another environment');
});

it('refresh -> a new token pair with the same sid and an exp no earlier than before', async () => {
  const old = state.session;
  const oldClaims = (await verifySessionJwt(ctx, old.minifiedJwt)).payload;
  await new Promise((res) => setTimeout(res, 1100));
  const r = await expectOk(sdkApi(ctx, { token: old.minifiedJwt, headers: { Origin: APP_ORIGIN } }).refreshAuthRaw({ environmentId: ctx.envId }), 200, 'refresh');
  const j = r.json;
  assert.equal(j.user.id, old.user.id);
  assert.equal(typeof j.minifiedJwt, 'string');
  assert.notEqual(j.minifiedJwt, old.minifiedJwt, 'a new token');
  const mini = (await verifySessionJwt(ctx, j.minifiedJwt)).payload;
  const full = (await verifySessionJwt(ctx, j.jwt)).payload;
  assert.equal(mini.sid, oldClaims.sid, 'same session');
  assert.equal(full.sid, oldClaims.sid);
  assert.equal(mini.sub, old.user.id);
  assert.ok(mini.exp >= oldClaims.exp, `exp ${mini.exp} >= ${oldClaims.exp}`);
  assert.ok(mini.iat > oldClaims.iat, 'fresh iat');
  assert.equal(j.expiresAt, mini.exp);
  assert.equal(mini.scope, 'user:basic');
  assert.equal(full.new_user, false);
  // both the old and the refreshed token still work until revoke
  await expectOk(sdkApi(ctx, { token: j.minifiedJwt }).sessionCheckRaw({ environmentId: ctx.envId }), 204);
  state.refreshed = j;
});

it('revoke -> 204; afterwards every bearer call with a token of that session -> 401; other sessions unaffected', async () => {
  const other = await signIn(await evmVerifyRequest(ctx, state.wallet));
  const api = sdkApi(ctx, { token: state.session.minifiedJwt });
  await expectOk(api.sessionCheckRaw({ environmentId: ctx.envId }), 204, 'session valid before revoke');
  await expectOk(api.revokeSessionRaw({ environmentId: ctx.envId }), 204, 'revoke');
  await expectStatus(api.getAuthenticatedUser({ environmentId: ctx.envId }), 401, 'GET /users after revoke');
  await expectStatus(api.refreshAuth({ environmentId: ctx.envId }), 401, 'refresh after revoke');
  await expectStatus(api.sessionCheck({ environmentId: ctx.envId }), 401, 'session check after revoke');
  await expectStatus(api.revokeSession({ environmentId: ctx.envId }), 401, 'revoke twice');
  const ref = sdkApi(ctx, { token: state.refreshed.minifiedJwt });
  await expectStatus(ref.getAuthenticatedUser({ environmentId: ctx.envId }), 401, 'refreshed token of the revoked session');
  // the token still verifies cryptographically: revocation is server state
  await verifySessionJwt(ctx, state.session.minifiedJwt);
  const still = sdkApi(ctx, { token: other.minifiedJwt });
  await expectOk(still.sessionCheckRaw({ environmentId: ctx.envId }), 204, 'another session of the same user survives');
  const u = await expectOk(still.getAuthenticatedUserRaw({ environmentId: ctx.envId }), 200);
  assert.equal(u.json.id, state.first.user.id);
});

// ------------------------------------------------------------ visits

it('createVisit (POST /connect) -> 204; bad body -> 400/422', async () => {
  const api = sdkApi(ctx);
  const w = Wallet.createRandom();
  await expectOk(api.createVisitRaw({ environmentId: ctx.envId, connectRequest: { address: w.address, chain: 'EVM', provider: 'browserExtension', walletName: 'metamask', authMode: 'connect-only' } }), 204, 'connect');
  await expectOk(api.createVisitRaw({ environmentId: ctx.envId, connectRequest: { address: state.wallet.address, chain: 'EVM', provider: 'browserExtension', walletName: 'metamask', authMode: 'connect-and-sign' } }), 204, 'connect-and-sign');
  const bad = await http(ctx, 'POST', `/sdk/${ctx.envId}/connect`, { body: { chain: 'EVM' } });
  assert.ok([400, 422].includes(bad.status), `connect without address -> 400/422, got ${bad.status} ${bad.text}`);
});

it('admin getVisitorsCountByEnvironmentId counts the environment users and visitors', async () => {
  const admin = clients(ctx);
  const r = await expectOk(admin.envs.getVisitorsCountByEnvironmentIdRaw({ environmentId: ctx.envId }), 200, 'visitors');
  assert.equal(typeof r.json.users?.count, 'number', r.text);
  assert.equal(r.json.users.count, state.sandboxUsers.size, `users.count = users signed up on the sandbox (${state.sandboxUsers.size}): ${r.text}`);
  assert.ok(r.json.users.count >= 1);
  assert.equal(typeof r.json.visitors?.count, 'number', r.text);
  assert.ok(r.json.visitors.count >= 1, r.text);
  const live = await expectOk(admin.envs.getVisitorsCountByEnvironmentIdRaw({ environmentId: ctx.liveEnvId }), 200, 'live visitors');
  assert.equal(live.json.users.count, 2, `two users signed up on live: ${live.text}`);
  await expectStatus(sdkApi(ctx).getNonce({ environmentId: 'not-a-uuid' }), [400, 404], 'nonce for a malformed env id');
});
