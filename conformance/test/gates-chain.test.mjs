// Token gates against real contracts, through the official client
// (@dynamic-labs/sdk-api@0.0.847). A chain-1 node, go-ethereum's simulated
// backend (../devchain, mining as soon as a transaction is pending), is the
// server's --evm-rpc 1=URL, with --balance-ttl 0 so every decision reads the
// chain. The test deploys the ERC-721 and ERC-20 test tokens
// (access/accesstest/contracts) with ethers, mints, creates gates and an
// allowlist with GatesApi/AllowlistsApi, and checks each session JWT with
// jose against the served JWKS: the gate's scope and the list's name are in
// it for the NFT's holder, not for anyone else, and the scope is gone at the
// refresh after the NFT is burnt; a siteAccess ERC-20 gate refuses a wallet
// one base unit below its amount and admits one holding exactly the amount.
// The same node answers the balance reads: getAccountBalances and
// postMultichainAccountBalances through the official client, and Dynamic's
// JS SDK's getMultichainTokenBalances (and getMultichainBalances),
// getTokenBalances and getBalances; getNativeBalance and getBalance read
// it directly, at the RPC URL the environment's settings publish.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { spawn } from 'node:child_process';
import { after } from 'node:test';
import { ContractFactory, JsonRpcProvider, NonceManager, Wallet, formatEther, parseEther } from 'ethers';
import { AllowlistsApi, GatesApi, Configuration } from '@dynamic-labs/sdk-api';
import {
  createDynamicClient, initializeClient, getMultichainTokenBalances, connectWithWalletProvider, getTokenBalances, getBalances, getNetworksData,
  getMultichainBalances, getNativeBalance, getBalance,
} from '@dynamic-labs-sdk/client';
import {
  getWalletProviderRegistry, WalletProviderPriority, getNetworkProviderBuilderRegistry, createBaseNetworkProvider,
} from '@dynamic-labs-sdk/client/core';
import {
  setup, sdkApi, expectOk, expectStatus, evmVerifyRequest, verifySessionJwt, updateSettings, unique, repoRoot, APP_ORIGIN,
} from '../harness.mjs';
import { nodeSdk, settle, ethersProvider } from '../sdk-shims.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynamicauth-gates-'));
const deployer = Wallet.createRandom();
const chain = {};
const serveArgs = ['--rate-limits', 'off', '--balance-ttl', '0'];

async function ready() {
  const bin = path.join(dir, 'devchain');
  await new Promise((resolve, reject) => {
    const b = spawn('go', ['build', '-o', bin, './conformance/devchain'], { cwd: repoRoot, stdio: 'inherit' });
    b.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go build devchain: ${code}`))));
  });
  chain.proc = spawn(bin, ['--fund', `${deployer.address}=${parseEther('100')}`], { stdio: ['pipe', 'pipe', 'inherit'] });
  chain.url = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: chain.proc.stdout });
    rl.on('line', (l) => { if (l.startsWith('RPC ')) resolve(l.slice(4).trim()); });
    chain.proc.on('exit', (code) => reject(new Error(`devchain exited: ${code}`)));
  });
  serveArgs.push('--evm-rpc', `1=${chain.url}`);
}
after(() => {
  state.provider?.destroy(); // else its polling keeps the process alive
  chain.proc?.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
});

const { ctx, it } = setup({ serveArgs, ready, timeoutMs: 120_000 });
const state = {};

function apis() {
  const cfg = new Configuration({ basePath: ctx.basePath, accessToken: ctx.token, headers: { Authorization: `Bearer ${ctx.token}` } });
  return { lists: new AllowlistsApi(cfg), gates: new GatesApi(cfg) };
}

const signInRaw = async (wallet) =>
  sdkApi(ctx).verifyRaw({ environmentId: ctx.envId, verifyRequest: await evmVerifyRequest(ctx, wallet) });

const scopesOf = (payload) => payload.scope.split(' ').sort();

// The creation bytecode the Go gate tests deploy too.
function bytecode(name) {
  return '0x' + fs.readFileSync(path.join(repoRoot, 'access/accesstest/contracts/testdata', `${name}.bin`), 'utf8').trim();
}

async function deploy(name, abi, ...args) {
  const c = await new ContractFactory(abi, bytecode(name), state.signer).deploy(...args);
  await c.waitForDeployment();
  return c;
}

async function mined(txPromise) {
  const r = await (await txPromise).wait();
  assert.equal(r.status, 1, 'transaction succeeded');
}

async function enabledGate(body) {
  const { gates } = apis();
  const g = await expectOk(gates.createGateRaw({ environmentId: ctx.envId, gateCreateRequest: body }), 200, 'create gate');
  await expectOk(gates.enableGateRaw({ environmentId: ctx.envId, gateId: g.json.id }), 200, 'enable gate');
  return g.json;
}

it('the test deploys an ERC-721 and an ERC-20 (2 decimals) on the node and mints', async () => {
  const provider = new JsonRpcProvider(chain.url, 1, { staticNetwork: true, pollingInterval: 50 });
  state.provider = provider;
  // (nonces counted here: the node's pending count can lag a block it
  // has just sealed, and a transaction sent then reused a mined nonce)
  state.signer = new NonceManager(deployer.connect(provider));
  state.apes = await deploy('TestERC721', ['function mint(address,uint256)', 'function burn(uint256)',
    'function balanceOf(address) view returns (uint256)']);
  state.coin = await deploy('TestERC20', ['constructor(uint8)', 'function mint(address,uint256)',
    'function balanceOf(address) view returns (uint256)'], 2);
  state.holder = Wallet.createRandom();
  state.other = Wallet.createRandom();
  await mined(state.apes.mint(state.holder.address, 7));
  assert.equal(await state.apes.balanceOf(state.holder.address), 1n);
});

it('a scope gate on NFT #7 and a scope allowlist: the holder\'s JWT (verified against the JWKS) carries the gate\'s scope and the list\'s name; a non-holder\'s does not', async () => {
  const { lists } = apis();
  const list = await expectOk(lists.createAllowlistByEnvironmentIdRaw({ environmentId: ctx.envId,
    postAllowlistsRequest: { name: unique('holders'), scope: 'member', outcome: 'scope' } }), 200, 'create list');
  await expectOk(lists.postEntryByAllowlistIdRaw({ allowlistId: list.json.id,
    postAllowlistEntriesRequest: { walletPublicKey: state.holder.address } }), 200, 'entry');
  await expectOk(lists.enableAllowlistByIdRaw({ allowlistId: list.json.id }), 200, 'enable list');
  state.list = list.json;
  state.apeGate = await enabledGate({ name: unique('apes'), outcome: 'scope', scope: 'ape',
    rules: [{ type: 'nft', address: { networkId: 1, contractAddress: await state.apes.getAddress() }, filter: { tokenId: '7' } }] });

  const r = await expectOk(signInRaw(state.holder), 200, 'holder signs in');
  const { payload } = await verifySessionJwt(ctx, r.json.jwt);
  assert.deepEqual(payload.lists, [state.list.name]);
  assert.deepEqual(scopesOf(payload), ['ape', 'member', 'user:basic']);
  const { payload: mini } = await verifySessionJwt(ctx, r.json.minifiedJwt);
  assert.ok(scopesOf(mini).includes('ape'), `minified scope: ${mini.scope}`);
  state.holderSession = r.json.minifiedJwt;

  const o = await expectOk(signInRaw(state.other), 200, 'a scope gate does not block a non-holder');
  const { payload: other } = await verifySessionJwt(ctx, o.json.jwt);
  assert.deepEqual(other.lists, []);
  assert.deepEqual(scopesOf(other), ['user:basic']);
});

it('the holder burns NFT #7 ("sold"): the next refresh\'s JWT has no gate scope, the list\'s stays', async () => {
  await mined(state.apes.burn(7));
  const r = await expectOk(sdkApi(ctx, { token: state.holderSession }).refreshAuthRaw({ environmentId: ctx.envId }), 200, 'refresh');
  const { payload } = await verifySessionJwt(ctx, r.json.jwt);
  assert.deepEqual(scopesOf(payload), ['member', 'user:basic'], 'the scope followed the NFT');
  assert.deepEqual(payload.lists, [state.list.name]);
});

it('a siteAccess ERC-20 gate with amount 5 (500 base units): 499 is refused with 403, exactly 500 is admitted', async () => {
  const below = Wallet.createRandom();
  const at = Wallet.createRandom();
  await mined(state.coin.mint(below.address, 499));
  await mined(state.coin.mint(at.address, 500));
  const g = await enabledGate({ name: unique('coin-holders'), outcome: 'siteAccess',
    rules: [{ type: 'token', address: { networkId: 1, contractAddress: await state.coin.getAddress() }, filter: { amount: 5 } }] });
  try {
    const e = await expectStatus(signInRaw(below), 403, 'one unit below the amount');
    assert.equal(e.payload.walletPublicKey.toLowerCase(), below.address.toLowerCase());
    const r = await expectOk(signInRaw(at), 200, 'exactly the amount');
    await verifySessionJwt(ctx, r.json.jwt);
    await mined(state.coin.mint(below.address, 1));
    await expectOk(signInRaw(below), 200, 'topped up to the amount');
  } finally {
    await expectOk(apis().gates.disableGateRaw({ environmentId: ctx.envId, gateId: g.id }), 200, 'disable');
  }
  await expectOk(signInRaw(Wallet.createRandom()), 200, 'open again once the gate is off');
});

it('balances from the node: the official client\'s getAccountBalances and postMultichainAccountBalances, and Dynamic\'s JS SDK\'s getMultichainTokenBalances (and getMultichainBalances), getTokenBalances and getBalances (a connected wallet account), read the ETH and ERC-20 a wallet holds', async () => {
  const w = Wallet.createRandom();
  await mined(state.signer.sendTransaction({ to: w.address, value: parseEther('1.25') }));
  await mined(state.coin.mint(w.address, 1234));
  const coin = await state.coin.getAddress();
  const expectHoldings = (list, what) => {
    assert.equal(list.length, 2, `${what}: ${JSON.stringify(list)}`);
    const [eth, erc20] = list;
    assert.equal(eth.isNative, true, what);
    assert.equal(eth.balance, 1.25, what);
    assert.equal(eth.networkId, 1, what);
    assert.equal(erc20.address.toLowerCase(), coin.toLowerCase(), what);
    assert.equal(erc20.balance, 12.34, what);
    assert.equal(erc20.rawBalance, 1234, what);
  };
  const sdk = sdkApi(ctx);
  const one = await expectOk(sdk.getAccountBalancesRaw({ environmentId: ctx.envId, chainName: 'EVM', accountAddress: w.address,
    networkId: 1, includeNative: true, whitelistedContracts: [coin] }), 200, 'getAccountBalances');
  expectHoldings(one.json, 'getAccountBalances');

  const balanceRequest = { filterSpamTokens: true, balanceRequests: [
    { address: w.address, chain: 'EVM', networkIds: [1], whitelistedContracts: [coin] },
    { address: state.other.address, chain: 'EVM', networkIds: [1] },
  ] };
  const many = await expectOk(sdk.postMultichainAccountBalancesRaw({ environmentId: ctx.envId,
    multichainAccountBalancesRequest: balanceRequest }), 200, 'postMultichainAccountBalances');
  const [mine, theirs] = many.json.chainBalances;
  assert.equal(mine.walletAddress, w.address);
  assert.equal(mine.chain, 'EVM');
  assert.deepEqual(mine.networks.map((n) => n.networkId), [1]);
  expectHoldings(mine.networks[0].balances, 'postMultichainAccountBalances');
  assert.deepEqual(theirs.networks[0].balances.map((b) => [b.isNative, b.balance]), [[true, 0]], 'an empty wallet: its native coin at 0');
  const bad = await expectStatus(sdk.postMultichainAccountBalancesRaw({ environmentId: ctx.envId, multichainAccountBalancesRequest: {
    balanceRequests: [{ address: w.address, chain: 'EVM', networkIds: [1, 8453] }] } }), 422, 'a network the environment does not offer');
  assert.equal(bad.code, 'network_not_enabled');

  const inflight = new Set();
  const s = nodeSdk(ctx, { createDynamicClient, origin: APP_ORIGIN, inflight });
  await initializeClient(s.client);
  const chainBalances = await getMultichainTokenBalances({ balanceRequest }, s.client);
  assert.equal(chainBalances.length, 2, s.describe());
  expectHoldings(chainBalances[0].networks[0].balances, 'getMultichainTokenBalances');
  assert.ok(s.log.some((e) => e.method === 'POST' && e.path === '/balances' && e.status === 200), s.describe());

  // getTokenBalances (and its deprecated name getBalances) for a connected wallet account: GET chains/EVM/balances
  // on the network the wallet reports (1)
  const provider = ethersProvider(w);
  getWalletProviderRegistry(s.client).register({ priority: WalletProviderPriority.WALLET_SDK, walletProvider: provider });
  const walletAccount = await connectWithWalletProvider({ walletProviderKey: provider.key }, s.client);
  const n = s.log.length;
  expectHoldings(await getTokenBalances({ walletAccount, includeNative: true, whitelistedContracts: [coin] }, s.client), 'getTokenBalances');
  expectHoldings(await getBalances({ walletAccount, networkId: 1, includeNative: true, whitelistedContracts: [coin] }, s.client), 'getBalances');
  const reads = s.log.slice(n).filter((e) => e.method === 'GET' && e.path.startsWith('/chains/EVM/balances?'));
  assert.deepEqual(reads.map((e) => e.status), [200, 200], s.describe());
  assert.match(reads[0].path, /networkId=1(&|$)/);
  await settle(inflight);

  // getMultichainBalances, getMultichainTokenBalances' deprecated name: the same POST /balances
  const m = s.log.length;
  const again = await getMultichainBalances({ balanceRequest }, s.client);
  expectHoldings(again[0].networks[0].balances, 'getMultichainBalances');
  assert.deepEqual(s.log.slice(m).map((e) => `${e.method} ${e.path} ${e.status}`), ['POST /balances 200'], s.describe());
  await settle(inflight);
});

// getNativeBalance (and its deprecated name getBalance) ask this server
// nothing: the SDK reads the native coin from the RPC URL the settings
// publish for the wallet's network, through the network provider a chain
// extension registers (@dynamic-labs-sdk/evm, not installed here: the test
// registers one that reads over JSON-RPC with ethers). The app's operator
// names that node in the environment's chains (rpcUrl of network 1).
it('getNativeBalance and getBalance read the wallet\'s ETH from the RPC URL the settings publish for its network (the environment\'s own node)', async () => {
  const w = Wallet.createRandom();
  await mined(state.signer.sendTransaction({ to: w.address, value: parseEther('0.75') }));
  await updateSettings(ctx, (st) => {
    const evm = (st.chains ??= []).find((c) => c.name === 'EVM') ?? (st.chains.push({ name: 'EVM', enabled: true, networks: [] }), st.chains.at(-1));
    evm.networks = (evm.networks ?? []).filter((n) => Number(n.networkId) !== 1);
    evm.networks.push({ networkId: 1, chainName: 'Ethereum', enabled: true, rpcUrl: chain.url });
  });
  const inflight = new Set();
  const s = nodeSdk(ctx, { createDynamicClient, origin: APP_ORIGIN, inflight });
  await initializeClient(s.client);
  const mainnet = getNetworksData(s.client).find((d) => d.chain === 'EVM' && d.networkId === '1');
  assert.deepEqual(mainnet?.rpcUrls?.http, [chain.url], JSON.stringify(mainnet));
  const asked = [];
  getNetworkProviderBuilderRegistry(s.client).register({ chain: 'EVM', builder: (networkData) => ({
    ...createBaseNetworkProvider('EVM', networkData),
    getBalance: async ({ address }) => {
      const url = networkData.rpcUrls.http[0];
      asked.push(url);
      const rpc = new JsonRpcProvider(url, 1, { staticNetwork: true });
      try { return { balance: formatEther(await rpc.getBalance(address)) }; } finally { rpc.destroy(); }
    },
  }) });
  const provider = ethersProvider(w);
  getWalletProviderRegistry(s.client).register({ priority: WalletProviderPriority.WALLET_SDK, walletProvider: provider });
  const walletAccount = await connectWithWalletProvider({ walletProviderKey: provider.key }, s.client);
  const n = s.log.length;
  assert.deepEqual(await getNativeBalance({ walletAccount }, s.client), { balance: '0.75' });
  assert.deepEqual(await getBalance({ walletAccount }, s.client), { balance: '0.75' });
  assert.deepEqual(asked, [chain.url, chain.url]);
  assert.equal(s.log.length, n, `nothing asked of the server:\n${s.describe()}`);
  await settle(inflight);
});
