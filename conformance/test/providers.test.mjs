// The admin Settings providers group through the official client's
// SettingsApi (@dynamic-labs/sdk-api@0.0.847): create, list, get, update
// (the masked secret sent back keeps the secret), disable/enable, the
// redirect URLs, delete; and the enabled providers in GET /sdk/{env}/settings.
import assert from 'node:assert/strict';
import { Configuration, SettingsApi } from '@dynamic-labs/sdk-api';
import { setup, expectOk, expectStatus, http } from '../harness.mjs';

const { ctx, it } = setup();
const settingsApi = () => new SettingsApi(new Configuration({ basePath: ctx.basePath, accessToken: ctx.token,
  headers: { Authorization: `Bearer ${ctx.token}` } }));

it('SettingsApi providers: create, list, get, update, disable/enable, urls, delete; secrets masked; SDK settings list enabled ones', async () => {
  const api = settingsApi();
  const secret = 'discord-client-secret-9876';
  const created = await expectOk(api.createProviderRaw({ environmentId: ctx.envId,
    providerCreateRequest: { provider: 'discord', clientId: '1234567890', clientSecret: secret, scopes: 'identify email' } }));
  const p = created.json;
  assert.equal(created.value.provider, 'discord', 'the client model parses Provider');
  assert.equal(p.clientId, '1234567890');
  assert.ok(p.clientSecret.endsWith('9876') && !p.clientSecret.includes('secret'), `masked: ${p.clientSecret}`);
  assert.ok(p.enabledAt, 'enabled on creation');
  assert.ok(p.redirectUrl.endsWith(`/api/v0/sdk/${ctx.envId}/providers/discord/redirect`), p.redirectUrl);

  const dup = await expectStatus(api.createProvider({ environmentId: ctx.envId,
    providerCreateRequest: { provider: 'discord', clientId: 'x' } }), 422, 'second discord');
  assert.ok(dup.error);

  const listed = await api.getEnvironmentProviders({ environmentId: ctx.envId });
  assert.deepEqual(listed.providers.map((x) => x.id), [p.id]);
  const got = await api.getProvider({ providerId: p.id });
  assert.equal(got.clientId, '1234567890');

  const upd = await api.updateProvider({ providerId: p.id,
    providerUpdateRequest: { clientId: '999', clientSecret: p.clientSecret } });
  assert.equal(upd.clientId, '999');
  assert.equal(upd.clientSecret, p.clientSecret, 'sending the mask back keeps the secret');

  const off = await expectOk(api.disableProviderRaw({ providerId: p.id }));
  assert.equal(off.json.enabledAt, null);
  let sdk = await http(ctx, 'GET', `/sdk/${ctx.envId}/settings`);
  assert.ok(!(sdk.json.providers ?? []).some((x) => x.provider === 'discord' && x.id === p.id), 'disabled: not in SDK settings');
  await api.enableProvider({ providerId: p.id });
  sdk = await http(ctx, 'GET', `/sdk/${ctx.envId}/settings`);
  const shown = sdk.json.providers.find((x) => x.provider === 'discord');
  assert.ok(shown, JSON.stringify(sdk.json.providers));
  assert.equal(shown.clientId, '999');
  assert.equal(shown.clientSecret, undefined, 'no secret, not even masked, on the public route');

  const urls = await api.getEnvironmentProviderUrls({ environmentId: ctx.envId });
  const discord = urls.providerUrls.find((u) => u.provider === 'discord');
  assert.ok(discord && discord.redirectUrl.endsWith('/providers/discord/redirect'), JSON.stringify(urls));

  await api.deleteProvider({ providerId: p.id });
  await expectStatus(api.getProvider({ providerId: p.id }), 404, 'deleted');
});

it('SettingsApi exchanges: create (enabled), a second one refused, enums checked, list, get, disable/enable, delete; no token -> 401', async () => {
  const api = settingsApi();
  const created = await expectOk(api.createExchangeRaw({ environmentId: ctx.envId,
    exchangeCreateRequest: { exchange: 'coinbase', socialProvider: 'coinbasesocial' } }));
  const e = created.value;
  assert.equal(e.exchange, 'coinbase', 'the client model parses Exchange');
  assert.equal(e.socialProvider, 'coinbasesocial');
  assert.ok(e.enabledAt instanceof Date, 'enabled on creation');
  await expectStatus(api.createExchange({ environmentId: ctx.envId, exchangeCreateRequest: { exchange: 'coinbase' } }), 422, 'second coinbase');
  const bad = await http(ctx, 'POST', `/environments/${ctx.envId}/settings/exchanges`, { token: ctx.token, body: { exchange: 'binance' } });
  assert.equal(bad.status, 400, bad.text);
  assert.match(bad.json.error, /exchange/);
  await api.createExchange({ environmentId: ctx.envId, exchangeCreateRequest: { exchange: 'kraken' } });

  const listed = await api.getEnvironmentExchanges({ environmentId: ctx.envId });
  assert.deepEqual(listed.exchanges.map((x) => x.exchange), ['coinbase', 'kraken']);
  assert.equal((await api.getExchange({ exchangeId: e.id })).exchange, 'coinbase');
  const off = await expectOk(api.disableExchangeRaw({ exchangeId: e.id }));
  assert.equal(off.json.enabledAt, null);
  const on = await api.enableExchange({ exchangeId: e.id });
  assert.ok(on.enabledAt instanceof Date);
  await api.deleteExchange({ exchangeId: e.id });
  await expectStatus(api.getExchange({ exchangeId: e.id }), 404, 'deleted');
  const anon = new SettingsApi(new Configuration({ basePath: ctx.basePath }));
  await expectStatus(anon.getEnvironmentExchanges({ environmentId: ctx.envId }), 401, 'no token');
});
