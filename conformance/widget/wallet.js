// An injected EIP-1193 wallet announced through EIP-6963 (and as
// window.ethereum), as a browser extension would be. Keys stay in Node:
// personal_sign asks the test through the window.__walletSign binding.
(() => {
  const cfg = window.__walletConfig;
  const listeners = {};
  const chainId = '0x' + cfg.chainId.toString(16);
  const calls = (window.__walletCalls = []);
  let connected = false;
  const provider = {
    isMetaMask: false,
    isTestWallet: true,
    async request({ method, params = [] }) {
      calls.push(method);
      switch (method) {
        case 'eth_requestAccounts':
          connected = true;
          (listeners.connect || []).forEach((f) => f({ chainId }));
          return [cfg.address];
        case 'eth_accounts':
          return connected ? [cfg.address] : [];
        case 'eth_chainId':
          return chainId;
        case 'net_version':
          return String(cfg.chainId);
        case 'wallet_switchEthereumChain':
        case 'wallet_addEthereumChain':
          return null;
        case 'wallet_requestPermissions':
          connected = true;
          return [{ parentCapability: 'eth_accounts' }];
        case 'wallet_getPermissions':
          return connected ? [{ parentCapability: 'eth_accounts' }] : [];
        case 'personal_sign': {
          const [data, address] = params;
          if (address.toLowerCase() !== cfg.address.toLowerCase()) throw Object.assign(new Error('unknown account'), { code: 4100 });
          return window.__walletSign(data);
        }
        case 'eth_blockNumber':
          return '0x1';
        case 'eth_getBalance':
          return window.__walletRpc(method, params);
        default:
          throw Object.assign(new Error(`test wallet: ${method} is not supported`), { code: 4200 });
      }
    },
    on(ev, f) { (listeners[ev] ||= []).push(f); return provider; },
    removeListener(ev, f) { listeners[ev] = (listeners[ev] || []).filter((g) => g !== f); return provider; },
  };
  provider.off = provider.removeListener;
  const info = { uuid: '5d0c1c8e-3b6f-4f43-9a55-2f7d7f0b5f11', name: 'Test Wallet', rdns: 'org.dynamicauth.testwallet',
    icon: 'data:image/svg+xml;base64,' + btoa('<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="#36c"/></svg>') };
  const announce = () => window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail: Object.freeze({ info, provider }) }));
  window.addEventListener('eip6963:requestProvider', announce);
  announce();
  window.ethereum = provider;
})();
