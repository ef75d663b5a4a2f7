// Sign In With Farcaster through the official client
// (@dynamic-labs/sdk-api@0.0.847: SDKApi.farcasterSignIn, farcasterVerify)
// against an Optimism stand-in: go-ethereum's simulated backend
// (./devchain, chain id 10) with the test ID registry
// (farcaster/farcastertest/contracts) deployed and an fid registered by
// ethers over JSON-RPC, given to the server as --evm-rpc 10=URL and
// --farcaster-registry. Messages are built with `siwe` as Farcaster's
// auth-kit builds them (statement "Farcaster Auth", Chain ID 10, a
// farcaster://fid/N resource) and signed by the custody address.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { after } from 'node:test';
import { ContractFactory, Contract, JsonRpcProvider, NonceManager, Wallet } from 'ethers';
import { SiweMessage } from 'siwe';
import { setup, sdkApi, http, expectOk, expectStatus, issueNonce, verifySessionJwt, evmVerifyRequest, repoRoot, APP_DOMAIN, APP_ORIGIN } from '../harness.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynamicauth-farcaster-'));
const chain = {};
const deployer = Wallet.createRandom();
const custody = Wallet.createRandom();
const stranger = Wallet.createRandom();
const serveArgs = ['--rate-limits', 'off', '--farcaster-names', 'off'];
const ABI = ['function register(address to) returns (uint256)', 'function idOf(address) view returns (uint256)'];

async function ready() {
  const bin = path.join(dir, 'devchain');
  await new Promise((resolve, reject) => {
    const b = spawn('go', ['build', '-o', bin, './conformance/devchain'], { cwd: repoRoot, stdio: 'inherit' });
    b.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go build devchain: ${code}`))));
  });
  chain.proc = spawn(bin, ['--chain-id', '10', '--fund', `${deployer.address}=1000000000000000000`], { stdio: ['pipe', 'pipe', 'inherit'] });
  chain.url = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: chain.proc.stdout });
    rl.on('line', (l) => { if (l.startsWith('RPC ')) resolve(l.slice(4).trim()); });
    chain.proc.on('exit', (code) => reject(new Error(`devchain exited: ${code}`)));
  });
  const provider = new JsonRpcProvider(chain.url, 10, { staticNetwork: true, polling: true, pollingInterval: 50 });
  // (nonces counted here: the node's pending count can lag a block it has
  // just sealed; and the provider destroyed even on a failure, else its
  // polling keeps the process alive)
  const signer = new NonceManager(deployer.connect(provider));
  try {
    const bytecode = '0x' + fs.readFileSync(path.join(repoRoot, 'farcaster/farcastertest/contracts/testdata/TestIdRegistry.bin'), 'utf8').trim();
    const registry = await (await new ContractFactory(ABI, bytecode, signer).deploy()).waitForDeployment();
    chain.registry = await registry.getAddress();
    await (await registry.register(custody.address)).wait();
    chain.fid = Number(await new Contract(chain.registry, ABI, provider).idOf(custody.address));
  } finally {
    provider.destroy();
  }
  serveArgs.push('--evm-rpc', `10=${chain.url}`, '--farcaster-registry', chain.registry);
}
after(() => { chain.proc?.kill('SIGTERM'); });

const { ctx, it } = setup({ serveArgs, ready, timeoutMs: 120_000 });

// signInRequest builds and signs a SIWF message as auth-kit does.
async function signInRequest(signer, { fid = chain.fid, nonce, domain = APP_DOMAIN } = {}) {
  const n = nonce ?? await issueNonce(ctx);
  const message = new SiweMessage({
    domain, address: signer.address, statement: 'Farcaster Auth', uri: `${APP_ORIGIN}/login`, version: '1',
    chainId: 10, nonce: n, issuedAt: new Date().toISOString(), resources: [`farcaster://fid/${fid}`],
  }).prepareMessage();
  return { address: signer.address, domain, nonce: n, message, signature: await signer.signMessage(message) };
}

it('farcaster: refused until the environment enables the farcaster provider', async () => {
  const body = await expectStatus(sdkApi(ctx).farcasterSignInRaw({ environmentId: ctx.envId,
    farcasterSignInRequest: await signInRequest(custody) }), 422);
  assert.equal(body.code, 'provider_not_available');
  const r = await http(ctx, 'POST', `/environments/${ctx.envId}/settings/providers`, { token: ctx.token, body: { provider: 'farcaster' } });
  assert.equal(r.status, 200, r.text);
});

it('farcaster: the custody address signs in; the JWT verifies; a replay and a stranger are refused', async () => {
  assert.ok(chain.fid > 0, 'an fid was registered');
  const req = await signInRequest(custody);
  const res = await expectOk(sdkApi(ctx).farcasterSignInRaw({ environmentId: ctx.envId, farcasterSignInRequest: req }));
  const cred = res.json.user.verifiedCredentials.find((c) => c.oauthProvider === 'farcaster' || c.oauth_provider === 'farcaster');
  assert.ok(cred, `a farcaster credential: ${JSON.stringify(res.json.user.verifiedCredentials)}`);
  const { payload } = await verifySessionJwt(ctx, res.json.jwt);
  assert.ok(payload.verified_credentials.some((c) => c.oauth_provider === 'farcaster' && c.oauth_account_id === String(chain.fid)),
    JSON.stringify(payload.verified_credentials));

  const replay = await expectStatus(sdkApi(ctx).farcasterSignInRaw({ environmentId: ctx.envId, farcasterSignInRequest: req }), 422);
  assert.ok(replay.code, JSON.stringify(replay));
  const stolen = await expectStatus(sdkApi(ctx).farcasterSignInRaw({ environmentId: ctx.envId,
    farcasterSignInRequest: await signInRequest(stranger) }), 422);
  assert.match(stolen.error, /custody/);
  const foreign = await expectStatus(sdkApi(ctx).farcasterSignInRaw({ environmentId: ctx.envId,
    farcasterSignInRequest: await signInRequest(custody, { domain: 'evil.example' }) }), 422);
  assert.match(foreign.error, /domain/);
});

it('farcaster: verify links the account to a wallet user only once', async () => {
  const w = Wallet.createRandom();
  const signedIn = await expectOk(sdkApi(ctx).verifyRaw({ environmentId: ctx.envId, verifyRequest: await evmVerifyRequest(ctx, w) }));
  const token = signedIn.json.jwt;
  // the custody's account already belongs to the user it signed in
  const taken = await expectStatus(sdkApi(ctx, { token }).farcasterVerifyRaw({ environmentId: ctx.envId,
    farcasterSignInRequest: await signInRequest(custody) }), 422);
  assert.equal(taken.code, 'social_account_already_exists');
  await expectStatus(sdkApi(ctx).farcasterVerifyRaw({ environmentId: ctx.envId,
    farcasterSignInRequest: await signInRequest(custody) }), 401);
});
