// Dynamic's own JavaScript SDK, @dynamic-labs-sdk/client@1.27.1, unchanged,
// in cookie mode (security.auth.storage: ["cookie"]): the server hands the
// minified JWT over in an HttpOnly cookie and leaves the tokens out of its
// answers; the SDK, holding no token, sends credentials ("include") and
// restores the session at start with POST /refresh.
//
// "The browser" is a cookie jar in the SDK's fetch, shared by the SDK
// instances ("tabs"): it keeps what Set-Cookie says and sends it back when
// the SDK asks for credentials. It stands for a page on the API's site, as
// Dynamic's cookie mode requires (a custom hostname under the app's domain),
// so SameSite is not modelled. `document.cookie` is a stub where the SDK's
// own cookie writes land: like a browser it cannot overwrite the HttpOnly
// cookie, so only the server's Set-Cookie can end the session there.
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { Wallet } from 'ethers';
import {
  createDynamicClient, initializeClient, connectAndVerifyWithWalletProvider, refreshUser, logout,
} from '@dynamic-labs-sdk/client';
import { getWalletProviderRegistry, WalletProviderPriority } from '@dynamic-labs-sdk/client/core';
import { setup, sdkApi, expectOk, expectStatus, http, verifySessionJwt, APP_ORIGIN } from '../harness.mjs';
import { memoryKeychain, ethersProvider, settle } from '../sdk-shims.mjs';

const { ctx, it } = setup();
const COOKIE = 'DYNAMIC_JWT_TOKEN';
const jar = new Map(); // name -> {value, httpOnly}
const scriptWrites = [];
globalThis.document = {
  get cookie() { return [...jar].filter(([, c]) => !c.httpOnly).map(([k, c]) => `${k}=${c.value}`).join('; '); },
  set cookie(v) { scriptWrites.push(v); },
};
const state = {};
const live = [];
// Requests the SDK instances still run: the SDK sends some on its own
// after a call resolves, which must end before the file's server stops.
const inflight = new Set();

async function cookieMode() {
  const env = await http(ctx, 'GET', `/environments/${ctx.envId}`, { token: ctx.token });
  assert.equal(env.status, 200, env.text);
  const settings = env.json.settings;
  settings.security = { ...settings.security, auth: { ...(settings.security?.auth ?? {}), storage: ['cookie'] } };
  const put = await http(ctx, 'PUT', `/environments/${ctx.envId}`, { token: ctx.token, body: settings });
  assert.equal(put.status, 200, put.text);
}

after(async () => {
  for (const s of live) { try { if (s.client.user) await logout(s.client); } catch { /* server gone */ } }
});

/** Applies a response's Set-Cookie headers to the jar. */
function store(res) {
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...attrs] = line.split(';').map((p) => p.trim());
    const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
    const attr = (k) => attrs.find((a) => a.toLowerCase().startsWith(k.toLowerCase()));
    const maxAge = attr('Max-Age') ? Number(attr('Max-Age').split('=')[1]) : undefined;
    if (value === '' || (maxAge !== undefined && maxAge <= 0)) jar.delete(name);
    else jar.set(name, { value, httpOnly: Boolean(attr('HttpOnly')), line });
  }
}

/** An SDK instance whose fetch is the jar's browser; every request is logged. */
function newSdk() {
  const log = [];
  const prefix = `${ctx.basePath}/sdk/${ctx.envId}`;
  const browserFetch = async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input.url;
    const headers = new Headers(init.headers ?? {});
    const entry = { method: (init.method ?? 'GET').toUpperCase(), path: url.slice(prefix.length), credentials: init.credentials,
      authorization: headers.get('authorization'), sentCookie: false };
    if (init.credentials === 'include' && jar.size) {
      headers.set('cookie', [...jar].map(([k, c]) => `${k}=${c.value}`).join('; '));
      entry.sentCookie = true;
    }
    log.push(entry);
    const pending = fetch(input, { ...init, headers, signal: init.signal ?? AbortSignal.timeout(30_000) });
    inflight.add(pending);
    const res = await pending.finally(() => inflight.delete(pending));
    store(res);
    entry.status = res.status;
    entry.setCookie = res.headers.getSetCookie();
    if (res.status < 300 && (res.headers.get('content-type') ?? '').includes('json')) entry.json = await res.clone().json();
    return res;
  };
  const mem = new Map();
  const client = createDynamicClient({
    environmentId: ctx.envId,
    autoInitialize: false,
    coreConfig: {
      apiBaseUrl: ctx.basePath, fetch: browserFetch, keychain: memoryKeychain(),
      storageAdapter: {
        getItem: async (k) => (mem.has(k) ? mem.get(k) : null),
        setItem: async (k, v) => { mem.set(k, v); },
        removeItem: async (k) => { mem.delete(k); },
      },
    },
    metadata: { name: 'Conformance', universalLink: APP_ORIGIN },
    instrumentation: { enabled: false },
  });
  const s = { client, log };
  live.push(s);
  return s;
}

const find = (log, method, path) => log.filter((e) => e.method === method && e.path === path);
const describeLog = (log) => log.map((e) => `${e.method} ${e.path} -> ${e.status} cookie:${e.sentCookie} cred:${e.credentials}`).join('\n');

it('initializeClient in cookie mode: POST /refresh with credentials and no bearer; 401 without a cookie is tolerated', async () => {
  await cookieMode();
  const s = newSdk();
  await initializeClient(s.client);
  assert.equal(s.client.initStatus, 'finished', `init: ${s.client.initError}\n${describeLog(s.log)}`);
  const refresh = find(s.log, 'POST', '/refresh');
  assert.equal(refresh.length, 1, describeLog(s.log));
  assert.equal(refresh[0].status, 401);
  assert.equal(refresh[0].credentials, 'include');
  assert.equal(refresh[0].authorization, null);
  assert.equal(s.client.user, null);
  state.sdk = s;
});

it('connectAndVerifyWithWalletProvider: the sign-in sets an HttpOnly session cookie and its body has no tokens; the client holds the user, no token', async () => {
  const s = state.sdk;
  const wallet = Wallet.createRandom();
  const provider = ethersProvider(wallet);
  getWalletProviderRegistry(s.client).register({ priority: WalletProviderPriority.WALLET_SDK, walletProvider: provider });
  await connectAndVerifyWithWalletProvider({ walletProviderKey: provider.key }, s.client);
  const signin = find(s.log, 'POST', '/wallets/signin');
  assert.equal(signin.length, 1, describeLog(s.log));
  assert.equal(signin[0].status, 200);
  assert.equal(signin[0].json.minifiedJwt, undefined);
  assert.equal(signin[0].json.jwt, undefined);
  assert.equal(typeof signin[0].json.expiresAt, 'number');
  const c = jar.get(COOKIE);
  assert.ok(c, `Set-Cookie: ${signin[0].setCookie}`);
  assert.ok(c.httpOnly, c.line);
  assert.match(c.line, /SameSite=Lax/);
  assert.match(c.line, /Path=\//);
  const { payload } = await verifySessionJwt(ctx, c.value);
  assert.equal(payload.sub, s.client.user?.id, 'the cookie is the signed-in user\'s minified JWT');
  assert.equal(payload.verified_credentials, undefined, 'the minified JWT');
  assert.equal(payload.aud, APP_ORIGIN);
  assert.equal(s.client.token, null, 'the SDK holds no token in cookie mode');
  assert.equal(s.client.user.verifiedCredentials.find((v) => v.format === 'blockchain')?.address.toLowerCase(), wallet.address.toLowerCase());
  assert.ok(!scriptWrites.some((w) => w.startsWith(`${COOKIE}=ey`)), 'no token reached script: the SDK had none to write');
  state.user = s.client.user;
  state.sid = payload.sid;
});

it('refreshUser -> GET /users authenticated by the cookie alone', async () => {
  const s = state.sdk;
  const n = s.log.length;
  const u = await refreshUser(s.client);
  const req = find(s.log.slice(n), 'GET', '/users');
  assert.equal(req.length, 1, describeLog(s.log.slice(n)));
  assert.equal(req[0].status, 200);
  assert.equal(req[0].authorization, null);
  assert.ok(req[0].sentCookie);
  assert.equal(u.id, state.user.id);
});

it('the official 0.0.847 client with the cookie: reads the user from the app origin; refused from another site', async () => {
  const cookie = `${COOKIE}=${jar.get(COOKIE).value}`;
  const r = await expectOk(sdkApi(ctx, { headers: { cookie, origin: APP_ORIGIN } }).getAuthenticatedUserRaw({ environmentId: ctx.envId }), 200);
  assert.equal(r.json.id, state.user.id);
  await expectStatus(sdkApi(ctx, { headers: { cookie, origin: 'https://evil.example' } }).getAuthenticatedUser({ environmentId: ctx.envId }), 403, 'cross-site');
  await expectStatus(sdkApi(ctx, { headers: { cookie, origin: 'https://evil.example' } }).revokeSession({ environmentId: ctx.envId }), 403, 'cross-site revoke');
  await expectStatus(sdkApi(ctx).getAuthenticatedUser({ environmentId: ctx.envId }), 401, 'no cookie');
});

it('a new tab: initializeClient restores the session from the cookie (POST /refresh 200, same session, new cookie)', async () => {
  const before = jar.get(COOKIE).value;
  await new Promise((r) => setTimeout(r, 1100)); // a new iat
  const s2 = newSdk();
  await initializeClient(s2.client);
  const refresh = find(s2.log, 'POST', '/refresh');
  assert.equal(refresh.length, 1, describeLog(s2.log));
  assert.equal(refresh[0].status, 200, describeLog(s2.log));
  assert.ok(refresh[0].sentCookie);
  assert.equal(refresh[0].json.minifiedJwt, undefined);
  assert.equal(s2.client.user?.id, state.user.id, 'the tab is signed in as the same user');
  assert.equal(s2.client.token, null);
  const after = jar.get(COOKIE).value;
  assert.notEqual(after, before, 'the refresh set a new cookie');
  assert.equal((await verifySessionJwt(ctx, after)).payload.sid, state.sid);
  state.sdk2 = s2;
});

it('logout -> POST /revoke by the cookie 204; the server clears the cookie; both tabs are signed out at the server', async () => {
  const s = state.sdk2;
  const cookie = `${COOKIE}=${jar.get(COOKIE).value}`;
  const n = s.log.length;
  await logout(s.client);
  const req = find(s.log.slice(n), 'POST', '/revoke');
  assert.equal(req.length, 1, describeLog(s.log.slice(n)));
  assert.equal(req[0].status, 204);
  assert.ok(req[0].sentCookie);
  assert.ok(req[0].setCookie.some((l) => l.startsWith(`${COOKIE}=;`) && /Max-Age=0/.test(l)), String(req[0].setCookie));
  assert.equal(jar.has(COOKIE), false, 'the browser dropped the cookie');
  assert.equal(s.client.user, null);
  assert.ok(scriptWrites.some((w) => w.startsWith(`${COOKIE}=;`)), 'the SDK also tried to clear it from script');
  await expectStatus(sdkApi(ctx, { headers: { cookie, origin: APP_ORIGIN } }).getAuthenticatedUser({ environmentId: ctx.envId }), 401, 'the revoked cookie');
  // the first tab's next refresh finds no session
  const first = state.sdk;
  await assert.rejects(refreshUser(first.client));
  await logout(first.client).catch(() => {});
  await settle(inflight);
});
