// A software WebAuthn authenticator for tests (W1–W7): makes registration ("none" attestation) and
// assertion responses with node:crypto, ES256 (P-256) or Ed25519, as a browser would post them.
// Every field a test needs to break (origin, RP ID, challenge, user verification, counter,
// credential) can be overridden.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

export type SoftAlg = 'ES256' | 'Ed25519';

interface SoftCredential {
  id: string;
  privateKey: KeyObject;
  alg: SoftAlg;
  counter: number;
  userHandle: string;
}

export interface CeremonyOverrides {
  origin?: string;
  rpId?: string;
  challenge?: string;
  /** User verification done (default true). */
  uv?: boolean;
  /** The signature counter to report (default: the last one + 1). */
  counter?: number;
  /** Sign with this credential (default: the first allowed one, or the first registered). */
  credentialId?: string;
}

const b64url = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();

function coseKey(alg: SoftAlg, publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  if (alg === 'Ed25519')
    return isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 1],
        [3, -8],
        [-1, 6],
        [-2, x],
      ]),
    );
  const y = Buffer.from(jwk.y!, 'base64url');
  return isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, x],
      [-3, y],
    ]),
  );
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];
  readonly origin: string;
  readonly rpId: string;
  readonly aaguid: Buffer;
  /** Backup-eligible and backed up: a synced passkey (amr swk) rather than a device-bound one (hwk). */
  readonly synced: boolean;

  constructor(opts: { origin: string; rpId?: string; aaguid?: string; synced?: boolean }) {
    this.origin = opts.origin;
    this.rpId = opts.rpId ?? new URL(opts.origin).hostname;
    this.aaguid = Buffer.from(
      (opts.aaguid ?? '00000000-0000-0000-0000-000000000000').replaceAll('-', ''),
      'hex',
    );
    this.synced = opts.synced ?? false;
  }

  private authData(rpId: string, uv: boolean, counter: number, attested?: Uint8Array): Buffer {
    const flags = 0x01 | (uv ? 0x04 : 0) | (this.synced ? 0x18 : 0) | (attested ? 0x40 : 0);
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, ...(attested ? [attested] : [])]);
  }

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** A registration response for these creation options (as @simplewebauthn/browser posts it). */
  register(
    options: { challenge: string; user: { id: string } },
    o: CeremonyOverrides & { alg?: SoftAlg } = {},
  ) {
    const alg = o.alg ?? 'ES256';
    const { publicKey, privateKey } =
      alg === 'Ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rawId = randomBytes(32);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(rawId.length);
    const attested = Buffer.concat([this.aaguid, idLength, rawId, coseKey(alg, publicKey)]);
    const authData = this.authData(o.rpId ?? this.rpId, o.uv ?? true, o.counter ?? 0, attested);
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', new Uint8Array(authData)],
      ]) as never,
    );
    const id = b64url(rawId);
    this.credentials.push({ id, privateKey, alg, counter: o.counter ?? 0, userHandle: options.user.id });
    const clientDataJSON = this.clientData(
      'webauthn.create',
      o.challenge ?? options.challenge,
      o.origin ?? this.origin,
    );
    return {
      id,
      rawId: id,
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform' as const,
    };
  }

  /** An assertion for these request options. */
  assert(
    options: { challenge: string; allowCredentials?: Array<{ id: string }> },
    o: CeremonyOverrides = {},
  ) {
    const allowed = options.allowCredentials?.map((c) => c.id);
    const credential =
      this.credentials.find((c) => c.id === o.credentialId) ??
      this.credentials.find((c) => !allowed?.length || allowed.includes(c.id));
    if (!credential) throw new Error('the soft authenticator holds no allowed credential');
    credential.counter = o.counter ?? credential.counter + 1;
    const authData = this.authData(o.rpId ?? this.rpId, o.uv ?? true, credential.counter);
    const clientDataJSON = this.clientData(
      'webauthn.get',
      o.challenge ?? options.challenge,
      o.origin ?? this.origin,
    );
    const signed = Buffer.concat([authData, sha256(clientDataJSON)]);
    const signature =
      credential.alg === 'Ed25519'
        ? sign(null, signed, credential.privateKey)
        : sign('sha256', signed, credential.privateKey);
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: credential.userHandle,
      },
      clientExtensionResults: {},
    };
  }
}
