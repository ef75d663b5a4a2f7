// Telegram sign-in through the official client (@dynamic-labs/sdk-api@0.0.847):
// a telegram provider (the bot's username and token) set up with
// SettingsApi, SDKApi.initAuth with the SDK's own state as Dynamic's SDK
// announces its popup, SDKApi.getTelegramAuth (the widget page),
// SDKApi.postTelegramAuth with the widget's data signed here as Telegram
// signs it (HMAC-SHA256 keyed with SHA-256 of the bot token, computed with
// node:crypto, independently of the server), the code the popup would post
// to its opener, SDKApi.telegramSignIn and telegramVerify; a Mini App's
// telegramAuthToken signed with jose; and the refusals: tampered data,
// another bot's hash, a stale auth_date, a replayed payload.
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { Wallet } from 'ethers';
import { SettingsApi, Configuration } from '@dynamic-labs/sdk-api';
import { setup, sdkApi, expectOk, expectStatus, expectVerifyFailure, verifySessionJwt, evmVerifyRequest, APP_ORIGIN } from '../harness.mjs';

const { ctx, it } = setup({ serveArgs: ['--rate-limits', 'off'] });

const BOT = 'conformance_test_bot';
const BOT_TOKEN = '7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const OTHER_BOT_TOKEN = '7000000009:AAHotherBotTokenThatTheServerNeverSaw';
// What the popup page sends along: the opener's origin as the browser
// reported it to the page (window.postMessage's event.origin).
const OPENER_HEADER = 'X-Dynamicauth-Opener-Origin';
const CODE_HEADER = 'X-Dynamicauth-Telegram-Code';

// hashOf signs widget fields (Telegram's snake_case names) as Telegram's
// login widget does.
function hashOf(fields, token = BOT_TOKEN) {
  const check = Object.keys(fields).sort().map((k) => `${k}=${fields[k]}`).join('\n');
  const secret = createHash('sha256').update(token).digest();
  return createHmac('sha256', secret).update(check).digest('hex');
}

// widgetUser is the contract's TelegramUser for a Telegram account, signed
// by token.
function widgetUser(id, username, { authDate = Math.floor(Date.now() / 1000), token = BOT_TOKEN } = {}) {
  const fields = { id: String(id), first_name: 'Pavel', username, auth_date: String(authDate) };
  return { id, firstName: 'Pavel', username, authDate: String(authDate), hash: hashOf(fields, token) };
}

async function announce(sdk) {
  const state = randomBytes(24).toString('base64url');
  await sdk.initAuth({ environmentId: ctx.envId, providerType: 'telegram', oauthInitAuthRequest: { state } });
  return state;
}

// widgetLogin runs the popup's part: the state, the widget data posted,
// the code handed to the opener.
async function widgetLogin(user) {
  const state = await announce(sdkApi(ctx));
  const popup = sdkApi(ctx, { headers: { [OPENER_HEADER]: APP_ORIGIN } });
  const r = await expectOk(popup.postTelegramAuthRaw({ environmentId: ctx.envId, telegramPostRequest: { state, telegramUser: user } }), 204);
  const code = r.headers.get(CODE_HEADER);
  assert.ok(code, 'the popup gets the code for its opener');
  return { state, code };
}

it('telegram: provider settings, the widget page, sign-in by the widget and by a Mini App token, link', async () => {
  const settings = new SettingsApi(new Configuration({ basePath: ctx.basePath, accessToken: ctx.token,
    headers: { Authorization: `Bearer ${ctx.token}` } }));
  const provider = await settings.createProvider({ environmentId: ctx.envId,
    providerCreateRequest: { provider: 'telegram', clientId: BOT, clientSecret: BOT_TOKEN } });
  assert.ok(!provider.clientSecret?.includes('AAHdqTcv'), 'the bot token is shown masked');
  const sdk = sdkApi(ctx);
  const pub = await sdk.getEnvironmentSettings({ environmentId: ctx.envId });
  const tg = pub.providers.find((p) => p.provider === 'telegram');
  assert.ok(tg, 'telegram in the SDK settings');
  assert.equal(tg.clientId, BOT);
  assert.ok(tg.authorizationUrl.endsWith(`/sdk/${ctx.envId}/telegram/auth`), tg.authorizationUrl);

  // The page Dynamic's SDK opens in its popup shows the bot's widget.
  const state = await announce(sdk);
  const page = await sdk.getTelegramAuth({ environmentId: ctx.envId, state });
  assert.match(page, new RegExp(`data-telegram-login="${BOT}"`));

  const popup = sdkApi(ctx, { headers: { [OPENER_HEADER]: APP_ORIGIN } });
  const first = widgetUser(4242, 'pavel');
  const posted = await expectOk(popup.postTelegramAuthRaw({ environmentId: ctx.envId,
    telegramPostRequest: { state, telegramUser: first } }), 204);
  const code = posted.headers.get(CODE_HEADER);
  assert.ok(code);
  const res = await expectOk(sdk.telegramSignInRaw({ environmentId: ctx.envId, oauthResultRequest: { state, code } }));
  const { payload } = await verifySessionJwt(ctx, res.json.jwt);
  const cred = payload.verified_credentials.find((c) => c.oauth_provider === 'telegram');
  assert.ok(cred, JSON.stringify(payload.verified_credentials));
  assert.equal(cred.oauth_account_id, '4242');
  assert.equal(cred.oauth_username, 'pavel');
  const userId = res.json.user.id;
  await expectVerifyFailure(sdk.telegramSignInRaw({ environmentId: ctx.envId, oauthResultRequest: { state, code } }),
    'other_verify_failure', 'the same state and code again');

  // A Mini App's telegramAuthToken, signed by its bot, is the same user.
  const authDate = Math.floor(Date.now() / 1000);
  const claims = { id: 4242, username: 'pavel', authDate,
    hash: hashOf({ id: '4242', username: 'pavel', auth_date: String(authDate) }) };
  const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(BOT_TOKEN));
  const mini = await expectOk(sdk.telegramSignInRaw({ environmentId: ctx.envId, oauthResultRequest: { telegramAuthToken: token } }));
  assert.equal(mini.json.user.id, userId);
  await expectVerifyFailure(sdk.telegramSignInRaw({ environmentId: ctx.envId, oauthResultRequest: { telegramAuthToken: token } }),
    'other_verify_failure', 'a replayed telegramAuthToken');

  // Link: a wallet user adds their own Telegram account; another user's is refused.
  const signedIn = await expectOk(sdk.verifyRaw({ environmentId: ctx.envId, verifyRequest: await evmVerifyRequest(ctx, Wallet.createRandom()) }));
  const asUser = sdkApi(ctx, { token: signedIn.json.jwt });
  const mine = await widgetLogin(widgetUser(777, 'carol'));
  await expectStatus(sdk.telegramVerifyRaw({ environmentId: ctx.envId, oauthResultRequest: mine }), 401);
  const linked = await expectOk(asUser.telegramVerifyRaw({ environmentId: ctx.envId, oauthResultRequest: mine }));
  assert.equal(linked.json.user.id, signedIn.json.user.id);
  assert.ok(linked.json.user.verifiedCredentials.some((c) => c.oauthProvider === 'telegram' || c.oauth_provider === 'telegram'),
    JSON.stringify(linked.json.user.verifiedCredentials));
  // Another auth_date than the first login's, or it would be the same
  // signed payload again and be refused as a replay instead.
  const theirs = await widgetLogin(widgetUser(4242, 'pavel', { authDate: Number(first.authDate) - 1 }));
  await expectVerifyFailure(asUser.telegramVerifyRaw({ environmentId: ctx.envId, oauthResultRequest: theirs }),
    'social_account_already_exists', 'linking another user\'s Telegram account');
});

it('telegram: tampered data, another bot\'s hash, a stale auth_date and a replayed payload are refused', async () => {
  const popup = sdkApi(ctx, { headers: { [OPENER_HEADER]: APP_ORIGIN } });
  const post = async (user) => popup.postTelegramAuthRaw({ environmentId: ctx.envId,
    telegramPostRequest: { state: await announce(sdkApi(ctx)), telegramUser: user } });

  const tampered = widgetUser(1, 'mallory');
  tampered.username = 'pavel';
  await expectVerifyFailure(post(tampered), 'other_verify_failure', 'tampered widget data');
  await expectVerifyFailure(post(widgetUser(2, 'eve', { token: OTHER_BOT_TOKEN })), 'other_verify_failure', 'another bot\'s hash');
  await expectVerifyFailure(post(widgetUser(3, 'old', { authDate: Math.floor(Date.now() / 1000) - 25 * 3600 })),
    'other_verify_failure', 'a day-old auth_date');
  const once = widgetUser(4, 'once');
  await widgetLogin(once);
  await expectVerifyFailure(post(once), 'other_verify_failure', 'the same widget data for another state');
  // the popup of a page that is not an allowed origin gets no code
  const evil = sdkApi(ctx, { headers: { [OPENER_HEADER]: 'https://evil.example' } });
  await expectStatus(evil.postTelegramAuthRaw({ environmentId: ctx.envId,
    telegramPostRequest: { state: await announce(sdkApi(ctx)), telegramUser: widgetUser(5, 'victim') } }), 403);
});

it('telegram: telegramCheckAuth (a Mini App\'s isAuthWithTelegram) says 404 user_not_found before the sign-up and 204 after, using nothing up; a used token is refused as the sign-in refuses it', async () => {
  const sdk = sdkApi(ctx);
  const authDate = Math.floor(Date.now() / 1000);
  const miniToken = (username) => new SignJWT({ id: 9191, username, authDate,
    hash: hashOf({ id: '9191', username, auth_date: String(authDate) }) }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(BOT_TOKEN));
  const claims = { id: 9191, username: 'mini', authDate, hash: hashOf({ id: '9191', username: 'mini', auth_date: String(authDate) }) };
  const token = await miniToken('mini');
  const check = (t = token) => sdk.telegramCheckAuthRaw({ environmentId: ctx.envId, oauthResultRequest: { telegramAuthToken: t } });
  const before = await expectStatus(check(), 404, 'a Telegram account nobody signs in with');
  assert.equal(before.code, 'user_not_found');
  await expectOk(sdk.telegramSignInRaw({ environmentId: ctx.envId, oauthResultRequest: { telegramAuthToken: token } }));
  const after = await check(await miniToken('mini2'));
  assert.equal(after.raw.status, 204);
  await expectVerifyFailure(check(), 'other_verify_failure', 'the token the sign-up used');
  const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(OTHER_BOT_TOKEN));
  await expectVerifyFailure(sdk.telegramCheckAuthRaw({ environmentId: ctx.envId, oauthResultRequest: { telegramAuthToken: forged } }),
    'other_verify_failure', 'a token of another bot');
});
