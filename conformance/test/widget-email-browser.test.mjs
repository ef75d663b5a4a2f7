// Email sign-in through Dynamic's React widget (sdk-react-core 4.96.3,
// bundled with esbuild) in Debian's Chromium: the environment enables
// the dynamic provider, the server sends codes by SMTP to a real Mailpit
// (github.com/axllent/mailpit, pinned in internal/tools), the test reads
// the code through Mailpit's HTTP API and types it into the widget's code
// boxes as a user would. The signed-in widget's getAuthToken() verifies
// against the JWKS and names the email; logging out through the widget
// revokes the session; no API call the widget made answered 404 or 5xx.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { promisify } from 'node:util';
import { setup, verifySessionJwt, http, clients, expectOk, repoRoot } from '../harness.mjs';
import { CHROMIUM, bundle, pageServer, launch } from '../widget/browser.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynamicauth-widget-email-'));
const mail = {};
const serveArgs = ['--rate-limits', 'off'];

async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

// Before the server starts: Mailpit (built once into Go's build cache by
// `go tool -n mailpit`) on free loopback ports, given to the server as
// --smtp-url (no TLS on loopback); and the app's bundle.
async function ready() {
  const { stdout } = await promisify(execFile)('go', ['tool', '-n', 'mailpit'],
    { cwd: path.join(repoRoot, 'internal', 'tools'), timeout: 600_000 });
  const smtp = `127.0.0.1:${await freePort()}`;
  const api = `127.0.0.1:${await freePort()}`;
  mail.proc = spawn(stdout.trim(), ['--smtp', smtp, '--listen', api, '--database', path.join(dir, 'mailpit.db'),
    '--disable-version-check', '--quiet'], { stdio: ['ignore', 'inherit', 'inherit'] });
  mail.api = `http://${api}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${mail.api}/readyz`)).ok) break;
    } catch { /* not listening yet */ }
    if (i > 300) throw new Error('mailpit did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  serveArgs.push('--smtp-url', `smtp://${smtp}?tls=none`, '--mail-from', 'Widget test <auth@example.com>');
  mail.bundle = await bundle(dir);
}
after(() => { mail.proc?.kill('SIGTERM'); });

const { ctx, it } = setup({ serveArgs, ready, timeoutMs: 240_000 });

// codeFor waits for the newest message to `to` in Mailpit and returns the
// six-digit code of its text.
async function codeFor(to) {
  for (let i = 0; i < 100; i++) {
    const list = await (await fetch(`${mail.api}/api/v1/messages`)).json();
    const m = list.messages.find((x) => x.To.some((a) => a.Address.toLowerCase() === to));
    if (m) {
      const full = await (await fetch(`${mail.api}/api/v1/message/${m.ID}`)).json();
      const code = full.Text.match(/\b[0-9]{6}\b/)?.[0];
      assert.ok(code, `a code in the message: ${full.Text}`);
      return code;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no message to ${to} reached mailpit`);
}

it('browser: the React widget signs in by email with the code from Mailpit, verifies, and logs out', async (t) => {
  if (!fs.existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is missing (apt-get install chromium; .ci/run does it)`);
    return;
  }
  const api = clients(ctx);
  const env = await expectOk(api.envs.getEnvironmentByIdRaw({ environmentId: ctx.envId }));
  const settings = env.json.settings;
  // the widget offers email when the dynamic provider is enabled (or
  // magicLink with a Magic project id, or blocto); the server sends codes
  // for dynamic, magicLink and emailOnly
  settings.providers = [{ provider: 'dynamic', enabledAt: new Date() }];
  await expectOk(api.envs.updateProjectSettingsRaw({ environmentId: ctx.envId, projectSettings: settings }));
  const app = await pageServer(mail.bundle, { widget: { environmentId: ctx.envId, apiBaseUrl: ctx.basePath } });
  const { browser, page, apiCalls, dump } = await launch(dir, ctx.basePath);
  const email = `ada-${Date.now()}@example.com`;
  try {
    try {
      // (not waiting for "load": the refused hosts' retries can hold it
      // back on a busy machine; the button is what matters)
      await page.goto(app.origin, { waitUntil: 'domcontentloaded', timeout: 60_000 });
      await page.getByRole('button', { name: /log in or sign up/i }).click({ timeout: 60_000 });
      await page.locator('#email_field').fill(email, { timeout: 15_000 });
      await page.locator('[data-testid="submit_button"]').click({ timeout: 10_000 });
      const code = await codeFor(email);
      const boxes = page.locator('input[inputmode="numeric"]');
      await boxes.first().waitFor({ timeout: 15_000 });
      await boxes.first().click();
      await page.keyboard.type(code, { delay: 50 });
      await page.waitForFunction(() => window.__dyn?.loggedIn === true, null, { timeout: 30_000 });
    } catch (e) {
      throw new Error(`${e.message}\n${await dump('email-signin')}`);
    }
    try {
      assert.ok(apiCalls.some((c) => c.path.endsWith('/emailVerifications/create') && c.status === 200), 'the widget asked for a code');
      assert.ok(apiCalls.some((c) => c.path.endsWith('/emailVerifications/signin') && c.status === 200), 'the widget signed in with it');
      const token = await page.evaluate(() => window.__dyn.getAuthToken());
      const { payload } = await verifySessionJwt(ctx, token);
      const creds = payload.verified_credentials ?? [];
      assert.ok(creds.some((c) => c.format === 'email' && c.email === email), `the JWT names the email: ${JSON.stringify(creds)}`);
      const me = await http(ctx, 'GET', `/sdk/${ctx.envId}/users`, { token });
      assert.equal(me.status, 200, `the widget's token serves GET /users: ${me.text}`);
      assert.equal(me.json.email, email);

      // log out through the widget: the session is revoked
      // the widget shows the email shortened ("ada-...8609@example.com")
      await page.getByText(/^ada-.*@example\.com$/).first().click({ timeout: 10_000 });
      await page.getByText('Settings', { exact: true }).last().click({ timeout: 10_000 });
      await page.getByText(/^log ?out$/i).first().click({ timeout: 10_000 });
      await page.waitForFunction(() => window.__dyn?.loggedIn === false, null, { timeout: 20_000 });
      const gone = await http(ctx, 'GET', `/sdk/${ctx.envId}/users`, { token });
      assert.equal(gone.status, 401, `a logged-out token is refused: ${gone.status} ${gone.text}`);
      await page.getByRole('button', { name: /log in or sign up/i }).waitFor({ timeout: 10_000 });
      const bad = apiCalls.filter((c) => c.status === 404 || c.status >= 500);
      assert.deepEqual(bad, [], 'no API call the widget made answered 404 or 5xx');
    } catch (e) {
      throw new Error(`${e.message}\n${await dump('email-signed-in')}`);
    }
  } finally {
    await browser.close();
    app.srv.close();
  }
});
