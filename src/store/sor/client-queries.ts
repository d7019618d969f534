// A2: relying-party clients in the system of record. The metadata never carries the secret; the
// sealing and opening happen in src/oidc/client-registry.ts.

import type { Kysely, Selectable } from 'kysely';
import type { ClientRecord } from '../records.ts';
import type { ClientsTable, Database } from './schema.ts';

type Db = Kysely<Database>;

function toClient(r: Selectable<ClientsTable>): ClientRecord {
  return {
    clientId: r.client_id,
    metadata: r.metadata,
    secretEnc: r.secret_enc,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function findClient(db: Db, clientId: string): Promise<ClientRecord | undefined> {
  const row = await db.selectFrom('clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
  return row && toClient(row);
}

export async function listClients(db: Db): Promise<ClientRecord[]> {
  const rows = await db.selectFrom('clients').selectAll().orderBy('client_id').execute();
  return rows.map(toClient);
}

/** Inserts or replaces a client (by client_id); created_at is kept on update. */
export async function upsertClient(
  db: Db,
  input: { clientId: string; metadata: Record<string, unknown>; secretEnc: string | null },
): Promise<ClientRecord> {
  const metadata = JSON.stringify(input.metadata);
  const row = await db
    .insertInto('clients')
    .values({ client_id: input.clientId, metadata, secret_enc: input.secretEnc })
    .onConflict((oc) =>
      oc.column('client_id').doUpdateSet({ metadata, secret_enc: input.secretEnc, updated_at: new Date() }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return toClient(row);
}

export async function deleteClient(db: Db, clientId: string): Promise<boolean> {
  const res = await db.deleteFrom('clients').where('client_id', '=', clientId).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}
