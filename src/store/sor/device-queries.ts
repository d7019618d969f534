// G4: remembered devices in the system of record. Tokens arrive here already hashed (SHA-256);
// an expired device is never returned, and is deleted when the user is remembered on a new one.
import { type Kysely, type Selectable, sql } from 'kysely';
import type { NewRememberedDevice, RememberedDevice } from '../records.ts';
import { isUuid } from './account-queries.ts';
import type { Database, RememberedDevicesTable } from './schema.ts';

type Db = Kysely<Database>;

const toDevice = (r: Selectable<RememberedDevicesTable>): RememberedDevice => ({
  id: r.id,
  userId: r.user_id,
  browser: r.browser,
  ip: r.ip,
  createdAt: new Date(r.created_at),
  lastUsedAt: new Date(r.last_used_at),
  expiresAt: new Date(r.expires_at),
});

const live = (db: Db) =>
  db.selectFrom('remembered_devices').selectAll().where('expires_at', '>', sql<Date>`now()`);

export async function createRememberedDevice(db: Db, input: NewRememberedDevice): Promise<RememberedDevice> {
  // Housekeeping: the user's expired devices go when a new one comes.
  await db
    .deleteFrom('remembered_devices')
    .where('user_id', '=', input.userId)
    .where('expires_at', '<=', sql<Date>`now()`)
    .execute();
  const row = await db
    .insertInto('remembered_devices')
    .values({
      user_id: input.userId,
      token_hash: input.tokenHash,
      browser: input.browser,
      ip: input.ip,
      expires_at: input.expiresAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toDevice(row);
}

export async function findRememberedDeviceByTokenHash(
  db: Db,
  tokenHash: string,
): Promise<RememberedDevice | undefined> {
  const row = await live(db).where('token_hash', '=', tokenHash).executeTakeFirst();
  return row && toDevice(row);
}

export async function findRememberedDevice(
  db: Db,
  userId: string,
  id: string,
): Promise<RememberedDevice | undefined> {
  if (!isUuid(userId) || !isUuid(id)) return undefined;
  const row = await live(db).where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
  return row && toDevice(row);
}

export async function listRememberedDevices(db: Db, userId: string): Promise<RememberedDevice[]> {
  if (!isUuid(userId)) return [];
  const rows = await live(db)
    .where('user_id', '=', userId)
    .orderBy('last_used_at', 'desc')
    .orderBy('id')
    .execute();
  return rows.map(toDevice);
}

export async function touchRememberedDevice(db: Db, id: string, ip: string | null): Promise<void> {
  if (!isUuid(id)) return;
  await db
    .updateTable('remembered_devices')
    .set({ last_used_at: sql<Date>`now()`, ip })
    .where('id', '=', id)
    .execute();
}

export async function deleteRememberedDevice(db: Db, userId: string, id: string): Promise<boolean> {
  if (!isUuid(userId) || !isUuid(id)) return false;
  const result = await db
    .deleteFrom('remembered_devices')
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function deleteRememberedDevicesOfUser(db: Db, userId: string): Promise<number> {
  if (!isUuid(userId)) return 0;
  const result = await db.deleteFrom('remembered_devices').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}
