// CLI: factor-encryption keys (T4). `keys generate` prints a new `kid:key` entry; `keys rotate`
// re-encrypts every sealed secret — TOTP secrets, SSO client secrets and relying-party client
// secrets (A2) — under the current key
// (the first in FACTOR_ENCRYPTION_KEYS). Pending SMS challenges are sealed too, but live at most
// SMS_CODE_TTL_SECONDS: keep an old key at least that long after rotating.
//
// Rotation procedure:
//   1. `deadbolt keys generate` → put the entry FIRST in FACTOR_ENCRYPTION_KEYS, keep the old keys
//      after it, and roll this setting out to every server (they then seal new secrets with it and
//      still open the old ones).
//   2. `deadbolt keys rotate` with the same setting → every stored secret is under the new key.
//   3. Only when it reports `failed: 0` and `alreadyCurrent + rotated` covers every row, remove the
//      old keys from the setting.
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/index.ts';
import { reseal, SealedDataError } from '../crypto/sealed.ts';
import { totpAad } from '../mfa/totp/factor.ts';
import { clientAad } from '../oidc/client-registry.ts';
import { ssoAad } from '../sso/settings.ts';
import type { SystemOfRecord } from '../store/ports.ts';
import type { FactorRecord, FactorType } from '../store/records.ts';
import { flags, print, UsageError } from './args.ts';

const USAGE =
  'keys generate [--kid ID]   prints a new "kid:key" entry to put first in FACTOR_ENCRYPTION_KEYS\n' +
  'keys rotate                re-encrypts every stored secret (TOTP, SSO and relying-party client secrets) under the first (current) key';

/** The AAD each sealed factor secret is bound to, by factor type. */
const AAD: Partial<Record<FactorType, (userId: string) => string>> = { totp: totpAad };

export function generateKey(config: Config, sub: string | undefined, argv: string[]): void {
  if (sub !== 'generate') throw new UsageError(USAGE);
  const f = flags(argv, { kid: { type: 'string' } });
  const date = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  const kid = typeof f.kid === 'string' ? f.kid : `k${date}${randomBytes(2).toString('hex')}`;
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(kid))
    throw new UsageError('--kid must be 1-32 characters of A-Z a-z 0-9 _ -');
  if (config.factorKeys.keys.has(kid)) throw new UsageError(`key id "${kid}" is already configured`);
  print({
    kid,
    entry: `${kid}:${randomBytes(32).toString('base64url')}`,
    next: 'put this entry first in FACTOR_ENCRYPTION_KEYS (keep the current keys after it) on every server, then run `deadbolt keys rotate`',
  });
}

export interface RotationResult {
  rotated: number;
  alreadyCurrent: number;
  failed: number;
  /** Rows left unchanged because their secret does not open (no secret material here). */
  failures: Array<{
    factorId?: string;
    userId?: string;
    orgId?: string;
    clientId?: string;
    type: FactorType | 'sso_client_secret' | 'client_secret';
    error: string;
  }>;
}

/** Returns the exit code: 1 when any row could not be re-encrypted. */
export async function keysCommand(
  sor: SystemOfRecord,
  config: Config,
  sub: string | undefined,
  argv: string[],
): Promise<number> {
  if (sub !== 'rotate') throw new UsageError(USAGE);
  flags(argv, {});
  const result = await rotateFactorSecrets(sor, config);
  print({ currentKid: config.factorKeys.current, ...result });
  return result.failed > 0 ? 1 : 0;
}

/**
 * In one transaction: every factor row with a sealed secret is opened, and one not under the current
 * key is sealed again with it. A row that does not open (unknown key id, tampered, malformed) is
 * left unchanged and counted as failed; the other rows are still rotated.
 */
export async function rotateFactorSecrets(sor: SystemOfRecord, config: Config): Promise<RotationResult> {
  const keys = config.factorKeys;
  return sor.transaction(async (tx) => {
    const result: RotationResult = { rotated: 0, alreadyCurrent: 0, failed: 0, failures: [] };
    const fail = (r: FactorRecord, error: string) => {
      result.failed++;
      result.failures.push({ factorId: r.id, userId: r.userId, type: r.type, error });
    };
    for (const row of await tx.listFactorsWithSecrets()) {
      if (row.secretEnc === null) continue;
      const aad = AAD[row.type];
      if (!aad) {
        fail(row, `no known AAD for sealed secrets of type ${row.type}`);
        continue;
      }
      let resealed: string;
      try {
        // Opens every row, also those already current, so a broken one is reported now.
        resealed = reseal(keys, row.secretEnc, aad(row.userId));
      } catch (err) {
        if (!(err instanceof SealedDataError)) throw err;
        fail(row, err.code);
        continue;
      }
      if (resealed === row.secretEnc) {
        result.alreadyCurrent++;
      } else {
        await tx.updateFactor(row.id, { secretEnc: resealed });
        result.rotated++;
      }
    }
    // SSO connections' client secrets (F1), bound to their organization.
    for (const org of await tx.listOrgs()) {
      const sealed = org.sso?.clientSecretEnc;
      if (!org.sso || !sealed) continue;
      let resealed: string;
      try {
        resealed = reseal(keys, sealed, ssoAad(org.id));
      } catch (err) {
        if (!(err instanceof SealedDataError)) throw err;
        result.failed++;
        result.failures.push({ orgId: org.id, type: 'sso_client_secret', error: err.code });
        continue;
      }
      if (resealed === sealed) {
        result.alreadyCurrent++;
      } else {
        await tx.updateOrg(org.id, { sso: { ...org.sso, clientSecretEnc: resealed } });
        result.rotated++;
      }
    }
    await rotateClientSecrets(tx, keys, result);
    return result;
  });
}

/** A2: relying-party client secrets, bound to their client id. */
async function rotateClientSecrets(tx: SystemOfRecord, keys: Config['factorKeys'], result: RotationResult) {
  for (const c of await tx.listClients()) {
    if (!c.secretEnc) continue;
    let resealed: string;
    try {
      resealed = reseal(keys, c.secretEnc, clientAad(c.clientId));
    } catch (err) {
      if (!(err instanceof SealedDataError)) throw err;
      result.failed++;
      result.failures.push({ clientId: c.clientId, type: 'client_secret', error: err.code });
      continue;
    }
    if (resealed === c.secretEnc) {
      result.alreadyCurrent++;
    } else {
      await tx.upsertClient({ clientId: c.clientId, metadata: c.metadata, secretEnc: resealed });
      result.rotated++;
    }
  }
}
