// Dynamic's JS SDK (@dynamic-labs-sdk/client, bundled with esbuild) in
// Debian's Chromium, in cookie mode (security.auth.storage: ["cookie"]),
// on its defaults but apiBaseUrl: the browser's fetch, CORS with
// credentials, its own cookie store. The page (http://localhost:<port>,
// allowed in a sandbox) and the API (http://localhost:<port>/api/v0) are
// on one site, as Dynamic's cookie mode requires. The sign-in leaves an
// HttpOnly cookie script cannot read, a reload signs the page back in from
// it, and logging out removes it. With device registration required, an
// email user's browser is known by its HttpOnly device cookie; cleared, it
// is a new device until the emailed link is opened in it.
// One test: starting the browser is the slow part.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Wallet } from 'ethers';
import { setup, http, updateSettings, verifySessionJwt } from '../harness.mjs';
import { CHROMIUM, bundle, pageServer, launch } from '../widget/browser.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynamicauth-cookie-'));
const built = {};
const { ctx, it } = setup({ serveArgs: ['--rate-limits', 'off'], ready: async () => { built.bundle = await bundle(dir, 'jssdk.js'); },
  timeoutMs: 180_000 });
const COOKIE = 'DYNAMIC_JWT_TOKEN';
const DEVICE_COOKIE = 'dynamicauth_device';

it('browser: the JS SDK in cookie mode signs in with an HttpOnly cookie, is signed back in after a reload, and logs out; device registration by its device cookie', async (t) => {
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

    // Device registration in cookie mode: the browser is known by its
    // HttpOnly device cookie; without it, it is a new device, restricted
    // until the emailed link is opened in it.
    await updateSettings(ctx, (s) => {
      s.providers = [...(s.providers ?? []), { provider: 'emailOnly', enabledAt: new Date().toISOString() }];
      s.security = { ...s.security, deviceRegistrationRequired: true };
    });
    const email = `browser-${Date.now()}@example.com`;
    const mails = () => fs.readFileSync(`${ctx.db}.outbox.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
      .filter((l) => l.to === email);
    const emailSignIn = async () => {
      await page.goto(app.origin);
      await sdk('init');
      await sdk('sendEmailOTP', email);
      return sdk('verifyOTP', mails().pop().code);
    };
    const deviceCookie = async () => (await browser.cookies(apiBase)).find((c) => c.name === DEVICE_COOKIE);
    v = await emailSignIn();
    assert.equal(v.user?.deviceRegistrationRequired, false, `sign-up: ${await dump('device-signup')}`);
    const first = await deviceCookie();
    assert.ok(first?.httpOnly, `no HttpOnly ${DEVICE_COOKIE} cookie\n${await dump('device-cookie')}`);
    await sdk('logout');
    v = await emailSignIn();
    assert.equal(v.user?.deviceRegistrationRequired, false, 'the same browser is the same device');
    await sdk('logout');

    await browser.clearCookies(); // another device, as the server sees it
    v = await emailSignIn();
    assert.equal(v.user?.deviceRegistrationRequired, true, `a new device: ${await dump('device-new')}`);
    assert.notEqual((await deviceCookie())?.value, first.value);
    const link = mails().pop().body.match(/http:\/\/localhost:\d+\/\S*deviceRegistrationToken=\S+/)?.[0];
    assert.ok(link?.startsWith(app.origin), `the link leads to the app: ${link}`);
    await page.goto(link);
    v = await sdk('init');
    v = await sdk('completeDeviceRegistration');
    assert.equal(v.user?.deviceRegistrationRequired, false, `approved: ${await dump('device-approved')}`);
    assert.ok(!v.url.includes('deviceRegistrationToken'), v.url);
    const devices = await sdk('registeredDevices');
    assert.equal(devices.length, 2, JSON.stringify(devices));
    assert.equal(devices.filter((d) => d.current).length, 1, JSON.stringify(devices));
    await sdk('logout');
    v = await emailSignIn();
    assert.equal(v.user?.deviceRegistrationRequired, false, 'the approved browser is known from then on');
  } finally {
    await browser.close();
    app.srv.close();
  }
});
