// A software WebAuthn authenticator for tests in Node: a P-256 key, a
// "none" attestation, and assertions whose user-verification flag can be
// left unset (an environment requiring UV must refuse them). It answers
// the options the server hands out in the shapes the official client
// (@dynamic-labs/sdk-api@0.0.847) sends.
import crypto from 'node:crypto';

const b64u = (b) => Buffer.from(b).toString('base64url');
const sha256 = (b) => crypto.createHash('sha256').update(b).digest();

/** Minimal CBOR: unsigned and negative integers, text and byte strings, Maps. */
export function cbor(v) {
  const head = (major, n) => {
    if (n < 24) return Buffer.from([(major << 5) | n]);
    if (n < 256) return Buffer.from([(major << 5) | 24, n]);
    const b = Buffer.alloc(3);
    b[0] = (major << 5) | 25;
    b.writeUInt16BE(n, 1);
    return b;
  };
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === 'string') return Buffer.concat([head(3, Buffer.byteLength(v)), Buffer.from(v)]);
  if (Buffer.isBuffer(v)) return Buffer.concat([head(2, v.length), v]);
  if (v instanceof Map) return Buffer.concat([head(5, v.size), ...[...v].flatMap(([k, x]) => [cbor(k), cbor(x)])]);
  throw new Error(`cbor: cannot encode ${typeof v}`);
}

/** A platform authenticator holding one passkey; `uv` is its user-verification flag. */
export class SoftAuthenticator {
  constructor(origin) {
    this.origin = origin;
    this.rpId = new URL(origin).hostname;
    this.keys = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.credId = crypto.randomBytes(32);
    this.counter = 0;
    this.uv = true;
  }

  /** The credential id as the server names it (UserPasskey.credentialId, allowCredentials[].id). */
  get credentialId() { return b64u(this.credId); }

  authData(withCredential) {
    const flags = 0x01 | (this.uv ? 0x04 : 0) | (withCredential ? 0x40 : 0);
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.counter);
    const parts = [sha256(this.rpId), Buffer.from([flags]), counter];
    if (withCredential) {
      const jwk = this.keys.publicKey.export({ format: 'jwk' });
      const len = Buffer.alloc(2);
      len.writeUInt16BE(this.credId.length);
      const cose = cbor(new Map([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x, 'base64url')], [-3, Buffer.from(jwk.y, 'base64url')]]));
      parts.push(Buffer.alloc(16), len, this.credId, cose);
    }
    return Buffer.concat(parts);
  }

  clientData(type, challenge) {
    return Buffer.from(JSON.stringify({ type, challenge, origin: this.origin, crossOrigin: false }));
  }

  /** A PasskeyRegisterRequest for creation options (clientDataJson, the contract's spelling). */
  create(options) {
    this.userHandle = options.user.id;
    const attestation = cbor(new Map([['fmt', 'none'], ['attStmt', new Map()], ['authData', this.authData(true)]]));
    return {
      id: b64u(this.credId), rawId: b64u(this.credId), type: 'public-key', authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: { clientDataJson: b64u(this.clientData('webauthn.create', options.challenge)),
        attestationObject: b64u(attestation), transports: ['internal'] },
    };
  }

  /**
   * A PasskeyRegisterVerifyRequest (MFA registration's attestation) for
   * creation options: the response is AuthenticatorAttestationResponse,
   * spelled clientDataJSON like an assertion's.
   */
  createVerify(options) {
    const { response, ...rest } = this.create(options);
    return { ...rest, response: { clientDataJSON: response.clientDataJson, attestationObject: response.attestationObject } };
  }

  /** A PasskeyAuthRequest for request options, counting one use. */
  get(options) {
    this.counter += 1;
    const authData = this.authData(false);
    const clientData = this.clientData('webauthn.get', options.challenge);
    const signature = crypto.sign('sha256', Buffer.concat([authData, sha256(clientData)]), this.keys.privateKey); // DER
    return {
      id: b64u(this.credId), rawId: b64u(this.credId), type: 'public-key', clientExtensionResults: {},
      response: { clientDataJSON: b64u(clientData), authenticatorData: b64u(authData), signature: b64u(signature),
        userHandle: this.userHandle },
    };
  }
}
