// Analytics through the official client (@dynamic-labs/sdk-api@0.0.847):
// AnalyticsApi's reports and EnvironmentsApi's statistics/visitors, over
// sign-ins made here: three wallets, one of them twice, all today (UTC);
// the legacy getWalletsBreakdown (startDate/endDate); and the SDK's own
// analytics ingestion, SDKApi.publishEvent.
import assert from 'node:assert/strict';
import { Wallet } from 'ethers';
import { Configuration, AnalyticsApi, EnvironmentsApi } from '@dynamic-labs/sdk-api';
import { setup, sdkApi, expectOk, expectStatus, evmVerifyRequest, uuid } from '../harness.mjs';

const { ctx, it } = setup();

function api(token = ctx.token) {
  const cfg = new Configuration({ basePath: ctx.basePath, accessToken: token, headers: { Authorization: `Bearer ${token}` } });
  return { analytics: new AnalyticsApi(cfg), environments: new EnvironmentsApi(cfg) };
}

const today = new Date().toISOString().slice(0, 10);
const range = () => ({ environmentId: ctx.envId, start: today, end: today });

it('three wallets sign in, one twice', async () => {
  const wallets = [Wallet.createRandom(), Wallet.createRandom(), Wallet.createRandom()];
  for (const w of [...wallets, wallets[0]]) {
    await expectOk(sdkApi(ctx).verifyRaw({ environmentId: ctx.envId, verifyRequest: await evmVerifyRequest(ctx, w) }), 200, 'verify');
  }
});

it('getAnalyticsTopline counts the sessions, users and wallets', async () => {
  const t = await api().analytics.getAnalyticsTopline(range());
  assert.deepEqual(t.sessions, { allTime: 4, inRange: 4 });
  assert.deepEqual(t.users, { allTime: 3, inRange: 3 });
  assert.deepEqual(t.wallets, { allTime: 3, inRange: 3 });
});

it('getAnalyticsOverview: three distinct users today, by day, week and month', async () => {
  for (const granularity of ['day', 'week', 'month']) {
    const o = await api().analytics.getAnalyticsOverview({ ...range(), granularity });
    assert.equal(o.activeUsers.length, 1, `${granularity}: ${JSON.stringify(o.activeUsers)}`);
    assert.equal(o.activeUsers[0].nUsers, 3, granularity);
  }
});

it('getAnalyticsEngagement: three user-weeks of one active day', async () => {
  const e = await api().analytics.getAnalyticsEngagement(range());
  const one = e.activeWeeklyDays.find((d) => d.nDays === 1);
  assert.ok(one, JSON.stringify(e.activeWeeklyDays));
  assert.equal(one.nUserWeeks, 3);
});

it('getAnalyticsWallets and getVisitAnalytics count the wallets and sign-ins', async () => {
  const w = await api().analytics.getAnalyticsWallets({ ...range(), chain: 'EVM' });
  assert.deepEqual(w.breakdown.inRange.map((b) => [b.walletNameDisplay, b.nWallets]), [['metamask', 3]]);
  const v = await api().analytics.getVisitAnalytics({ environmentId: ctx.envId });
  assert.equal(v.users.totalUnique, 3);
  assert.equal(v.users.sessions.reduce((n, s) => n + s.count, 0), 4);
});

it('getVisitorsCountByEnvironmentId counts the users; a bad token is refused (401)', async () => {
  const s = await api().environments.getVisitorsCountByEnvironmentId({ environmentId: ctx.envId });
  assert.deepEqual(s.users, { count: 3, uniquePastMonth: 3 });
  await expectStatus(api('dyn_' + 'x'.repeat(56)).analytics.getAnalyticsToplineRaw(range()), 401, 'a bad token');
});

it('getWalletsBreakdown: the wallets by name, in the startDate..endDate range (the last 30 days without one); a bad date or range is refused (400)', async () => {
  const all = await expectOk(api().analytics.getWalletsBreakdownRaw({ environmentId: ctx.envId }));
  assert.deepEqual(all.json, [{ walletNameDisplay: 'metamask', nWallets: 3 }]);
  assert.deepEqual(all.value, all.json, 'the client returns the JSON array as is');
  const todays = await api().analytics.getWalletsBreakdown({ environmentId: ctx.envId, startDate: today, endDate: today });
  assert.deepEqual(todays, [{ walletNameDisplay: 'metamask', nWallets: 3 }]);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  assert.deepEqual(await api().analytics.getWalletsBreakdown({ environmentId: ctx.envId, startDate: tomorrow, endDate: tomorrow }), [],
    'no wallet signed in tomorrow');
  const body = await expectStatus(api().analytics.getWalletsBreakdownRaw({ environmentId: ctx.envId, startDate: 'yesterday' }), 400, 'a bad startDate');
  assert.match(body.error, /startDate/);
  await expectStatus(api().analytics.getWalletsBreakdownRaw({ environmentId: ctx.envId, startDate: tomorrow }), 400,
    'a start after the default end (now)');
  await expectStatus(api('dyn_' + 'x'.repeat(56)).analytics.getWalletsBreakdownRaw({ environmentId: ctx.envId }), 401, 'a bad token');
});

it('publishEvent takes the SDK\'s track events (204); a bad body is refused with 400 and an unknown environment with 404', async () => {
  const sdk = sdkApi(ctx);
  const track = (over = {}) => ({ anonymousId: 'anon-1', event: 'wallet_connected', properties: { wallet: { name: 'metamask' } }, type: 'track', ...over });
  const ok = await expectOk(sdk.publishEventRaw({ environmentId: ctx.envId,
    publishEvents: { events: [track(), track({ event: 'modal_opened', properties: {} })] } }), 204);
  assert.equal(ok.value, undefined);
  assert.equal(await sdk.publishEvent({ environmentId: ctx.envId, publishEvents: { events: [track()] } }), undefined);
  for (const [what, events] of Object.entries({
    'no events': [],
    'a type other than track': [track({ type: 'identify' })],
    'no event name': [track({ event: '' })],
    'properties not an object': [track({ properties: ['a'] })],
    'a property not an object (PublishEventsEvents.properties)': [track({ properties: { wallet: 'metamask' } })],
    'more than 50 events': Array.from({ length: 51 }, () => track()),
  })) {
    await expectStatus(sdk.publishEventRaw({ environmentId: ctx.envId, publishEvents: { events } }), 400, what);
  }
  const body = await expectStatus(sdk.publishEventRaw({ environmentId: uuid(), publishEvents: { events: [track()] } }), 404, 'an unknown environment');
  assert.equal(typeof body.code, 'string');
});
