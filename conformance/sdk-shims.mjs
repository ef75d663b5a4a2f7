// Node shims for Dynamic's JS SDK (coreConfig), shared by the SDK test
// files: the SDK's default keychain keeps its keys in IndexedDB, which
// Node does not have; a wallet provider over an ethers Wallet.

/** An in-memory P-256 keychain on WebCrypto with the SDK's outputs (compressed public key hex, raw r||s signature hex). */
export function memoryKeychain() {
  const keys = new Map();
  const hex = (b) => Buffer.from(b).toString('hex');
  const compress = (raw) => { const u = new Uint8Array(raw); const c = u.slice(0, 33); c[0] = 2 | (u[64] & 1); return c; };
  const alg = { name: 'ECDSA', namedCurve: 'P-256' };
  return {
    keys,
    async generateKey(name) {
      const kp = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
      const pub = hex(compress(await crypto.subtle.exportKey('raw', kp.publicKey)));
      keys.set(name, { priv: kp.privateKey, pub });
      return pub;
    },
    async importKey(name, jwk) {
      const priv = await crypto.subtle.importKey('jwk', jwk, alg, false, ['sign']);
      const pubKey = await crypto.subtle.importKey('jwk', { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, alg, true, ['verify']);
      const pub = hex(compress(await crypto.subtle.exportKey('raw', pubKey)));
      keys.set(name, { priv, pub });
      return pub;
    },
    async getPublicKey(name) { return keys.get(name)?.pub ?? null; },
    async hasKey(name) { return keys.has(name); },
    async removeKey(name) { keys.delete(name); },
    async sign(name, message) {
      const k = keys.get(name);
      if (!k) throw new Error(`keychain: no key ${name}`);
      return hex(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, k.priv, new TextEncoder().encode(message)));
    },
  };
}

/** A WalletProvider (the SDK's registry shape) over an ethers Wallet; answers lower-case addresses as MetaMask does. */
export function ethersProvider(wallet, { chainId = '1' } = {}) {
  const calls = [];
  return {
    calls,
    chain: 'EVM',
    groupKey: 'ethers',
    key: 'ethersevm:browserExtension',
    metadata: { displayName: 'Ethers', icon: '' },
    walletProviderType: 'browserExtension',
    connect: async () => ({ addresses: [{ address: wallet.address.toLowerCase() }] }),
    getActiveNetworkId: async () => ({ networkId: chainId }),
    getConnectedAddresses: async () => ({ addresses: [wallet.address.toLowerCase()] }),
    signMessage: async ({ message }) => { calls.push(message); return { signature: await wallet.signMessage(message) }; },
  };
}

/**
 * Waits until no request of inflight is running, three checks 50 ms apart
 * in a row: the SDK sends some on its own after a call resolves (settings
 * after logout, nonce refills), which must end before the file's server
 * stops.
 */
export async function settle(inflight) {
  for (let idle = 0; idle < 3;) {
    await new Promise((r) => setTimeout(r, 50));
    if (inflight.size === 0) { idle++; continue; }
    idle = 0;
    await Promise.allSettled([...inflight]);
  }
}

/** fetch, with each request kept in inflight while it runs (see settle). */
export function trackedFetch(inflight) {
  return (input, init) => {
    const pending = fetch(input, init);
    inflight.add(pending);
    const done = () => inflight.delete(pending);
    pending.then(done, done);
    return pending;
  };
}

/**
 * A Dynamic JS SDK client on Node ("a browser tab"): in-memory storage and
 * keychain, every request recorded in log ({method, url, path below the
 * environment's SDK prefix, headers, body, status, responseText of an
 * error}). Requests
 * still running are kept in inflight so a file can wait for them before
 * its server stops; live, when given, collects the instance (a file logs
 * them all out before its server stops).
 */
export function nodeSdk(ctx, { createDynamicClient, origin, inflight = new Set(), live }) {
  const log = [];
  const prefix = `${ctx.basePath}/sdk/${ctx.envId}`;
  const recordingFetch = async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input.url;
    const headers = Object.fromEntries([...new Headers(init.headers ?? (typeof input === 'string' ? {} : input.headers)).entries()]);
    const entry = { method: (init.method ?? 'GET').toUpperCase(), url, path: url.startsWith(prefix) ? url.slice(prefix.length) : url, headers };
    if (typeof init.body === 'string') { try { entry.body = JSON.parse(init.body); } catch { entry.body = init.body; } }
    log.push(entry);
    const pending = fetch(input, { ...init, signal: init.signal ?? AbortSignal.timeout(30_000) });
    inflight.add(pending);
    const res = await pending.finally(() => inflight.delete(pending));
    entry.status = res.status;
    if (res.status >= 400) entry.responseText = await res.clone().text();
    return res;
  };
  const mem = new Map();
  const storageAdapter = {
    getItem: async (k) => (mem.has(k) ? mem.get(k) : null),
    setItem: async (k, v) => { mem.set(k, v); },
    removeItem: async (k) => { mem.delete(k); },
  };
  const keychain = memoryKeychain();
  const client = createDynamicClient({
    environmentId: ctx.envId,
    autoInitialize: false,
    coreConfig: { apiBaseUrl: ctx.basePath, fetch: recordingFetch, storageAdapter, keychain },
    metadata: { name: 'Conformance', universalLink: origin },
    instrumentation: { enabled: false },
  });
  const describe = () => log.map((e) => `${e.method} ${e.path} -> ${e.status}${e.responseText ? ' ' + e.responseText.slice(0, 200) : ''}`).join('\n');
  const s = { client, log, describe, inflight, keychain, mem };
  live?.push(s);
  return s;
}
