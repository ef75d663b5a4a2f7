// Analytics through the official client (@dynamic-labs/sdk-api@0.0.847):
// AnalyticsApi's reports and EnvironmentsApi's statistics/visitors, over
// sign-ins made here: three wallets, one of them twice, all today (UTC).
import assert from 'node:assert/strict';
import { Wallet } from 'ethers';
import { Configuration, AnalyticsApi, EnvironmentsApi } from '@dynamic-labs/sdk-api';
import { setup, sdkApi, expectOk, expectStatus, evmVerifyRequest } from '../harness.mjs';

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
