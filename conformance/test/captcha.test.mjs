// Captcha (security.hCaptcha): the server asks the provider's siteverify
// endpoint about every captchaToken of a request that starts a sign-in or
// sends a code. The provider is a siteverify server started here (the
// real one cannot be reached from the test machine), named to the server
// by --captcha-verify-url; it knows the secret and accepts each issued
// token once. Dynamic's JS SDK renders nothing here (getCaptchaSettings
// names the widget and site key an app would render): the test hands it a
// solved token with setCaptchaToken, as an app does from the widget.
import assert from 'node:assert/strict';
import nodeHttp from 'node:http';
import { after } from 'node:test';
import { Wallet } from 'ethers';
import {
  createDynamicClient, initializeClient, connectAndVerifyWithWalletProvider, setCaptchaToken, isCaptchaRequired, logout,
  getCaptchaSettings, CaptchaProviderEnum,
} from '@dynamic-labs-sdk/client';
import { getWalletProviderRegistry, WalletProviderPriority } from '@dynamic-labs-sdk/client/core';
import { setup, sdkApi, expectStatus, http, verifySessionJwt, APP_ORIGIN } from '../harness.mjs';
import { ethersProvider, nodeSdk, settle } from '../sdk-shims.mjs';

const SECRET = 'conformance-hcaptcha-secret';
const provider = { issued: new Set(), calls: [] };
const serveArgs = ['--rate-limits', 'off'];

async function ready() {
  provider.srv = nodeHttp.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const call = { secret: form.get('secret'), response: form.get('response') };
      provider.calls.push(call);
      const ok = call.secret === SECRET && provider.issued.delete(call.response);
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(ok ? { success: true } : { success: false, 'error-codes': ['invalid-input-response'] }));
    });
  });
  await new Promise((r) => provider.srv.listen(0, '127.0.0.1', r));
  serveArgs.push('--captcha-verify-url', `hcaptcha=http://127.0.0.1:${provider.srv.address().port}/siteverify`);
}
after(() => provider.srv?.close());

const { ctx, it } = setup({ serveArgs, ready });

it('hCaptcha on: the SDK settings name it without the secret; a code or sign-in without a solved token is refused (official client)', async () => {
  const env = await http(ctx, 'GET', `/environments/${ctx.envId}`, { token: ctx.token });
  const settings = env.json.settings;
  settings.security = { ...settings.security, hCaptcha: { enabled: true, siteKey: 'site-key', secretKey: SECRET } };
  settings.providers = [...(settings.providers ?? []), { provider: 'emailOnly', enabledAt: new Date().toISOString() }];
  const put = await http(ctx, 'PUT', `/environments/${ctx.envId}`, { token: ctx.token, body: settings });
  assert.equal(put.status, 200, put.text);
  const pub = await http(ctx, 'GET', `/sdk/${ctx.envId}/settings`);
  assert.equal(pub.json.security.hCaptcha.enabled, true);
  assert.equal(pub.json.security.hCaptcha.siteKey, 'site-key');
  assert.equal(pub.json.security.hCaptcha.secretKey, undefined, 'the secret never reaches the SDK');

  const api = sdkApi(ctx);
  const missing = await expectStatus(api.createEmailVerification({ environmentId: ctx.envId,
    emailVerificationCreateRequest: { email: 'captcha@example.com' } }), 422, 'no token');
  assert.equal(missing.code, 'other_verify_failure');
  assert.match(missing.error, /captcha/);
  await expectStatus(api.createEmailVerification({ environmentId: ctx.envId,
    emailVerificationCreateRequest: { email: 'captcha@example.com', captchaToken: 'forged' } }), 422, 'forged token');
  provider.issued.add('solved-for-client');
  const ok = await api.createEmailVerification({ environmentId: ctx.envId,
    emailVerificationCreateRequest: { email: 'captcha@example.com', captchaToken: 'solved-for-client' } });
  assert.ok(ok.verificationUUID);
  assert.deepEqual(provider.calls.at(-1), { secret: SECRET, response: 'solved-for-client' }, 'siteverify got the secret and the token');
});

it('Dynamic\'s JS SDK: isCaptchaRequired; setCaptchaToken with a solved token, then connectAndVerifyWithWalletProvider signs in', async () => {
  const inflight = new Set();
  const { client } = nodeSdk(ctx, { createDynamicClient, origin: APP_ORIGIN, inflight });
  await initializeClient(client);
  assert.equal(isCaptchaRequired(client), true, 'the SDK reads the captcha from the settings');
  assert.deepEqual(getCaptchaSettings(client), { provider: CaptchaProviderEnum.Hcaptcha, siteKey: 'site-key' },
    'the widget to render and its site key, from the settings');
  const wallet = Wallet.createRandom();
  const wp = ethersProvider(wallet);
  getWalletProviderRegistry(client).register({ priority: WalletProviderPriority.WALLET_SDK, walletProvider: wp });
  provider.issued.add('solved-for-sdk');
  setCaptchaToken({ captchaToken: 'solved-for-sdk' }, client);
  const n = provider.calls.length;
  await connectAndVerifyWithWalletProvider({ walletProviderKey: wp.key }, client);
  assert.ok(client.user, 'signed in');
  assert.deepEqual(provider.calls.slice(n), [{ secret: SECRET, response: 'solved-for-sdk' }], 'the sign-in asked siteverify once');
  assert.equal((await verifySessionJwt(ctx, client.token)).payload.sub, client.user.id);
  await logout(client);
  await settle(inflight);
});
