// Dynamic's own JavaScript SDK (@dynamic-labs-sdk/client), unchanged, in
// Node: what a signed-in user does to their account through the SDK's own
// functions (not the official client's calls): TOTP MFA from enrollment to
// the next sign-in's upgrade, recovery codes and their acknowledgement,
// the default device, deleting a device with an mfaToken; the profile;
// linking a phone number by SMS code; a second wallet linked, made
// primary and removed; passkeys and step-up reads.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Wallet } from 'ethers';
import {
  createDynamicClient, initializeClient, connectAndVerifyWithWalletProvider, logout, getWalletAccounts,
  registerTotpMfaDevice, authenticateTotpMfaDevice, getMfaDevices, getMfaRecoveryCodes, acknowledgeRecoveryCodes,
  createNewMfaRecoveryCodes, authenticateMfaRecoveryCode, setDefaultMfaDevice, deleteMfaDevice, getMfaMethods,
  isPendingRecoveryCodesAcknowledgment, isUserMissingMfaAuth, updateUser, sendSmsOTP, sendEmailOTP, verifyOTP, getPasskeys,
  checkStepUpAuth, removeWalletAccount, selectPrimaryWalletAccount, refreshUser, verifyWalletAccount, getElevatedAccessToken, deleteUser,
  setSelectedWalletAccount, getSelectedWalletAccount, getPrimaryWalletAccount, isMfaRequiredForAction, consumeMfaToken, MFAAction,
  isUserOnboardingComplete, checkUserScopes,
} from '@dynamic-labs-sdk/client';
import { getWalletProviderRegistry, WalletProviderPriority } from '@dynamic-labs-sdk/client/core';
import { setup, http, updateSettings, APP_ORIGIN, totp } from '../harness.mjs';
import { ethersProvider, nodeSdk, settle } from '../sdk-shims.mjs';

const { ctx, it } = setup({ serveArgs: ['--rate-limits', 'off'] });
const inflight = new Set();
const live = [];
// offset: seconds from now (the server takes a code one 30 s step either side, each step once)

const outboxCode = (to) => fs.readFileSync(`${ctx.db}.outbox.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  .filter((l) => l.to === to).pop()?.code;

const newSdk = () => nodeSdk(ctx, { createDynamicClient, origin: APP_ORIGIN, inflight, live });

/** A new SDK instance signed in with wallet through the SDK's wallet provider registry. */
async function signIn(wallet) {
  const s = newSdk();
  await initializeClient(s.client);
  const provider = ethersProvider(wallet);
  getWalletProviderRegistry(s.client).register({ priority: WalletProviderPriority.WALLET_SDK, walletProvider: provider });
  await connectAndVerifyWithWalletProvider({ walletProviderKey: provider.key }, s.client);
  assert.ok(s.client.user, `signed in:\n${s.describe()}`);
  return s;
}

const state = {};

it('MFA through the SDK: registerTotpMfaDevice, then authenticateTotpMfaDevice verifies the device; devices and methods list it', async () => {
  await updateSettings(ctx, (s) => { s.security = { ...s.security, mfa: { enabled: true, required: false } }; });
  state.wallet = Wallet.createRandom();
  const s = await signIn(state.wallet);
  assert.equal(isUserMissingMfaAuth(s.client), false, 'no device yet: a full session');
  const reg = await registerTotpMfaDevice(s.client);
  assert.match(reg.uri ?? '', /^otpauth:\/\/totp\//, `register: ${JSON.stringify(reg)}`);
  assert.ok(reg.id && reg.secret, JSON.stringify(reg));
  const res = await authenticateTotpMfaDevice({ deviceId: reg.id, code: await totp(reg.secret) }, s.client);
  assert.ok(res.minifiedJwt || res.jwt, `auth/totp answers a VerifyResponse:\n${s.describe()}`);
  const devices = await getMfaDevices(s.client);
  assert.equal(devices.length, 1, JSON.stringify(devices));
  assert.equal(devices[0].id, reg.id);
  assert.equal(devices[0].verified, true);
  assert.equal(devices[0]._default, true, 'the first device is the default (the model spells it _default)');
  const methods = await getMfaMethods(s.client);
  assert.ok(JSON.stringify(methods).includes(reg.id), `methods name the device: ${JSON.stringify(methods)}`);
  Object.assign(state, { reg, first: s });
});

it('recovery codes through the SDK: shown once, pending until acknowledgeRecoveryCodes; createNewMfaRecoveryCodes makes a new set', async () => {
  const s = state.first;
  const codes = await getMfaRecoveryCodes(s.client);
  assert.equal(codes.recoveryCodes.length, 10, JSON.stringify(codes));
  await refreshUser(s.client);
  assert.equal(isPendingRecoveryCodesAcknowledgment(s.client), true, `pending: ${s.client.user.mfaBackupCodeAcknowledgement}`);
  await acknowledgeRecoveryCodes(s.client);
  assert.equal(isPendingRecoveryCodesAcknowledgment(s.client), false, `acknowledged:\n${s.describe()}`);
  await refreshUser(s.client);
  assert.equal(s.client.user.mfaBackupCodeAcknowledgement, 'complete', 'kept by the server');
  const fresh = await createNewMfaRecoveryCodes(s.client);
  assert.equal(fresh.recoveryCodes.length, 10);
  assert.notDeepEqual(fresh.recoveryCodes, codes.recoveryCodes);
  state.recovery = fresh.recoveryCodes;
});

it('the next sign-in is MFA-pending; authenticateMfaRecoveryCode upgrades it once; setDefaultMfaDevice (no body) is accepted', async () => {
  const s = await signIn(state.wallet);
  assert.equal(isUserMissingMfaAuth(s.client), true, `pending scope: ${s.client.user.scope}`);
  await authenticateMfaRecoveryCode({ code: state.recovery[0] }, s.client);
  assert.equal(isUserMissingMfaAuth(s.client), false, `upgraded:\n${s.describe()}`);
  await setDefaultMfaDevice({ deviceId: state.reg.id }, s.client);
  const [d] = await getMfaDevices(s.client);
  assert.equal(d._default, true);

  const again = await signIn(state.wallet);
  await assert.rejects(authenticateMfaRecoveryCode({ code: state.recovery[0] }, again.client), 'a used recovery code');
  assert.equal(isUserMissingMfaAuth(again.client), true);
  state.pending = again;
});

it('the user.update MFA action: isMfaRequiredForAction says so; updateUser sends the mfaToken of authenticateMfaRecoveryCode, once; consumeMfaToken hands it over', async () => {
  await updateSettings(ctx, (x) => { x.security = { ...x.security, mfa: { enabled: true, required: false, actions: [{ action: 'user.update', required: true }] } }; });
  try {
    const s = await signIn(state.wallet); // the settings the SDK reads are fetched at its start
    assert.equal(await isMfaRequiredForAction({ mfaAction: MFAAction.UserUpdate }, s.client), true, s.describe());
    await assert.rejects(updateUser({ userFields: { firstName: 'NoFactor' } }, s.client), 'without a fresh factor');
    const res = await authenticateMfaRecoveryCode({ code: state.recovery[1], createMfaTokenOptions: { singleUse: true } }, s.client);
    assert.ok(res.mfaToken, `an mfaToken: ${JSON.stringify(res).slice(0, 300)}`);
    const n = s.log.length;
    await updateUser({ userFields: { firstName: 'Stepped' } }, s.client);
    assert.equal(s.client.user.firstName, 'Stepped', s.describe());
    const put = s.log.slice(n).find((e) => e.path === '/users' && e.method === 'PUT');
    assert.equal(put?.headers['x-mfa-auth-token'], res.mfaToken, 'the SDK sent the mfaToken');
    await assert.rejects(updateUser({ userFields: { firstName: 'Again' } }, s.client), 'a single-use mfaToken is spent');
    assert.equal(consumeMfaToken(s.client), res.mfaToken);
    assert.throws(() => consumeMfaToken(s.client), 'consumed');
  } finally {
    await updateSettings(ctx, (x) => { x.security = { ...x.security, mfa: { enabled: true, required: false } }; });
  }
});

it('deleteMfaDevice with the mfaToken of authenticateTotpMfaDevice; without one it is refused', async () => {
  const s = state.pending;
  // the next step's code: the enrollment spent this one
  const res = await authenticateTotpMfaDevice({ deviceId: state.reg.id, code: await totp(state.reg.secret, 30),
    createMfaTokenOptions: { singleUse: true } }, s.client);
  assert.ok(res.mfaToken, `an mfaToken: ${JSON.stringify(res).slice(0, 300)}`);
  await assert.rejects(deleteMfaDevice({ deviceId: state.reg.id, mfaAuthToken: 'not-a-token' }, s.client), 'a forged mfaToken');
  assert.equal((await getMfaDevices(s.client)).length, 1);
  await deleteMfaDevice({ deviceId: state.reg.id, mfaAuthToken: res.mfaToken }, s.client);
  assert.equal((await getMfaDevices(s.client)).length, 0, s.describe());
});

it('updateUser through the SDK: the profile changes and the client holds the new user', async () => {
  const s = await signIn(Wallet.createRandom());
  await updateUser({ userFields: { firstName: 'Ada', lastName: 'Lovelace' } }, s.client);
  assert.equal(s.client.user.firstName, 'Ada', s.describe());
  const me = await http(ctx, 'GET', `/sdk/${ctx.envId}/users`, { token: s.client.token });
  assert.equal(me.json.lastName, 'Lovelace');
  state.profile = s;
});

it('a required profile field: isUserOnboardingComplete is false (missingFields, the userDataForm scope) until updateUser fills it', async () => {
  await updateSettings(ctx, (x) => {
    x.kyc = [...(x.kyc ?? []).filter((k) => k.name !== 'jobTitle'), { name: 'jobTitle', required: true, enabled: true, unique: false, verify: false }];
  });
  try {
    const s = await signIn(Wallet.createRandom());
    assert.equal(isUserOnboardingComplete(s.client), false, JSON.stringify(s.client.user.missingFields));
    assert.deepEqual(s.client.user.missingFields.map((f) => f.name), ['jobTitle']);
    assert.equal(checkUserScopes({ scopes: ['userDataForm'], user: s.client.user }), true, s.client.user.scope);
    await updateUser({ userFields: { jobTitle: 'Engineer' } }, s.client);
    assert.deepEqual(s.client.user.missingFields, [], s.describe());
    assert.equal(isUserOnboardingComplete(s.client), true);
    assert.equal(checkUserScopes({ scopes: ['userDataForm'], user: s.client.user }), false, s.client.user.scope);
  } finally {
    await updateSettings(ctx, (x) => { x.kyc = (x.kyc ?? []).filter((k) => k.name !== 'jobTitle'); });
  }
});

it('sendSmsOTP + verifyOTP while signed in link the phone number to the same user', async () => {
  await updateSettings(ctx, (s) => {
    s.providers = [...(s.providers ?? []).filter((p) => p.provider !== 'sms'), { provider: 'sms', enabledAt: new Date().toISOString() }];
  });
  const s = state.profile;
  const userId = s.client.user.id;
  const otp = await sendSmsOTP({ isoCountryCode: 'US', phoneNumber: '4155550123' }, s.client);
  const lines = fs.readFileSync(`${ctx.db}.outbox.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const code = lines.filter((l) => l.to === '+14155550123').pop()?.code;
  assert.match(code ?? '', /^[0-9]{6}$/, 'the code is in the dev outbox');
  await verifyOTP({ otpVerification: otp, verificationToken: code }, s.client);
  assert.equal(s.client.user.id, userId, 'the same user');
  assert.ok(s.client.user.verifiedCredentials.some((c) => c.format === 'phoneNumber' && c.publicIdentifier === '+14155550123'),
    `phone linked:\n${JSON.stringify(s.client.user.verifiedCredentials)}\n${s.describe()}`);
});

it('sendSmsOTP + verifyOTP signed out sign in by SMS (smsVerifications/signin); the same number signs in to the same user', async () => {
  const number = '4155550177';
  const signInBySms = async () => {
    const s = newSdk();
    await initializeClient(s.client);
    const otp = await sendSmsOTP({ isoCountryCode: 'US', phoneNumber: number }, s.client);
    assert.equal(otp.phoneCountryCode, '1');
    await verifyOTP({ otpVerification: otp, verificationToken: outboxCode(`+1${number}`) }, s.client);
    assert.ok(s.log.some((e) => e.path === '/smsVerifications/signin' && e.status === 200), s.describe());
    return s;
  };
  const s = await signInBySms();
  assert.ok(s.client.user.verifiedCredentials.some((c) => c.format === 'phoneNumber' && c.publicIdentifier === `+1${number}`),
    JSON.stringify(s.client.user.verifiedCredentials));
  assert.equal(s.client.user.phoneNumber, `+1${number}`);
  const again = await signInBySms();
  assert.equal(again.client.user.id, s.client.user.id);
});

it('updateUser with a new phoneNumber starts an SMS verification (verify-sms); verifyOTP (smsVerifications/verify) stores it', async () => {
  const s = await signIn(Wallet.createRandom());
  const started = await updateUser({ userFields: { phoneNumber: '+14155550188' } }, s.client);
  assert.ok(started?.verificationUUID, `a verification: ${JSON.stringify(started)}\n${s.describe()}`);
  // the SDK returns the server's smsVerification as it is: every part filled in
  assert.deepEqual([started.phoneCountryCode, started.phoneNumber, started.isoCountryCode], ['1', '4155550188', 'US'], JSON.stringify(started));
  assert.ok(!s.client.user.verifiedCredentials.some((c) => c.format === 'phoneNumber'), 'not stored before the code');
  await verifyOTP({ otpVerification: started, verificationToken: outboxCode('+14155550188') }, s.client);
  assert.ok(s.log.some((e) => e.path === '/smsVerifications/verify' && e.status === 200), s.describe());
  assert.ok(s.client.user.verifiedCredentials.some((c) => c.format === 'phoneNumber' && c.publicIdentifier === '+14155550188'),
    JSON.stringify(s.client.user.verifiedCredentials));
  state.phoneUser = s;
});

it('verifyOTP with requestedScopes: a code to the user\'s own number earns an elevated token the SDK keeps; nothing is linked', async () => {
  const s = state.phoneUser;
  const before = s.client.user.verifiedCredentials.length;
  const otp = await sendSmsOTP({ isoCountryCode: 'US', phoneNumber: '4155550188' }, s.client);
  const res = await verifyOTP({ otpVerification: otp, verificationToken: outboxCode('+14155550188'), requestedScopes: ['credential:unlink'] }, s.client);
  assert.ok(res.elevatedAccessToken, `an elevated token: ${JSON.stringify(res).slice(0, 300)}\n${s.describe()}`);
  assert.equal(getElevatedAccessToken({ scope: 'credential:unlink', consume: false }, s.client), res.elevatedAccessToken);
  assert.equal(s.client.user.verifiedCredentials.length, before);
});

it('verifyOTP with allowNewMFALinking: the email sign-in of a user without MFA holds a credential:link token, which registerTotpMfaDevice sends', async () => {
  await updateSettings(ctx, (s) => {
    s.providers = [...(s.providers ?? []).filter((p) => p.provider !== 'emailOnly'), { provider: 'emailOnly', enabledAt: new Date().toISOString() }];
  });
  const s = newSdk();
  await initializeClient(s.client);
  const email = `linking-${Date.now()}@example.com`;
  const otp = await sendEmailOTP({ email }, s.client);
  const lines = fs.readFileSync(`${ctx.db}.outbox.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const code = lines.filter((l) => l.to === email).pop()?.code;
  await verifyOTP({ otpVerification: otp, verificationToken: code, allowNewMFALinking: true }, s.client);
  const signin = s.log.find((e) => e.path === '/emailVerifications/signin');
  assert.equal(signin?.status, 200, s.describe());
  const tok = getElevatedAccessToken({ scope: 'credential:link', consume: false }, s.client);
  assert.ok(tok, `the sign-in left an elevated token for credential:link\n${s.describe()}`);
  const reg = await registerTotpMfaDevice(s.client);
  assert.ok(reg.id && reg.secret, JSON.stringify(reg));
  const sent = s.log.find((e) => e.path === '/users/mfa/register/totp');
  assert.equal(sent?.headers['x-dyn-elevated-access-token'], tok, `the SDK sent the token\n${s.describe()}`);
  await logout(s.client);
});

it('a second wallet: linked by connectAndVerifyWithWalletProvider, selected (setSelectedWalletAccount, selectPrimaryWalletAccount; getSelectedWalletAccount and getPrimaryWalletAccount read lastSelectedAt back), removed by removeWalletAccount', async () => {
  const s = state.profile;
  const second = Wallet.createRandom();
  const provider = { ...ethersProvider(second), key: 'ethers2evm:browserExtension', groupKey: 'ethers2' };
  getWalletProviderRegistry(s.client).register({ priority: WalletProviderPriority.WALLET_SDK, walletProvider: provider });
  await connectAndVerifyWithWalletProvider({ walletProviderKey: provider.key }, s.client);
  const wallets = s.client.user.verifiedCredentials.filter((c) => c.format === 'blockchain');
  assert.equal(wallets.length, 2, `linked:\n${s.describe()}`);
  const accounts = getWalletAccounts(s.client);
  const acc = accounts.find((a) => a.address.toLowerCase() === second.address.toLowerCase());
  assert.ok(acc?.verifiedCredentialId, JSON.stringify(accounts));
  const first = accounts.find((a) => a.verifiedCredentialId && a !== acc);
  // each selection is a users/wallets/selection call; the SDK reads it back from the credential's lastSelectedAt
  const n = s.log.length;
  await setSelectedWalletAccount({ walletAccount: first }, s.client);
  assert.equal(getSelectedWalletAccount(s.client)?.address, first.address, `selected:\n${s.describe()}`);
  await selectPrimaryWalletAccount({ walletAccount: acc }, s.client);
  assert.equal(getPrimaryWalletAccount(s.client)?.address, acc.address, `primary:\n${s.describe()}`);
  const sel = s.log.slice(n).filter((e) => e.path === '/users/wallets/selection');
  assert.deepEqual(sel.map((e) => [e.status, e.body.walletId]), [[200, first.verifiedCredentialId], [200, acc.verifiedCredentialId]], s.describe());
  const again = await refreshUser(s.client);
  assert.equal(getSelectedWalletAccount(s.client)?.address, acc.address, `kept by the server: ${JSON.stringify(again.verifiedCredentials)}`);
  await removeWalletAccount({ walletAccount: acc }, s.client);
  assert.equal(s.client.user.verifiedCredentials.filter((c) => c.format === 'blockchain').length, 1, s.describe());
  const me = await http(ctx, 'GET', `/sdk/${ctx.envId}/users`, { token: s.client.token });
  assert.ok(!JSON.stringify(me.json).toLowerCase().includes(second.address.slice(2).toLowerCase()), 'unlinked on the server');
});

it('getPasskeys is empty for a wallet user; checkStepUpAuth answers whether a scope needs a fresh factor', async () => {
  const s = state.profile;
  assert.deepEqual(await getPasskeys(s.client), []);
  const step = await checkStepUpAuth({ scope: 'credential:link' }, s.client);
  assert.equal(typeof step.isRequired, 'boolean', JSON.stringify(step));
  const stepLog = s.log.filter((e) => e.path === '/stepUp/check');
  assert.equal(stepLog.length, 1, s.describe());
  assert.equal(stepLog[0].status, 200, s.describe());
});

it('verifyWalletAccount with requestedScopes (wallets/verify) re-proves a wallet of the user for an elevated access token', async () => {
  const s = state.profile;
  const [acc] = getWalletAccounts(s.client).filter((a) => a.verifiedCredentialId);
  assert.ok(acc, JSON.stringify(getWalletAccounts(s.client)));
  const before = s.client.user.verifiedCredentials.length;
  await verifyWalletAccount({ walletAccount: acc, requestedScopes: ['credential:link'] }, s.client);
  assert.ok(s.log.some((e) => e.path === '/wallets/verify' && e.status === 200), s.describe());
  const tok = getElevatedAccessToken({ scope: 'credential:link', consume: false }, s.client);
  assert.ok(tok, `the SDK keeps an elevated token for the scope\n${s.describe()}`);
  const claims = JSON.parse(Buffer.from(tok.split('.')[1], 'base64url').toString('utf8'));
  assert.equal(claims.scope, 'credential:link');
  assert.equal(s.client.user.verifiedCredentials.length, before, 'nothing linked twice');
});

it('deleteUser through the SDK: the account is gone and the client signed out; the wallet signs up anew', async () => {
  const wallet = Wallet.createRandom();
  const s = await signIn(wallet);
  const { id } = s.client.user;
  const token = s.client.token;
  await deleteUser(s.client);
  assert.equal(s.client.user, null, s.describe());
  assert.equal((await http(ctx, 'GET', `/sdk/${ctx.envId}/users`, { token })).status, 401, 'the deleted user\'s session');
  const again = await signIn(wallet);
  assert.notEqual(again.client.user.id, id, 'a new user');
});

// Signed-in clients keep timers and would revoke after the server stops:
// they log out while it still runs.
it('logout of every client -> POST /revoke', async () => {
  for (const s of live) if (s.client.user) await logout(s.client);
  await settle(inflight);
  assert.ok(live.every((s) => !s.client.user));
});
