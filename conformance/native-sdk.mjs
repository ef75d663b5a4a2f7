// Dynamic's JS SDK's React Native build (@dynamic-labs-sdk/client's
// index.native.esm.js, unchanged) in Node, for the flows it alone has
// (signInWithSocialPopUp): the React Native modules it imports are
// replaced by stubs through a module hook. The app overrides what would
// reach them (storage, keychain, coreConfig.openAuthSession), so a stub
// that is reached fails loudly.
import { register } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const unavailable = `(what) => new Proxy({}, { get: (_, p) => p === 'then' ? undefined
  : () => { throw new Error(what + '.' + String(p) + ' is a native module, missing in Node'); } })`;
const STUBS = {
  'react-native': `const unavailable = ${unavailable};
    export const Platform = { OS: 'ios', select: (o) => o.ios ?? o.native ?? o.default };
    export const AppState = { currentState: 'active', addEventListener: () => ({ remove() {} }) };
    export const Linking = unavailable('Linking');
    export const TurboModuleRegistry = { get: () => null, getEnforcing: (name) => unavailable(name) };
    export class NativeEventEmitter { addListener() { return { remove() {} }; } }`,
  'react-native-passkey': `export const Passkey = (${unavailable})('Passkey');`,
  '@react-native-async-storage/async-storage': `export default (${unavailable})('AsyncStorage');`,
  'react-native-keychain': `const k = (${unavailable})('Keychain');
    export const getGenericPassword = (...a) => k.getGenericPassword(...a);
    export const setGenericPassword = (...a) => k.setGenericPassword(...a);
    export const resetGenericPassword = (...a) => k.resetGenericPassword(...a);`,
  'react-native-inappbrowser-reborn': `export default (${unavailable})('InAppBrowser');`,
};
const hooks = `const STUBS = ${JSON.stringify(STUBS)};
export async function resolve(specifier, context, next) {
  if (Object.hasOwn(STUBS, specifier)) return { url: 'data:text/javascript,' + encodeURIComponent(STUBS[specifier]), shortCircuit: true };
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);

/**
 * The React Native build's exports (index.native.esm.js), in a world like
 * React Native's: without BroadcastChannel, which the native build opens
 * for each client when it finds one (its cross-tab sync) and which, in
 * Node, keeps the test file's process from ever exiting.
 */
export function nativeSdk() {
  delete globalThis.BroadcastChannel;
  return import(pathToFileURL(path.join(here, 'node_modules/@dynamic-labs-sdk/client/dist/index.native.esm.js')).href);
}
