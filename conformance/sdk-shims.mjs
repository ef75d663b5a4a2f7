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
