// The environment's configuration records through the official client
// (@dynamic-labs/sdk-api@0.0.847): the SDKViews, CustomHostnames,
// DeeplinkUrls and Chains groups; a stored login view reaches the SDK's
// settings as sdk.views.
import assert from 'node:assert/strict';
import { SDKViewsApi, CustomHostnamesApi, DeeplinkUrlsApi, ChainsApi, Configuration } from '@dynamic-labs/sdk-api';
import { setup, expectOk, expectStatus, assertIsoDate, unique, UUID_RE, http, makeToken } from '../harness.mjs';

const { ctx, it } = setup();

function apis(token = ctx.token) {
  const cfg = new Configuration({ basePath: ctx.basePath, accessToken: token, headers: { Authorization: `Bearer ${token}` } });
  return { views: new SDKViewsApi(cfg), hosts: new CustomHostnamesApi(cfg), links: new DeeplinkUrlsApi(cfg), chains: new ChainsApi(cfg) };
}

it('sdkViews: the login view is empty until put; a put replaces it, is parsed by the client and reaches /sdk/{env}/settings', async () => {
  const { views } = apis();
  const empty = await expectOk(views.getSdkViewsRaw({ environmentId: ctx.envId }), 200, 'list');
  assert.deepEqual(empty.json, { sdkViews: [{ type: 'login', sections: [] }] });

  const sections = [{ type: 'wallet', numOfItemsToDisplay: 3, defaultItem: 'metamask' },
    { type: 'separator', label: 'Or', alignment: 'center' }, { type: 'email' }];
  const put = await expectOk(views.updateSdkViewRaw({ environmentId: ctx.envId, sdkViewType: 'login',
    sdkViewUpdateRequest: { sections } }), 200, 'put');
  assert.deepEqual(put.json, { type: 'login', sections });
  assert.equal(put.value.sections[1].label, 'Or', 'the client parses SdkView');

  const bad = await expectStatus(views.updateSdkViewRaw({ environmentId: ctx.envId, sdkViewType: 'login',
    sdkViewUpdateRequest: { sections: [{ type: 'wallet', numOfItemsToDisplay: 1.5 }] } }), [400, 422], 'fractional count');
  assert.match(bad.error, /numOfItemsToDisplay/);
  const got = await expectOk(views.getSdkViewRaw({ environmentId: ctx.envId, sdkViewType: 'login' }), 200, 'get');
  assert.deepEqual(got.json.sections, sections, 'a refused put changes nothing');

  const settings = await http(ctx, 'GET', `/sdk/${ctx.envId}/settings`);
  assert.equal(settings.status, 200);
  assert.deepEqual(settings.json.sdk.views, [{ type: 'login', sections }]);

  const readOnly = (await makeToken(ctx, ctx.envId, ['environment.settings.read'])).raw;
  await expectStatus(apis(readOnly).views.updateSdkViewRaw({ environmentId: ctx.envId, sdkViewType: 'login',
    sdkViewUpdateRequest: { sections: [] } }), 403, 'put with a read-only token');
  await expectOk(apis(readOnly).views.getSdkViewsRaw({ environmentId: ctx.envId }), 200, 'list with a read-only token');
});

it('custom hostnames: create (pending, with the CNAME to create), list, a duplicate or a URL -> 422, delete', async () => {
  const { hosts } = apis();
  const name = `${unique('login')}.example.com`;
  const c = await expectOk(hosts.createCustomHostnameRaw({ environmentId: ctx.envId,
    customHostnameCreateRequest: { hostname: name.toUpperCase(), usage: 'cookies' } }), 200, 'create');
  assert.match(c.json.id, UUID_RE);
  assert.equal(c.json.hostname, name);
  assert.equal(c.json.status, 'pending');
  assert.equal(c.json.verificationRecords[0].dnsRecordType, 'CNAME');
  assert.equal(c.json.verificationRecords[0].name, name);
  assert.equal(c.value.usage, 'cookies', 'the client parses CustomHostname');

  const dup = await expectStatus(hosts.createCustomHostnameRaw({ environmentId: ctx.envId,
    customHostnameCreateRequest: { hostname: name, usage: 'globalWallet' } }), 422, 'duplicate');
  assert.equal(dup.code, 'duplicate_exists');
  const url = await expectStatus(hosts.createCustomHostnameRaw({ environmentId: ctx.envId,
    customHostnameCreateRequest: { hostname: `https://${name}/x`, usage: 'cookies' } }), 422, 'a URL');
  assert.equal(url.code, 'invalid_custom_hostname');

  const all = await expectOk(hosts.getCustomHostnamesRaw({ environmentId: ctx.envId }), 200, 'list');
  assert.deepEqual(all.json.customHostnames.map((h) => h.id), [c.json.id]);
  await expectOk(hosts.deleteCustomHostnameRaw({ environmentId: ctx.envId, customHostnameId: c.json.id }), 204, 'delete');
  await expectStatus(hosts.deleteCustomHostnameRaw({ environmentId: ctx.envId, customHostnameId: c.json.id }), 404, 'deleted');
});

it('deeplink urls: add (normalized), list oldest first, a javascript: URL or a duplicate -> 422, delete', async () => {
  const { links } = apis();
  const a = await expectOk(links.addDeeplinkUrlRaw({ environmentId: ctx.envId, addDeeplinkUrlRequest: { url: 'MyApp://Callback' } }), 200, 'add');
  assert.match(a.json.id, UUID_RE);
  assert.equal(a.json.url, 'myapp://callback');
  assertIsoDate(a.json.createdAt, 'createdAt');
  const b = await expectOk(links.addDeeplinkUrlRaw({ environmentId: ctx.envId, addDeeplinkUrlRequest: { url: 'https://app.example.com/done' } }), 200, 'add');
  const js = await expectStatus(links.addDeeplinkUrlRaw({ environmentId: ctx.envId, addDeeplinkUrlRequest: { url: 'javascript:alert(1)' } }), 422, 'javascript');
  assert.equal(js.code, 'invalid_mobile_deeplink_urls');
  const dup = await expectStatus(links.addDeeplinkUrlRaw({ environmentId: ctx.envId, addDeeplinkUrlRequest: { url: 'myapp://callback' } }), 422, 'duplicate');
  assert.equal(dup.code, 'duplicate_exists');

  const all = await expectOk(links.getDeeplinkUrlsRaw({ environmentId: ctx.envId }), 200, 'list');
  assert.deepEqual(all.json.deeplinkUrls.map((d) => d.id), [a.json.id, b.json.id]);
  assert.ok(all.value.deeplinkUrls[0].createdAt instanceof Date, 'the client parses DeeplinkUrlsResponse');
  await expectOk(links.deleteDeeplinkUrlByIdRaw({ deeplinkUrlId: a.json.id }), 204, 'delete');
  await expectStatus(links.deleteDeeplinkUrlByIdRaw({ deeplinkUrlId: a.json.id }), 404, 'deleted');
});

it('chains: the bundled token list of a chain, narrowed by networkId', async () => {
  const { chains } = apis();
  const all = await expectOk(chains.getAllTokensByChainRaw({ chainName: 'EVM' }), 200, 'EVM');
  const usdc = all.json.find((t) => t.symbol === 'USDC');
  assert.ok(usdc && usdc.tokenAddresses.length > 1, JSON.stringify(usdc));
  const main = await expectOk(chains.getAllTokensByChainRaw({ chainName: 'EVM', networkId: 1 }), 200, 'EVM on 1');
  assert.deepEqual(main.json.find((t) => t.symbol === 'USDC').tokenAddresses,
    [{ networkId: 1, contractAddress: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48' }]);
  assert.equal(main.value[0].tokenAddresses[0].networkId, 1, 'the client parses ChainToken[]');
  const btc = await expectOk(chains.getAllTokensByChainRaw({ chainName: 'BTC' }), 200, 'BTC');
  assert.deepEqual(btc.json, []);
});
