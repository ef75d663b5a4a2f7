// Dynamic's JS SDK (@dynamic-labs-sdk/client, bundled with esbuild) in
// Debian's Chromium, on its defaults but apiBaseUrl, with a DevTools
// virtual authenticator: its own passkey functions. registerPasskey for a
// wallet user, getPasskeys, signInWithPasskey after logging out,
// authenticatePasskeyMFA upgrading an MFA-pending sign-in, deletePasskey.
// One test: starting the browser is the slow part.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Wallet } from 'ethers';
import { setup, http, updateSettings, verifySessionJwt } from '../harness.mjs';
import { CHROMIUM, bundle, pageServer, launch } from '../widget/browser.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynamicauth-sdk-passkeys-'));
const built = {};
const { ctx, it } = setup({ serveArgs: ['--rate-limits', 'off'], ready: async () => { built.bundle = await bundle(dir, 'jssdk.js'); },
  timeoutMs: 180_000 });

const setMfa = (mfa) => updateSettings(ctx, (s) => { s.security = { ...s.security, mfa }; });

it('browser: the JS SDK registers a passkey, signs in with it, passes MFA with it and deletes it', async (t) => {
  if (!fs.existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is missing (apt-get install chromium; .ci/run does it)`);
    return;
  }
  const apiBase = ctx.basePath.replace('127.0.0.1', 'localhost');
  const app = await pageServer(built.bundle, { widget: { environmentId: ctx.envId, apiBaseUrl: apiBase } });
  const { browser, page, dump } = await launch(dir, apiBase);
  const wallet = Wallet.createRandom();
  const sdk = (fn, ...args) => page.evaluate(([f, a]) => window.__sdk[f](...a), [fn, args]);
  try {
    const cdp = await browser.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', { options: { protocol: 'ctap2', transport: 'internal',
      hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true } });
    await page.exposeFunction('__walletSign', (msg) => wallet.signMessage(msg));
    await page.goto(app.origin);
    let v = await sdk('init');
    assert.equal(v.initStatus, 'finished', `${v.initError}\n${await dump('init')}`);
    v = await sdk('signIn', wallet.address.toLowerCase());
    const userId = v.user?.id;
    assert.ok(userId, await dump('signin'));

    v = await sdk('registerPasskey').catch(async (e) => assert.fail(`registerPasskey: ${e.message}\n${await dump('register')}`));
    const keys = await sdk('passkeys');
    assert.equal(keys.length, 1, await dump('passkeys'));
    const cred = (await http(ctx, 'GET', `/sdk/${ctx.envId}/users`, { token: v.token })).json.verifiedCredentials;
    assert.ok(cred.some((c) => c.format === 'passkey'), 'the passkey is a credential of the user');

    await sdk('logout');
    v = await sdk('signInWithPasskey').catch(async (e) => assert.fail(`signInWithPasskey: ${e.message}\n${await dump('passkey-signin')}`));
    assert.equal(v.user?.id, userId, 'the passkey signs its user in');
    const { payload } = await verifySessionJwt(ctx, v.token);
    assert.deepEqual(payload.amr, ['passkey'], JSON.stringify(payload));
    assert.ok(payload.scope.split(' ').includes('user:basic'));
    await sdk('logout');

    // MFA on: the wallet sign-in is pending until the passkey passes.
    await setMfa({ enabled: true, required: false });
    await page.reload();
    await sdk('init');
    v = await sdk('signIn', wallet.address.toLowerCase());
    assert.equal(v.user?.missingMfa, true, `pending: ${JSON.stringify(v)}\n${await dump('pending')}`);
    v = await sdk('authenticatePasskeyMFA').catch(async (e) => assert.fail(`authenticatePasskeyMFA: ${e.message}\n${await dump('mfa')}`));
    assert.equal(v.user?.missingMfa, false, await dump('upgraded'));
    const upgraded = await verifySessionJwt(ctx, v.token);
    assert.deepEqual(upgraded.payload.amr, ['wallet', 'passkey']);

    await setMfa({ enabled: false });
    v = await sdk('deletePasskey', keys[0].id).catch(async (e) => assert.fail(`deletePasskey: ${e.message}\n${await dump('delete')}`));
    assert.equal((await sdk('passkeys')).length, 0, await dump('deleted'));
    await sdk('logout');
  } finally {
    await browser.close();
    app.srv.close();
  }
});
