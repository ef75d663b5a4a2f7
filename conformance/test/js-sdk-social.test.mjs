// Dynamic's own JavaScript SDK (@dynamic-labs-sdk/client@1.27.1, unchanged)
// signing in with Google in Node, against a real OpenID provider the test
// starts (zitadel/oidc's OP, through `go run ./social/oidctest/testop`):
// the provider set up with SettingsApi (google, pointed at the test
// provider by its `domain`), signInWithSocialRedirect (the SDK builds the
// authorize URL from the settings and calls initAuth; coreConfig.navigate
// hands the URL to this test's "browser", which follows the provider's
// login and this server's redirect back to the application),
// detectSocialRedirectUrl and completeSocialRedirect (oauthSignIn), the
// user's social account, the session JWT verified against the JWKS, and a
// second login in a fresh SDK finding the same user.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { before, after } from 'node:test';
import { SettingsApi, Configuration } from '@dynamic-labs/sdk-api';
import {
  createDynamicClient, initializeClient, signInWithSocialRedirect, detectSocialRedirectUrl, completeSocialRedirect,
  getUserSocialAccounts, logout,
} from '@dynamic-labs-sdk/client';
import { setup, repoRoot, verifySessionJwt, APP_ORIGIN } from '../harness.mjs';
import { memoryKeychain } from '../sdk-shims.mjs';

const { ctx, it } = setup();
let op;
const live = [];

// The test provider is built before the tests (that may take a while) and
// started by the test, once the server's redirect URL is known.
let testopBin;
before(() => {
  testopBin = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'testop-')), 'testop');
  const b = spawnSync('go', ['build', '-o', testopBin, './social/oidctest/testop'], { cwd: repoRoot, encoding: 'utf8', timeout: 10 * 60 * 1000 });
  if (b.status !== 0) throw new Error(`go build ./social/oidctest/testop failed:\n${b.stdout}\n${b.stderr}`);
}, { timeout: 11 * 60 * 1000 });

async function startOP() {
  const redirect = `${ctx.basePath}/sdk/${ctx.envId}/providers/google/redirect`;
  const child = spawn(testopBin, ['-redirect', redirect], { stdio: ['pipe', 'pipe', 'inherit'] });
  const issuer = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)).issuer);
    });
    child.on('exit', (code) => reject(new Error(`testop exited (${code})`)));
  });
  op = { child, issuer };
}

after(async () => {
  if (op) op.child.stdin.end();
  if (testopBin) fs.rmSync(path.dirname(testopBin), { recursive: true, force: true });
});

function newSdk(navigated) {
  const mem = new Map();
  const client = createDynamicClient({
    environmentId: ctx.envId,
    autoInitialize: false,
    coreConfig: {
      apiBaseUrl: ctx.basePath,
      fetch: (input, init) => fetch(input, init),
      storageAdapter: {
        getItem: async (k) => (mem.has(k) ? mem.get(k) : null),
        setItem: async (k, v) => { mem.set(k, v); },
        removeItem: async (k) => { mem.delete(k); },
      },
      keychain: memoryKeychain(),
      navigate: async (url) => { navigated.push(url); },
    },
    metadata: { name: 'Conformance', universalLink: APP_ORIGIN },
    instrumentation: { enabled: false },
  });
  live.push(client);
  return client;
}

// The browser: from the authorize URL through the provider's login and
// this server's redirect, until it is sent back to the application.
async function browse(start) {
  let url = start;
  for (let hops = 0; hops < 10; hops++) {
    if (url.startsWith(APP_ORIGIN)) return new URL(url);
    const r = await fetch(url, { redirect: 'manual' });
    const loc = r.headers.get('location');
    assert.ok(r.status >= 300 && r.status < 400 && loc, `stopped at ${url}: ${r.status} ${await r.text()}`);
    url = new URL(loc, url).toString();
  }
  throw new Error(`too many redirects from ${start}`);
}

async function socialLogin() {
  const navigated = [];
  const client = newSdk(navigated);
  await initializeClient(client);
  await signInWithSocialRedirect({ provider: 'google', redirectUrl: `${APP_ORIGIN}/app?tab=1` }, client);
  assert.equal(navigated.length, 1, 'the SDK navigated to the provider');
  const authorize = new URL(navigated[0]);
  assert.ok(navigated[0].startsWith(op.issuer), `authorize URL at the test provider: ${navigated[0]}`);
  assert.equal(authorize.searchParams.get('redirect_uri'), `${ctx.basePath}/sdk/${ctx.envId}/providers/google/redirect`);
  const back = await browse(navigated[0]);
  assert.equal(back.searchParams.get('tab'), '1', 'the application URL keeps its own parameters');
  assert.ok(await detectSocialRedirectUrl({ url: back }, client), `the SDK recognises ${back}`);
  const user = await completeSocialRedirect({ url: back }, client);
  return { client, user };
}

it('signInWithSocialRedirect + completeSocialRedirect against a real OpenID provider', async () => {
  await startOP();
  const settings = new SettingsApi(new Configuration({ basePath: ctx.basePath, accessToken: ctx.token,
    headers: { Authorization: `Bearer ${ctx.token}` } }));
  await settings.createProvider({ environmentId: ctx.envId, providerCreateRequest: {
    provider: 'google', clientId: 'dynamicauth-rp', clientSecret: 'rp-secret', domain: op.issuer, scopes: 'openid email profile' } });

  const first = await socialLogin();
  assert.ok(first.user && first.user.id, 'signed in');
  const accounts = getUserSocialAccounts(first.client);
  assert.equal(accounts.length, 1, JSON.stringify(first.user.verifiedCredentials));
  assert.equal(accounts[0].provider, 'google');
  const { payload } = await verifySessionJwt(ctx, first.client.token);
  assert.equal(payload.sub, first.user.id);
  assert.ok(payload.amr.includes('oauth'), JSON.stringify(payload.amr));
  assert.ok(first.user.verifiedCredentials.some((c) => c.format === 'email' && c.email === 'ada@example.com'),
    'the provider-verified email became the new user\'s email credential');

  const second = await socialLogin();
  assert.equal(second.user.id, first.user.id, 'a second login finds the same user');
  // Signed-in clients keep an expiry timer: log them out while the server
  // runs, and let the settings refetch logout starts finish.
  for (const c of live) await logout(c);
  await new Promise((res) => setTimeout(res, 500));
});
