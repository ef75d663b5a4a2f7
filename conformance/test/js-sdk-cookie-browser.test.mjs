// Dynamic's JS SDK (@dynamic-labs-sdk/client, bundled with esbuild) in
// Debian's Chromium, in cookie mode (security.auth.storage: ["cookie"]),
// on its defaults but apiBaseUrl: the browser's fetch, CORS with
// credentials, its own cookie store. The page (http://localhost:<port>,
// allowed in a sandbox) and the API (http://localhost:<port>/api/v0) are
// on one site, as Dynamic's cookie mode requires. The sign-in leaves an
// HttpOnly cookie script cannot read, a reload signs the page back in from
// it, and logging out removes it.
// One test: starting the browser is the slow part.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Wallet } from 'ethers';
import { setup, http, verifySessionJwt } from '../harness.mjs';
import { CHROMIUM, bundle, pageServer, launch } from '../widget/browser.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynamicauth-cookie-'));
const built = {};
const { ctx, it } = setup({ serveArgs: ['--rate-limits', 'off'], ready: async () => { built.bundle = await bundle(dir, 'jssdk.js'); },
  timeoutMs: 180_000 });
const COOKIE = 'DYNAMIC_JWT_TOKEN';

it('browser: the JS SDK in cookie mode signs in with an HttpOnly cookie, is signed back in after a reload, and logs out', async (t) => {
  if (!fs.existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is missing (apt-get install chromium; .ci/run does it)`);
    return;
  }
  const env = await http(ctx, 'GET', `/environments/${ctx.envId}`, { token: ctx.token });
  const settings = env.json.settings;
  settings.security = { ...settings.security, auth: { storage: ['cookie'] } };
  const put = await http(ctx, 'PUT', `/environments/${ctx.envId}`, { token: ctx.token, body: settings });
  assert.equal(put.status, 200, put.text);

  const apiBase = ctx.basePath.replace('127.0.0.1', 'localhost');
  const app = await pageServer(built.bundle, { widget: { environmentId: ctx.envId, apiBaseUrl: apiBase } });
  const { browser, page, apiCalls, dump } = await launch(dir, apiBase);
  const wallet = Wallet.createRandom();
  const sdk = (fn, ...args) => page.evaluate(([f, a]) => window.__sdk[f](...a), [fn, args]);
  const sessionCookie = async () => (await browser.cookies(apiBase)).find((c) => c.name === COOKIE);
  try {
    await page.exposeFunction('__walletSign', (msg) => wallet.signMessage(msg));
    await page.goto(app.origin);
    let v = await sdk('init');
    assert.equal(v.initStatus, 'finished', `${v.initError}\n${await dump('init')}`);
    assert.equal(v.user, null);
    assert.ok(apiCalls.some((c) => c.method === 'POST' && c.path.endsWith('/refresh') && c.status === 401), await dump('init-refresh'));

    v = await sdk('signIn', wallet.address.toLowerCase());
    assert.ok(v.user?.id, await dump('signin'));
    assert.equal(v.token, null, 'the SDK holds no token in cookie mode');
    const c = await sessionCookie();
    assert.ok(c, `no ${COOKIE} cookie in the browser\n${await dump('cookie')}`);
    assert.equal(c.httpOnly, true);
    assert.equal(c.sameSite, 'Lax');
    assert.ok(!v.documentCookie.includes(c.value), 'script cannot read the session cookie');
    const { payload } = await verifySessionJwt(ctx, c.value);
    assert.equal(payload.sub, v.user.id);
    assert.equal(payload.aud, app.origin);
    v = await sdk('refreshUser');
    assert.equal(v.user?.id, payload.sub, await dump('refresh-user'));

    // a reload: a new SDK instance, signed back in by the cookie
    await page.reload();
    v = await sdk('init');
    assert.equal(v.user?.id, payload.sub, `not signed back in after a reload\n${await dump('reload')}`);
    assert.ok(apiCalls.some((call) => call.method === 'POST' && call.path.endsWith('/refresh') && call.status === 200), await dump('reload-refresh'));
    const renewed = await sessionCookie();
    assert.equal((await verifySessionJwt(ctx, renewed.value)).payload.sid, payload.sid);

    v = await sdk('logout');
    assert.equal(v.user, null);
    assert.ok(apiCalls.some((call) => call.method === 'POST' && call.path.endsWith('/revoke') && call.status === 204), await dump('logout'));
    assert.equal(await sessionCookie(), undefined, 'the cookie is gone after logout');
    const me = await http(ctx, 'GET', `/sdk/${ctx.envId}/users`, { headers: { cookie: `${COOKIE}=${renewed.value}` } });
    assert.equal(me.status, 401, 'the revoked session');
  } finally {
    await browser.close();
    app.srv.close();
  }
});
