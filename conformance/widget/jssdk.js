// Dynamic's JS SDK (@dynamic-labs-sdk/client) in the page, for the browser
// tests: window.__sdk drives one client on the page's defaults (the
// browser's fetch, localStorage, the IndexedDB keychain, document.cookie),
// with apiBaseUrl from window.__widgetConfig. Its wallet signs through
// window.__walletSign, a function the test exposes. Passkeys go through
// the browser's WebAuthn (a virtual authenticator in the tests).
import {
  createDynamicClient, initializeClient, connectAndVerifyWithWalletProvider, refreshUser, logout,
  registerPasskey, signInWithPasskey, getPasskeys, deletePasskey, authenticatePasskeyMFA, isUserMissingMfaAuth,
  sendEmailOTP, verifyOTP, isDeviceRegistrationRequired, detectDeviceRegistrationRedirect, getDeviceRegistrationTokenFromUrl,
  completeDeviceRegistration, clearDeviceRegistrationRedirectParams, getRegisteredDevices,
} from '@dynamic-labs-sdk/client';
import { getWalletProviderRegistry, WalletProviderPriority } from '@dynamic-labs-sdk/client/core';

const cfg = window.__widgetConfig;
const client = createDynamicClient({
  environmentId: cfg.environmentId,
  autoInitialize: false,
  coreConfig: { apiBaseUrl: cfg.apiBaseUrl },
  metadata: { name: 'Browser test', universalLink: window.location.origin },
  instrumentation: { enabled: false },
});
const view = () => ({ user: client.user && { id: client.user.id, missingMfa: isUserMissingMfaAuth(client),
  deviceRegistrationRequired: isDeviceRegistrationRequired(client.user) },
  token: client.token ?? null, initStatus: client.initStatus,
  initError: client.initError ? String(client.initError) : null, documentCookie: document.cookie });

let otp = null;

window.__sdk = {
  async sendEmailOTP(email) {
    otp = await sendEmailOTP({ email }, client);
    return view();
  },
  async verifyOTP(code) {
    await verifyOTP({ otpVerification: otp, verificationToken: code }, client);
    return view();
  },
  // the page the emailed approval link opened: complete the registration
  async completeDeviceRegistration() {
    if (!detectDeviceRegistrationRedirect({ url: window.location.href })) throw new Error(`not an approval link: ${window.location.href}`);
    await completeDeviceRegistration({ deviceToken: getDeviceRegistrationTokenFromUrl({ url: window.location.href }) }, client);
    clearDeviceRegistrationRedirectParams();
    return { ...view(), url: window.location.href };
  },
  async registeredDevices() {
    return (await getRegisteredDevices(client)).map((d) => ({ id: d.id, current: d.isCurrentDevice }));
  },
  async init() {
    await initializeClient(client);
    return view();
  },
  async signIn(address) {
    const key = 'pagewallet:browserExtension';
    getWalletProviderRegistry(client).register({
      priority: WalletProviderPriority.WALLET_SDK,
      walletProvider: {
        chain: 'EVM', groupKey: 'pagewallet', key, metadata: { displayName: 'Page wallet', icon: '' },
        walletProviderType: 'browserExtension',
        connect: async () => ({ addresses: [{ address }] }),
        getActiveNetworkId: async () => ({ networkId: '1' }),
        getConnectedAddresses: async () => ({ addresses: [address] }),
        signMessage: async ({ message }) => ({ signature: await window.__walletSign(message) }),
      },
    });
    await connectAndVerifyWithWalletProvider({ walletProviderKey: key }, client);
    return view();
  },
  async refreshUser() {
    await refreshUser(client);
    return view();
  },
  async logout() {
    await logout(client);
    return view();
  },
  async registerPasskey() {
    await registerPasskey({}, client);
    return view();
  },
  async passkeys() {
    return (await getPasskeys(client)).map((p) => ({ id: p.id }));
  },
  async signInWithPasskey() {
    await signInWithPasskey({}, client);
    return view();
  },
  async authenticatePasskeyMFA() {
    await authenticatePasskeyMFA({}, client);
    return view();
  },
  async deletePasskey(passkeyId) {
    await deletePasskey({ passkeyId }, client);
    return view();
  },
};
