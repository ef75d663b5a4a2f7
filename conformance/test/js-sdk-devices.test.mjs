// Dynamic's own JavaScript SDK (@dynamic-labs-sdk/client), unchanged, in
// Node: device registration (security.deviceRegistrationRequired, Dynamic's
// API version 2026_04_01). Each SDK instance has its own keychain, so its
// own device signer key: the first browser of a user is registered at
// sign-up, a second one signs in restricted (isDeviceRegistrationRequired)
// until the link emailed to the user is followed (completeDeviceRegistration),
// then lists and revokes the user's devices.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import nodeCrypto from 'node:crypto';
import {
  createDynamicClient, initializeClient, sendEmailOTP, verifyOTP, isDeviceRegistrationRequired, completeDeviceRegistration,
  getRegisteredDevices, revokeRegisteredDevice, revokeAllRegisteredDevices, refreshUser, getDeviceRegistrationTokenFromUrl,
  logout,
} from '@dynamic-labs-sdk/client';
import { setup, http, updateSettings, APP_ORIGIN } from '../harness.mjs';
import { nodeSdk, settle } from '../sdk-shims.mjs';

const { ctx, it } = setup({ serveArgs: ['--rate-limits', 'off'] });
const inflight = new Set();
const live = [];
const newSdk = () => nodeSdk(ctx, { createDynamicClient, origin: APP_ORIGIN, inflight, live });
const email = `dev-${nodeCrypto.randomUUID().slice(0, 8)}@example.com`;
const outbox = () => fs.readFileSync(`${ctx.db}.outbox.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  .filter((l) => l.to === email);

/** A new SDK instance (a new browser) signed in with the email's code. */
async function signIn() {
  const s = newSdk();
  await initializeClient(s.client);
  const otp = await sendEmailOTP({ email }, s.client);
  await verifyOTP({ otpVerification: otp, verificationToken: outbox().pop().code }, s.client);
  assert.ok(s.client.user, `signed in:\n${s.describe()}`);
  return s;
}

const state = {};

it('the first browser is registered at sign-up; a second signs in restricted and is emailed an approval link', async () => {
  const o = await http(ctx, 'POST', `/environments/${ctx.envId}/origins`, { token: ctx.token, body: { origin: APP_ORIGIN } });
  assert.equal(o.status, 201, o.text);
  await updateSettings(ctx, (s) => {
    s.providers = [...(s.providers ?? []), { provider: 'emailOnly', enabledAt: new Date().toISOString() }];
    s.security = { ...s.security, deviceRegistrationRequired: true };
  });
  state.laptop = await signIn();
  assert.equal(isDeviceRegistrationRequired(state.laptop.client.user), false, state.laptop.describe());
  const signin = state.laptop.log.find((e) => e.path === '/emailVerifications/signin');
  assert.ok(signin.headers['x-dynamic-device-publickey'], 'the SDK proves its device key on sign-in');

  state.phone = await signIn();
  assert.equal(isDeviceRegistrationRequired(state.phone.client.user), true, JSON.stringify(state.phone.client.user.scope));
  const mail = outbox().pop();
  const link = mail.body.match(/http:\/\/localhost:3000\/\S+/)?.[0];
  assert.ok(link, mail.body);
  state.token = getDeviceRegistrationTokenFromUrl({ url: link });
  assert.equal(state.token, mail.code);
  const me = await http(ctx, 'GET', `/sdk/${ctx.envId}/users`, { token: state.phone.client.token });
  assert.equal(me.status, 403, 'a restricted session is refused where a full one is needed');
});

it('completeDeviceRegistration with the link token lifts the restriction; the link works once', async () => {
  const { phone } = state;
  const userId = phone.client.user.id;
  await completeDeviceRegistration({ deviceToken: state.token }, phone.client);
  assert.equal(phone.client.user.id, userId);
  assert.equal(isDeviceRegistrationRequired(phone.client.user), false, phone.describe());
  await refreshUser(phone.client);
  await assert.rejects(completeDeviceRegistration({ deviceToken: state.token }, phone.client), 'a used link');
  const again = await signIn();
  assert.equal(again.client.user.id, userId);
  // a new SDK instance is a new device: it is asked again
  assert.equal(isDeviceRegistrationRequired(again.client.user), true);
});

it('getRegisteredDevices lists both browsers; revokeRegisteredDevice ends the other one; revokeAllRegisteredDevices logs out', async () => {
  const { laptop, phone } = state;
  const devices = await getRegisteredDevices(phone.client);
  assert.equal(devices.length, 2, JSON.stringify(devices));
  const current = devices.filter((d) => d.isCurrentDevice);
  assert.equal(current.length, 1, JSON.stringify(devices));
  const other = devices.find((d) => !d.isCurrentDevice);
  assert.ok(other.createdAt instanceof Date && other.userAgent !== undefined, JSON.stringify(other));
  await revokeRegisteredDevice({ deviceRegistrationId: other.id }, phone.client);
  assert.ok(phone.client.user, 'revoking another device keeps this session');
  const laptopMe = await http(ctx, 'GET', `/sdk/${ctx.envId}/users`, { token: laptop.client.token });
  assert.equal(laptopMe.status, 401, 'the revoked device\'s session ended');
  const phoneToken = phone.client.token;
  await revokeAllRegisteredDevices(phone.client);
  assert.equal(phone.client.user, null, 'revoking all logs out');
  const left = await http(ctx, 'GET', `/sdk/${ctx.envId}/deviceRegistrations`, { token: phoneToken });
  assert.equal(left.status, 401, `the session ended on the server too: ${left.text}`);
});

it('every SDK instance logs out (none keeps a timer or a request alive past the server)', async () => {
  for (const s of live) if (s.client.user) await logout(s.client);
  await settle(inflight);
  assert.ok(live.every((s) => !s.client.user));
});
