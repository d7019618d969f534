// Queries on passkeys (W1–W4, W7). A passkey is a `factors` row plus its credential in `passkeys`,
// inserted by one statement; the use of a credential is one conditional UPDATE, so two requests
// with the same signature counter cannot both succeed.

import { type Kysely, type Selectable, sql } from 'kysely';
import type { NewPasskey, PasskeyRecord } from '../records.ts';
import { isUuid } from './account-queries.ts';
import type { Database, PasskeysTable } from './schema.ts';

type Db = Kysely<Database>;

function toPasskey(r: Selectable<PasskeysTable>): PasskeyRecord {
  return {
    factorId: r.factor_id,
    userId: r.user_id,
    credentialId: r.credential_id,
    publicKey: new Uint8Array(r.public_key),
    counter: Number(r.counter),
    transports: r.transports,
    aaguid: r.aaguid,
    name: r.name,
    deviceType: r.device_type,
    backedUp: r.backed_up,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
  };
}

export async function insertPasskey(db: Db, input: NewPasskey): Promise<PasskeyRecord> {
  const row = await db
    .with('f', (q) =>
      q
        .insertInto('factors')
        .values({ user_id: input.userId, type: 'passkey', data: JSON.stringify({}) })
        .returning('id'),
    )
    .insertInto('passkeys')
    .columns([
      'factor_id',
      'user_id',
      'credential_id',
      'public_key',
      'counter',
      'transports',
      'aaguid',
      'name',
      'device_type',
      'backed_up',
    ])
    .expression((eb) =>
      eb
        .selectFrom('f')
        .select([
          'f.id',
          sql.val(input.userId).as('user_id'),
          sql.val(input.credentialId).as('credential_id'),
          sql.val(Buffer.from(input.publicKey)).as('public_key'),
          sql.val(input.counter).as('counter'),
          sql`${JSON.stringify(input.transports)}::jsonb`.as('transports'),
          sql.val(input.aaguid).as('aaguid'),
          sql.val(input.name).as('name'),
          sql.val(input.deviceType).as('device_type'),
          sql.val(input.backedUp).as('backed_up'),
        ]),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return toPasskey(row);
}

export async function listPasskeys(db: Db, userId: string): Promise<PasskeyRecord[]> {
  if (!isUuid(userId)) return [];
  const rows = await db
    .selectFrom('passkeys')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('factor_id')
    .execute();
  return rows.map(toPasskey);
}

export async function findPasskeyByCredentialId(
  db: Db,
  credentialId: string,
): Promise<PasskeyRecord | undefined> {
  const row = await db
    .selectFrom('passkeys')
    .selectAll()
    .where('credential_id', '=', credentialId)
    .executeTakeFirst();
  return row && toPasskey(row);
}

export async function recordPasskeyUse(db: Db, factorId: string, counter: number): Promise<boolean> {
  if (!Number.isSafeInteger(counter) || counter < 0) throw new RangeError(`invalid counter ${counter}`);
  if (!isUuid(factorId)) return false;
  const row = await db
    .with('used', (q) =>
      q
        .updateTable('passkeys')
        .set({ counter, last_used_at: sql<Date>`now()` })
        .where('factor_id', '=', factorId)
        .where((eb) =>
          eb.or([eb('counter', '<', counter), eb.and([eb('counter', '=', 0), eb.lit(counter === 0)])]),
        )
        .returning('factor_id'),
    )
    .updateTable('factors')
    .set({ failed_attempts: 0 })
    .where('id', 'in', (eb) => eb.selectFrom('used').select('factor_id'))
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function renamePasskey(
  db: Db,
  userId: string,
  factorId: string,
  name: string,
): Promise<boolean> {
  if (!isUuid(userId) || !isUuid(factorId)) return false;
  const res = await db
    .updateTable('passkeys')
    .set({ name })
    .where('factor_id', '=', factorId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}
