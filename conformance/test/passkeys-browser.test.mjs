// Passkeys in a real browser: Debian's Chromium, headless, driven by
// playwright-core, with a DevTools virtual authenticator. A page served
// from an allowed origin of the environment registers a passkey for a
// signed-in user through navigator.credentials.create and signs in with
// it through navigator.credentials.get; a replayed assertion, an
// assertion made on another origin and a deleted passkey are refused.
// One test: starting the browser is the slow part.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import nodeHttp from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Wallet } from 'ethers';
import { chromium } from 'playwright-core';
import { setup, clients, sdkApi, expectOk, http, evmVerifyRequest, verifySessionJwt } from '../harness.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const { ctx, it } = setup({ serveArgs: ['--rate-limits', 'off'] });

/** Serves an empty page on a loopback port; the test page's origin is http://localhost:<port>. */
async function pageServer() {
  const srv = nodeHttp.createServer((req, res) => {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end('<!doctype html><meta charset="utf-8"><title>passkeys</title><p>dynamicauth passkey test page</p>');
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return { srv, origin: `http://localhost:${srv.address().port}` };
}

// In the page: the WebAuthn JSON <-> ArrayBuffer glue every app writes.
const PAGE_HELPERS = `
  window.b64u = {
    dec: (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4)), (c) => c.charCodeAt(0)),
    enc: (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, ''),
  };
  window.createPasskey = async (o) => {
    const c = await navigator.credentials.create({ publicKey: { ...o, challenge: b64u.dec(o.challenge),
      user: { ...o.user, id: b64u.dec(o.user.id) },
      excludeCredentials: (o.excludeCredentials || []).map((x) => ({ ...x, id: b64u.dec(x.id) })) } });
    return { id: c.id, rawId: b64u.enc(c.rawId), type: c.type, authenticatorAttachment: c.authenticatorAttachment,
      clientExtensionResults: c.getClientExtensionResults(),
      response: { clientDataJson: b64u.enc(c.response.clientDataJSON), attestationObject: b64u.enc(c.response.attestationObject),
        transports: c.response.getTransports() } };
  };
  window.getPasskey = async (o) => {
    const a = await navigator.credentials.get({ publicKey: { ...o, challenge: b64u.dec(o.challenge),
      allowCredentials: (o.allowCredentials || []).map((x) => ({ ...x, id: b64u.dec(x.id) })) } });
    return { id: a.id, rawId: b64u.enc(a.rawId), type: a.type, clientExtensionResults: a.getClientExtensionResults(),
      response: { clientDataJSON: b64u.enc(a.response.clientDataJSON), authenticatorData: b64u.enc(a.response.authenticatorData),
        signature: b64u.enc(a.response.signature), userHandle: a.response.userHandle ? b64u.enc(a.response.userHandle) : undefined } };
  };
  window.api = async (method, url, token, body) => {
    const h = { 'Content-Type': 'application/json' };
    if (token) h.Authorization = 'Bearer ' + token;
    const r = await fetch(url, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : null };
  };
`;

it('browser: register a passkey, sign in with it; replay, another origin and a deleted passkey are refused', async (t) => {
  if (!fs.existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is missing (apt-get install chromium; .ci/run does it)`);
    return;
  }
  const allowed = await pageServer();
  const other = await pageServer(); // same host, another port: another origin
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynamicauth-chromium-'));
  const browser = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    await expectOk(clients(ctx).origins.addOriginRaw({ environmentId: ctx.envId, inlineObject: { origin: allowed.origin } }), 201, 'addOrigin');
    const page = browser.pages()[0] ?? await browser.newPage();
    const cdp = await browser.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', { options: { protocol: 'ctap2', transport: 'internal',
      hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true } });
    await page.addInitScript(PAGE_HELPERS);
    await page.goto(`${allowed.origin}/`);
    const base = `${ctx.basePath}/sdk/${ctx.envId}`;

    // A wallet user of this app signs in (SIWE on the allowed origin's domain).
    const host = new URL(allowed.origin).host;
    const wallet = Wallet.createRandom();
    const body = await evmVerifyRequest(ctx, wallet, { msg: { domain: host, uri: `${allowed.origin}/` } });
    const user = (await expectOk(sdkApi(ctx).verifyRaw({ environmentId: ctx.envId, verifyRequest: body }), 200, 'wallet sign-in')).json;
    const token = user.minifiedJwt;

    // Register, in the page, through navigator.credentials.create.
    const reg = await page.evaluate(async ({ base, token }) => {
      const opts = await api('GET', `${base}/users/passkeys/register`, token);
      if (opts.status !== 200) return { step: 'options', ...opts };
      const cred = await createPasskey(opts.json);
      return { opts: opts.json, ...(await api('POST', `${base}/users/passkeys/register`, token, cred)) };
    }, { base, token });
    assert.equal(reg.status, 200, `register: ${JSON.stringify(reg)}`);
    assert.equal(reg.opts.rp.id, 'localhost');
    assert.deepEqual(reg.opts.excludeCredentials, []);
    assert.ok(reg.json.user.verifiedCredentials.some((c) => c.format === 'passkey'), 'the passkey is a credential of the user');
    const list = await http(ctx, 'GET', `/sdk/${ctx.envId}/users/passkeys`, { token });
    assert.equal(list.json.count, 1);
    assert.equal(list.json.passkeys[0].origin, allowed.origin);

    // A second registration excludes the passkey the authenticator holds.
    const again = await page.evaluate(async ({ base, token }) => (await api('GET', `${base}/users/passkeys/register`, token)).json,
      { base, token });
    assert.equal(again.excludeCredentials.length, 1);

    // Sign in with it: discoverable, no user named.
    const signin = async () => page.evaluate(async ({ base }) => {
      const opts = await api('GET', `${base}/users/passkeys/signin`);
      if (opts.status !== 200) return { step: 'options', ...opts };
      const assertion = await getPasskey(opts.json);
      return { assertion, ...(await api('POST', `${base}/users/passkeys/signin`, null, assertion)) };
    }, { base });
    const s1 = await signin();
    assert.equal(s1.status, 200, `passkey sign-in: ${JSON.stringify(s1)}`);
    assert.equal(s1.json.user.id, user.user.id, 'the passkey signs its user in');
    const { payload } = await verifySessionJwt(ctx, s1.json.minifiedJwt);
    assert.equal(payload.sub, user.user.id);
    assert.ok(payload.scope.split(' ').includes('user:basic'));
    assert.notEqual(payload.sid, JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).sid, 'a new session');

    // The same assertion again: its challenge is used up.
    const replay = await http(ctx, 'POST', `/sdk/${ctx.envId}/users/passkeys/signin`, { body: s1.assertion,
      headers: { Origin: allowed.origin } });
    assert.equal(replay.status, 422, `replayed assertion: ${replay.text}`);

    // An assertion made on another origin (same RP ID, another port) is refused.
    const opts = await http(ctx, 'GET', `/sdk/${ctx.envId}/users/passkeys/signin`, { headers: { Origin: allowed.origin } });
    assert.equal(opts.status, 200);
    await page.goto(`${other.origin}/`);
    const foreign = await page.evaluate(async (o) => getPasskey(o), opts.json);
    assert.equal(JSON.parse(Buffer.from(foreign.response.clientDataJSON, 'base64url')).origin, other.origin);
    const wrong = await http(ctx, 'POST', `/sdk/${ctx.envId}/users/passkeys/signin`, { body: foreign,
      headers: { Origin: allowed.origin } });
    assert.equal(wrong.status, 422, `assertion for another origin: ${wrong.text}`);

    // MFA: with session-level MFA on, the passkey is the user's second
    // factor. A wallet sign-in is pending until users/mfa/auth/passkey
    // upgrades the same sid to a full session the JWKS verifies.
    const envs = clients(ctx).envs;
    const settings = (await expectOk(envs.getEnvironmentByIdRaw({ environmentId: ctx.envId }))).value.settings;
    const setMfa = (mfa) => expectOk(envs.updateProjectSettingsRaw({ environmentId: ctx.envId,
      projectSettings: { ...settings, security: { ...settings.security, mfa } } }), 200, 'MFA settings');
    await setMfa({ enabled: true });
    await page.goto(`${allowed.origin}/`);
    const pendingBody = await evmVerifyRequest(ctx, wallet, { msg: { domain: host, uri: `${allowed.origin}/` } });
    const pending = (await expectOk(sdkApi(ctx).verifyRaw({ environmentId: ctx.envId, verifyRequest: pendingBody }), 200,
      'pending sign-in')).json.minifiedJwt;
    const pendingClaims = JSON.parse(Buffer.from(pending.split('.')[1], 'base64url'));
    assert.ok(pendingClaims.scope.split(' ').includes('requiresAdditionalAuth'), `pending scope: ${pendingClaims.scope}`);
    assert.ok(!pendingClaims.scope.split(' ').includes('user:basic'));
    const refused = await http(ctx, 'GET', `/sdk/${ctx.envId}/users`, { token: pending });
    assert.equal(refused.status, 403, `GET /users while pending: ${refused.text}`);
    const mfaUp = await page.evaluate(async ({ base, token }) => {
      const opts = await api('GET', `${base}/users/passkeys/authenticate`, token);
      if (opts.status !== 200) return { step: 'options', ...opts };
      return api('POST', `${base}/users/mfa/auth/passkey`, token, await getPasskey(opts.json));
    }, { base, token: pending });
    assert.equal(mfaUp.status, 200, `auth/passkey: ${JSON.stringify(mfaUp)}`);
    const upgraded = await verifySessionJwt(ctx, mfaUp.json.minifiedJwt);
    assert.equal(upgraded.payload.sid, pendingClaims.sid, 'the upgraded token keeps the sid');
    assert.ok(upgraded.payload.scope.split(' ').includes('user:basic'));
    assert.deepEqual(upgraded.payload.amr, ['wallet', 'passkey']);
    await verifySessionJwt(ctx, mfaUp.json.jwt);
    await setMfa({ enabled: false });

    // Deleted: the authenticator still offers it, the server refuses it.
    const del = await http(ctx, 'DELETE', `/sdk/${ctx.envId}/users/passkeys`, { token,
      body: { passkeyId: list.json.passkeys[0].id } });
    assert.equal(del.status, 204, del.text);
    await page.goto(`${allowed.origin}/`);
    const gone = await signin();
    assert.equal(gone.status, 404, `deleted passkey: ${JSON.stringify(gone)}`);
    assert.equal(gone.json.code, 'passkey_not_found');
  } finally {
    await browser.close();
    allowed.srv.close();
    other.srv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
