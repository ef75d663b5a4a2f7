// Dynamic's React widget (@dynamic-labs/sdk-react-core + @dynamic-labs/
// ethereum 4.96.3, bundled with esbuild) in Debian's Chromium, as a
// customer drops it into an app with only settings.apiBaseUrl changed. A
// test wallet injected as a browser extension would be (EIP-1193,
// announced through EIP-6963) signs in by clicks; the signed-in widget
// shows no network warning on chain 1, getAuthToken() verifies against the
// JWKS, and logging out through the widget revokes the session. Calls to
// Dynamic's own hosts (wallet book, icons, fonts, logs) are refused by the
// test, as they cannot be reached here; the widget falls back on its own.
// One test: starting the browser and bundling are the slow parts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Wallet, getBytes, isHexString, toUtf8String } from 'ethers';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { after } from 'node:test';
import { setup, verifySessionJwt, http, clients, expectOk, repoRoot } from '../harness.mjs';
import { CHROMIUM, bundle, pageServer, launch } from '../widget/browser.mjs';

const wallet = Wallet.createRandom();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynamicauth-widget-'));
const chain = {};
const serveArgs = ['--rate-limits', 'off'];

// Before the server starts: a chain-1 node (go-ethereum's simulated
// backend, ./devchain) whose genesis gives the wallet 1.5 ETH, served to
// the server as --evm-rpc 1=URL; and the app's bundle.
async function ready() {
  const bin = path.join(dir, 'devchain');
  await new Promise((resolve, reject) => {
    const b = spawn('go', ['build', '-o', bin, './conformance/devchain'], { cwd: repoRoot, stdio: 'inherit' });
    b.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go build devchain: ${code}`))));
  });
  chain.proc = spawn(bin, ['--fund', `${wallet.address}=1500000000000000000`], { stdio: ['pipe', 'pipe', 'inherit'] });
  chain.url = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: chain.proc.stdout });
    rl.on('line', (l) => { if (l.startsWith('RPC ')) resolve(l.slice(4).trim()); });
    chain.proc.on('exit', (code) => reject(new Error(`devchain exited: ${code}`)));
  });
  serveArgs.push('--evm-rpc', `1=${chain.url}`);
  chain.bundle = await bundle(dir);
}
after(() => { chain.proc?.kill('SIGTERM'); });

// bundling and the clicks take longer than one API test
const { ctx, it } = setup({ serveArgs, ready, timeoutMs: 240_000 });

async function rpc(method, params) {
  const r = await fetch(chain.url, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const j = await r.json();
  if (j.error) throw new Error(j.error.message);
  return j.result;
}

it('browser: the React widget signs in with an injected wallet by clicks, verifies, and logs out', async (t) => {
  if (!fs.existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is missing (apt-get install chromium; .ci/run does it)`);
    return;
  }
  // The operator points chain 1 at the node for the browser too.
  const api = clients(ctx);
  const env = await expectOk(api.envs.getEnvironmentByIdRaw({ environmentId: ctx.envId }));
  const settings = env.json.settings;
  settings.chains = [{ name: 'EVM', enabled: true, networks: [{ networkId: 1, chainName: 'Ethereum', enabled: true, rpcUrl: chain.url }] }];
  await expectOk(api.envs.updateProjectSettingsRaw({ environmentId: ctx.envId, projectSettings: settings }));
  const app = await pageServer(chain.bundle, {
    widget: { environmentId: ctx.envId, apiBaseUrl: ctx.basePath },
    wallet: { address: wallet.address, chainId: 1 },
  });
  const { browser, page, apiCalls, dump } = await launch(dir, ctx.basePath);
  let cookieApp;
  try {
    await page.exposeFunction('__walletSign', async (data) => {
      const msg = isHexString(data) ? toUtf8String(getBytes(data)) : data;
      return wallet.signMessage(msg);
    });
    await page.exposeFunction('__walletRpc', (method, params) => rpc(method, params));
    try {
      await page.goto(app.origin);
      await page.getByRole('button', { name: /log in or sign up/i }).click({ timeout: 30_000 });
      await page.getByText('Test Wallet', { exact: false }).first().click({ timeout: 15_000 });
      await page.waitForFunction(() => window.__dyn?.loggedIn === true, null, { timeout: 30_000 });
    } catch (e) {
      throw new Error(`${e.message}\n${await dump('signin')}`);
    }
    try {
      // signed in on chain 1: the network chip names it, no warning
      await page.getByText('Ethereum', { exact: true }).first().waitFor({ timeout: 15_000 });
      assert.equal(await page.getByText(/switch network/i).count(), 0, 'no "Switch Network" badge on chain 1');
      const token = await page.evaluate(() => window.__dyn.getAuthToken());
      const { payload } = await verifySessionJwt(ctx, token);
      const creds = payload.verified_credentials ?? [];
      assert.ok(creds.some((c) => c.address?.toLowerCase() === wallet.address.toLowerCase()), `the JWT names the wallet: ${JSON.stringify(creds)}`);
      const me = await http(ctx, 'GET', `/sdk/${ctx.envId}/users`, { token });
      assert.equal(me.status, 200, `the widget's token serves GET /users: ${me.text}`);

      // the profile: open the widget, its balance settles
      await page.getByText(wallet.address.slice(0, 4), { exact: false }).first().click({ timeout: 10_000 });
      // (the balances call answers from the node; no prices here: $0.00)
      await page.getByText(/^\$0\.00$/).first().waitFor({ timeout: 20_000 });
      const balances = apiCalls.filter((c) => c.path.endsWith('/chains/EVM/balances'));
      assert.ok(balances.length > 0 && balances.every((c) => c.status === 200), `balances: ${JSON.stringify(balances)}`);

      // log out through the widget: the session is revoked
      await page.getByText('Settings', { exact: true }).last().click({ timeout: 10_000 });
      await page.getByText(/^log ?out$/i).first().click({ timeout: 10_000 });
      await page.waitForFunction(() => window.__dyn?.loggedIn === false, null, { timeout: 20_000 });
      const after = await http(ctx, 'GET', `/sdk/${ctx.envId}/users`, { token });
      assert.equal(after.status, 401, `a logged-out token is refused: ${after.status} ${after.text}`);
      await page.getByRole('button', { name: /log in or sign up/i }).waitFor({ timeout: 10_000 });
      assert.ok(apiCalls.some((c) => c.method === 'POST' && c.path.endsWith('/revoke') && c.status < 300),
        `logout revoked the session: ${JSON.stringify(apiCalls)}`);
      const bad = apiCalls.filter((c) => c.status === 404 || c.status >= 500);
      assert.deepEqual(bad, [], 'no API call the widget made answered 404 or 5xx');
    } catch (e) {
      throw new Error(`${e.message}\n${await dump('signed-in')}`);
    }

    // Cookie mode (security.auth.storage: ["cookie"]): the same widget on
    // a page of the API's site (localhost); the session is an HttpOnly
    // cookie, a reload keeps the user signed in, logging out removes it.
    settings.security = { ...settings.security, auth: { storage: ['cookie'] } };
    await expectOk(api.envs.updateProjectSettingsRaw({ environmentId: ctx.envId, projectSettings: settings }));
    const apiLocal = ctx.basePath.replace('127.0.0.1', 'localhost');
    cookieApp = await pageServer(chain.bundle, {
      widget: { environmentId: ctx.envId, apiBaseUrl: apiLocal },
      wallet: { address: wallet.address, chainId: 1 },
    });
    const sessionCookie = async () => (await browser.cookies(apiLocal)).find((c) => c.name === 'DYNAMIC_JWT_TOKEN');
    try {
      await page.goto(cookieApp.origin);
      await page.getByRole('button', { name: /log in or sign up/i }).click({ timeout: 30_000 });
      await page.getByText('Test Wallet', { exact: false }).first().click({ timeout: 15_000 });
      await page.waitForFunction(() => window.__dyn?.loggedIn === true, null, { timeout: 30_000 });
      const c = await sessionCookie();
      assert.ok(c && c.httpOnly, `an HttpOnly session cookie: ${JSON.stringify(c)}`);
      const { payload } = await verifySessionJwt(ctx, c.value);
      assert.ok((payload.verified_credentials ?? []).length === 0 && payload.sub, 'the cookie holds the minified JWT');
      assert.ok(!(await page.evaluate(() => document.cookie)).includes(c.value), 'script cannot read it');
      await page.reload();
      await page.waitForFunction(() => window.__dyn?.loggedIn === true, null, { timeout: 30_000 });
      await page.getByText(wallet.address.slice(0, 4), { exact: false }).first().click({ timeout: 10_000 });
      await page.getByText('Settings', { exact: true }).last().click({ timeout: 10_000 });
      await page.getByText(/^log ?out$/i).first().click({ timeout: 10_000 });
      await page.waitForFunction(() => window.__dyn?.loggedIn === false, null, { timeout: 20_000 });
      assert.equal(await sessionCookie(), undefined, 'logging out removed the cookie');
      const me = await http(ctx, 'GET', `/sdk/${ctx.envId}/users`, { headers: { cookie: `DYNAMIC_JWT_TOKEN=${c.value}` } });
      assert.equal(me.status, 401, 'the cookie\'s session is revoked');
      const bad = apiCalls.filter((call) => call.status === 404 || call.status >= 500);
      assert.deepEqual(bad, [], 'no API call the widget made answered 404 or 5xx');
    } catch (e) {
      throw new Error(`cookie mode: ${e.message}\n${await dump('cookie-mode')}`);
    }
  } finally {
    await browser.close();
    app.srv.close();
    cookieApp?.srv.close();
  }
});
