// Social sign-in in a popup through Dynamic's React widget
// (sdk-react-core 4.96.3, bundled with esbuild, settings.social.strategy
// 'popup') in Debian's Chromium, against a real OpenID provider (the test
// OP, zitadel/oidc, as google, asking the user to allow or deny): the
// widget announces its state (initAuth), opens the provider in a popup and
// waits for the popup's message; this server's redirect page answers the
// widget's origin check and posts the code (or the provider's error) to
// the application's origin, then closes. Allowed, the widget signs in with
// the code (providers/google/signIn): the JWT verifies against the JWKS
// and names the oauth credential. Denied at the provider, the widget goes
// back to its login view and reports the provider's error to the
// application (onAuthFailure: oauth_error, access_denied; it shows no
// text of its own for it), and no one is signed in.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SettingsApi, Configuration } from '@dynamic-labs/sdk-api';
import { setup, verifySessionJwt, http, clients, expectOk } from '../harness.mjs';
import { CHROMIUM, bundle, pageServer, launch } from '../widget/browser.mjs';
import { useTestOP } from '../testop.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynamicauth-widget-social-'));
const built = {};
async function ready() { built.bundle = await bundle(dir); }

// the test's OpenID provider is on loopback
const { ctx, it } = setup({ serveArgs: ['--social-allow-private', '--rate-limits', 'off'], ready, timeoutMs: 240_000 });
const op = useTestOP(ctx);
// what the popup did and the messages the application got
const seen = [];

// google at the test provider, offered by the widget's login view
async function enableGoogle() {
  await op.start('-consent');
  const settingsApi = new SettingsApi(new Configuration({ basePath: ctx.basePath, accessToken: ctx.token,
    headers: { Authorization: `Bearer ${ctx.token}` } }));
  await settingsApi.createProvider({ environmentId: ctx.envId, providerCreateRequest: {
    provider: 'google', clientId: 'dynamicauth-rp', clientSecret: 'rp-secret', domain: op.issuer, scopes: 'openid email profile' } });
  const api = clients(ctx);
  const env = await expectOk(api.envs.getEnvironmentByIdRaw({ environmentId: ctx.envId }));
  const settings = env.json.settings;
  settings.sdk = { ...settings.sdk, socialSignIn: { signInProvider: 'dynamic', providers: [{ provider: 'google', enabled: true }] } };
  await expectOk(api.envs.updateProjectSettingsRaw({ environmentId: ctx.envId, projectSettings: settings }));
}

// login opens the widget, clicks Google, and answers the provider's
// question in the popup (answer: 'Allow' or 'Deny'); this server's page
// at the end of the popup closes it once it has posted to the widget.
async function login(page, answer) {
  await page.getByRole('button', { name: /log in or sign up/i }).click({ timeout: 60_000 });
  const popupOpened = page.waitForEvent('popup', { timeout: 30_000 });
  await page.getByRole('button', { name: /continue with google/i }).click({ timeout: 15_000 });
  const popup = await popupOpened;
  const closed = new Promise((r) => popup.once('close', r));
  popup.on('console', (m) => seen.push(`popup ${m.type()}: ${m.text()}`.slice(0, 300)));
  popup.on('pageerror', (e) => seen.push(`popup error: ${e.message}`.slice(0, 300)));
  popup.on('framenavigated', (f) => seen.push(`popup at ${f.url().slice(0, 200)}`));
  await popup.getByRole('link', { name: answer }).click({ timeout: 30_000 });
  let timer;
  await Promise.race([closed, new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('the popup did not close itself')), 30_000);
  })]).finally(() => clearTimeout(timer));
}

it('browser: the React widget signs in with Google in a popup against a real OpenID provider; denied there, it reports the provider\'s error and signs no one in', async (t) => {
  if (!fs.existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is missing (apt-get install chromium; .ci/run does it)`);
    return;
  }
  await enableGoogle();
  const app = await pageServer(built.bundle, { widget: { environmentId: ctx.envId, apiBaseUrl: ctx.basePath,
    social: { strategy: 'popup' } } });
  const { browser, page, apiCalls, dump } = await launch(dir, ctx.basePath);
  try {
    // the messages the application's window receives, for a failure's report
    page.on('console', (m) => { if (m.text().startsWith('message ')) seen.push(m.text().slice(0, 300)); });
    await page.addInitScript(() => window.addEventListener('message',
      (e) => console.log('message', e.origin, JSON.stringify(e.data))));
    await page.goto(app.origin, { waitUntil: 'domcontentloaded', timeout: 60_000 });

    // Denied at the provider: the widget reports the error, nobody is signed in.
    try {
      await login(page, 'Deny');
      // the widget goes back to its login view and reports the provider's
      // error to the application (onAuthFailure), not a cancelled popup
      await page.waitForFunction(() => window.__authFailures?.length > 0, null, { timeout: 30_000 });
      const failures = await page.evaluate(() => window.__authFailures);
      assert.equal(failures.length, 1, JSON.stringify(failures));
      assert.equal(failures[0].provider, 'google');
      assert.equal(failures[0].code, 'oauth_error', JSON.stringify(failures));
      assert.match(failures[0].message, /access_denied/);
      await page.getByRole('button', { name: /continue with google/i }).waitFor({ timeout: 10_000 });
      assert.equal(await page.evaluate(() => window.__dyn?.loggedIn), false, 'signed in after a denial');
      assert.ok(apiCalls.some((c) => c.path.endsWith('/providers/google/initAuth') && c.status === 204), 'the widget announced its state');
      assert.ok(!apiCalls.some((c) => c.path.endsWith('/providers/google/signIn')), 'the widget signed in after a denial');
    } catch (e) {
      throw new Error(`${e.message}\n${seen.join('\n')}\n${await dump('social-denied')}`);
    }

    // Allowed: the popup hands the code to the widget, which signs in.
    await page.reload({ waitUntil: 'domcontentloaded', timeout: 60_000 });
    try {
      await login(page, 'Allow');
      await page.waitForFunction(() => window.__dyn?.loggedIn === true, null, { timeout: 60_000 });
    } catch (e) {
      throw new Error(`${e.message}\n${seen.join('\n')}\n${await dump('social-signin')}`);
    }
    try {
      assert.ok(apiCalls.some((c) => c.path.endsWith('/providers/google/signIn') && c.status === 200), 'the widget signed in with the code');
      assert.ok(!apiCalls.some((c) => c.path.endsWith('/providers/google/oauthResult')), 'the widget polled oauthResult');
      const token = await page.evaluate(() => window.__dyn.getAuthToken());
      const { payload } = await verifySessionJwt(ctx, token);
      const oauth = (payload.verified_credentials ?? []).filter((c) => c.format === 'oauth');
      assert.equal(oauth.length, 1, `one oauth credential: ${JSON.stringify(payload.verified_credentials)}`);
      assert.equal(oauth[0].oauth_provider, 'google');
      assert.deepEqual(oauth[0].oauth_emails, ['ada@example.com']);
      const me = await http(ctx, 'GET', `/sdk/${ctx.envId}/users`, { token });
      assert.equal(me.status, 200, `the widget's token serves GET /users: ${me.text}`);
      assert.equal(me.json.id, payload.sub);
      // (the page was reloaded since the denial)
      assert.deepEqual(await page.evaluate(() => window.__authFailures ?? []), [], 'a failure reported for the allowed login');
      const bad = apiCalls.filter((c) => c.status === 404 || c.status >= 500);
      assert.deepEqual(bad, [], 'no API call the widget made answered 404 or 5xx');
    } catch (e) {
      throw new Error(`${e.message}\n${seen.join('\n')}\n${await dump('social-signed-in')}`);
    }
  } finally {
    await browser.close();
    app.srv.close();
  }
});
