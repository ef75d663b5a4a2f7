// The SDK's network rows through the official client: GET networks, the
// networks inside GET settings (what Dynamic's widget compares a wallet's
// chain to), POST prefetch and POST sdkSettings.
import assert from 'node:assert/strict';
import {
  setup, clients, sdkApi, expectOk, expectStatus, http, assertError, uuid,
} from '../harness.mjs';

// The server is told of a local node for chain 31337 (published: it is on
// loopback) and of a remote one for chain 10 (never published).
const { ctx, it } = setup({ serveArgs: ['--evm-rpc', '31337=http://127.0.0.1:1,10=https://opt.example.com/v3/SECRETKEY'] });

function byChain(list) {
  const out = {};
  for (const c of list) {
    assert.ok(!(c.chainName in out), `chain ${c.chainName} listed twice`);
    out[c.chainName] = c.networks;
  }
  return out;
}

function assertNetworkShape(n, what) {
  for (const k of ['name', 'shortName', 'chain', 'chainId', 'networkId']) {
    assert.equal(typeof n[k], 'string', `${what}.${k} must be a string: ${JSON.stringify(n)}`);
  }
  for (const k of ['iconUrls', 'rpcUrls', 'blockExplorerUrls']) {
    assert.ok(Array.isArray(n[k]), `${what}.${k} must be an array`);
  }
  assert.equal(typeof n.nativeCurrency?.decimals, 'number', `${what}.nativeCurrency.decimals`);
  assert.equal(typeof n.nativeCurrency?.symbol, 'string', `${what}.nativeCurrency.symbol`);
}

it('getNetworksConfigurationByEnvId lists mainnet, the server nodes\' chains and Solana by default', async () => {
  const r = await expectOk(sdkApi(ctx).getNetworksConfigurationByEnvIdRaw({ environmentId: ctx.envId }));
  const chains = byChain(r.json);
  assert.deepEqual(Object.keys(chains).sort(), ['evm', 'solana']);
  assert.deepEqual(chains.evm.map((n) => n.chainId), ['1', '10', '31337']);
  chains.evm.forEach((n, i) => assertNetworkShape(n, `evm[${i}]`));
  const [mainnet, op, local] = chains.evm;
  assert.equal(mainnet.name, 'Ethereum');
  assert.equal(mainnet.nativeCurrency.symbol, 'ETH');
  assert.equal(mainnet.nativeCurrency.decimals, 18);
  assert.ok(mainnet.rpcUrls.length > 0 && mainnet.blockExplorerUrls.length > 0, JSON.stringify(mainnet));
  assert.ok(!JSON.stringify(r.json).includes('SECRETKEY'), 'a remote node URL is never published');
  assert.equal(op.name, 'Optimism');
  assert.deepEqual(local.rpcUrls, ['http://127.0.0.1:1'], 'a loopback node is the local chain\'s RPC');
  assert.equal(chains.solana[0].cluster, 'mainnet');
  assert.equal(chains.solana[0].nativeCurrency.decimals, 9);
  // the client model parses it
  assert.equal(r.value[0].networks[0].chainId, '1');
});

it('GET settings carries the same networks, and an environment\'s chains choose them', async () => {
  const settings = await expectOk(sdkApi(ctx).getEnvironmentSettingsRaw({ environmentId: ctx.envId }));
  const direct = await http(ctx, 'GET', `/sdk/${ctx.envId}/networks`);
  assert.deepEqual(settings.json.networks, direct.json);

  // The live environment: Base and a custom chain described by the operator.
  const api = clients(ctx);
  const env = await expectOk(api.envs.getEnvironmentByIdRaw({ environmentId: ctx.liveEnvId }));
  const s = env.json.settings;
  s.chains = [
    { name: 'EVM', enabled: true, networks: [
      { networkId: 8453, chainName: 'Base', enabled: true },
      { networkId: 1, chainName: 'Ethereum', enabled: false },
      { networkId: 4242, chainName: 'Acme', enabled: true, rpcUrl: 'https://rpc.acme.example' },
    ] },
    { name: 'SOL', enabled: false },
  ];
  // a full NetworkConfiguration (the schema requires every field); its
  // RPC and name give way to the chains entry's
  s.networks = [{ chainName: 'evm', networks: [{ name: 'Acme Mainnet', shortName: 'acme', chain: 'EVM', chainId: '4242', networkId: '4242',
    iconUrls: [], rpcUrls: [], nativeCurrency: { decimals: 6, name: 'Acme', symbol: 'ACM' },
    blockExplorerUrls: ['https://scan.acme.example'] }] }];
  await expectOk(api.envs.updateProjectSettingsRaw({ environmentId: ctx.liveEnvId, projectSettings: s }));
  const live = await expectOk(sdkApi(ctx).getEnvironmentSettingsRaw({ environmentId: ctx.liveEnvId }));
  const chains = byChain(live.json.networks);
  assert.deepEqual(Object.keys(chains), ['evm'], 'Solana is disabled');
  assert.deepEqual(chains.evm.map((n) => n.chainId), ['8453', '4242']);
  const acme = chains.evm[1];
  assertNetworkShape(acme, 'acme');
  assert.equal(acme.name, 'Acme Mainnet');
  assert.equal(acme.vanityName, 'Acme');
  assert.deepEqual(acme.rpcUrls, ['https://rpc.acme.example']);
  assert.deepEqual(acme.blockExplorerUrls, ['https://scan.acme.example']);
  assert.equal(acme.nativeCurrency.symbol, 'ACM');
  const again = await expectOk(sdkApi(ctx).getNetworksConfigurationByEnvIdRaw({ environmentId: ctx.liveEnvId }));
  assert.deepEqual(again.json, live.json.networks);
});

it('getNetworksConfigurationByEnvId: an unknown environment is a 404, a malformed id a 400', async () => {
  await expectStatus(sdkApi(ctx).getNetworksConfigurationByEnvIdRaw({ environmentId: uuid() }), 404, 'unknown env');
  await expectStatus(sdkApi(ctx).getNetworksConfigurationByEnvIdRaw({ environmentId: 'nope' }), 400, 'malformed env');
});

it('prefetch answers 204 for a wallet and refuses what is not one', async () => {
  const sdk = sdkApi(ctx);
  await expectOk(sdk.prefetchRaw({ environmentId: ctx.envId,
    prefetchRequest: { chain: 'EVM', publicWalletAddress: '0x52908400098527886E0F7030069857D2E4169EE7' } }), 204);
  await expectOk(sdk.prefetchRaw({ environmentId: ctx.envId,
    prefetchRequest: { chain: 'SOL', publicWalletAddress: '11111111111111111111111111111111' } }), 204);
  for (const [body, field] of [
    [{ chain: 'EVM', publicWalletAddress: '0x1234' }, /publicWalletAddress/],
    [{ chain: 'SOL', publicWalletAddress: '0x52908400098527886E0F7030069857D2E4169EE7' }, /publicWalletAddress/],
    [{ chain: 'DOGE', publicWalletAddress: 'D5x' }, /chain/],
    [{ chain: 'EVM' }, /publicWalletAddress/],
  ]) {
    const r = await http(ctx, 'POST', `/sdk/${ctx.envId}/prefetch`, { body });
    assert.match(assertError(r, 400, JSON.stringify(body)).error, field);
  }
  await expectStatus(sdk.prefetchRaw({ environmentId: uuid(),
    prefetchRequest: { chain: 'EVM', publicWalletAddress: '0x52908400098527886E0F7030069857D2E4169EE7' } }), 404, 'unknown env');
});

it('logDynamicSdkSettings answers 204 and refuses what is not an SdkSettingsRequest', async () => {
  const sdk = sdkApi(ctx);
  await expectOk(sdk.logDynamicSdkSettingsRaw({ environmentId: ctx.envId, sdkSettingsRequest: {
    dynamicContextProps: { settings: { environmentId: ctx.envId, walletConnectors: ['EthereumWalletConnectors'] } },
    frameworkSettings: { react: { version: '18.3.1' } },
  } }), 204);
  await expectOk(sdk.logDynamicSdkSettingsRaw({ environmentId: ctx.envId, sdkSettingsRequest: {} }), 204);
  for (const body of [{ dynamicContextProps: 'x' }, { dynamicWagmiSettings: [1] }, { frameworkSettings: { react: 1 } }]) {
    assertError(await http(ctx, 'POST', `/sdk/${ctx.envId}/sdkSettings`, { body }), 400, JSON.stringify(body));
  }
  assertError(await http(ctx, 'POST', `/sdk/${ctx.envId}/sdkSettings`, { rawBody: '[1]' }), 400, 'array');
  assertError(await http(ctx, 'POST', `/sdk/${ctx.envId}/sdkSettings`, { body: { dynamicContextProps: { big: 'x'.repeat(70_000) } } }), 400, 'over 64 KiB');
  await expectStatus(sdk.logDynamicSdkSettingsRaw({ environmentId: uuid(), sdkSettingsRequest: {} }), 404, 'unknown env');
});

it('getAccountBalances without a usable node is a clear 422, never a hang', async () => {
  const sdk = sdkApi(ctx);
  const accountAddress = '0x52908400098527886E0F7030069857D2E4169EE7';
  // mainnet: no node configured
  let body = await expectStatus(sdk.getAccountBalancesRaw({ environmentId: ctx.envId, chainName: 'EVM', accountAddress, networkId: 1, includeNative: true }), 422);
  assert.equal(body.code, 'network_rpc_not_configured', JSON.stringify(body));
  assert.match(body.error, /--evm-rpc 1=/);
  // 31337: a node that refuses connections; its URL is not shown
  const t0 = Date.now();
  body = await expectStatus(sdk.getAccountBalancesRaw({ environmentId: ctx.envId, chainName: 'EVM', accountAddress, networkId: 31337, includeNative: true }), 422);
  assert.equal(body.code, 'balance_unavailable', JSON.stringify(body));
  assert.ok(!body.error.includes('127.0.0.1'), body.error);
  assert.ok(Date.now() - t0 < 10_000, 'answered within the read timeout');
  body = await expectStatus(sdk.getAccountBalancesRaw({ environmentId: ctx.envId, chainName: 'EVM', accountAddress, networkId: 8453 }), 422);
  assert.equal(body.code, 'network_not_enabled');
  body = await expectStatus(sdk.getAccountBalancesRaw({ environmentId: ctx.envId, chainName: 'SOL', accountAddress: '11111111111111111111111111111111' }), 422);
  assert.equal(body.code, 'chain_not_supported');
  await expectStatus(sdk.getAccountBalancesRaw({ environmentId: ctx.envId, chainName: 'EVM', accountAddress: '0x12' }), 400, 'bad address');
});
