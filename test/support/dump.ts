// Dumps of everything stored, for "nothing in the clear" tests (T4, S-issue).
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { SystemOfRecord } from '../../src/store/ports.ts';
import type { KyselySystemOfRecord } from '../../src/store/sor/kysely-store.ts';

export async function dumpDatabase(sor: SystemOfRecord): Promise<string> {
  const { db } = sor as KyselySystemOfRecord;
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(
    db,
  );
  const lines: string[] = [];
  for (const { table_name } of tables.rows) {
    const rows = await sql<{
      row: string;
    }>`select row_to_json(t)::text as row from ${sql.table(table_name)} t`.execute(db);
    for (const r of rows.rows) lines.push(`${table_name} ${r.row}`);
  }
  return lines.join('\n');
}

export async function dumpRedis(url: string, prefix: string): Promise<string> {
  const redis = new Redis(url);
  try {
    const lines: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        const value =
          type === 'string'
            ? await redis.get(key)
            : type === 'hash'
              ? JSON.stringify(await redis.hgetall(key))
              : type === 'set'
                ? JSON.stringify(await redis.smembers(key))
                : type === 'list'
                  ? JSON.stringify(await redis.lrange(key, 0, -1))
                  : type === 'zset'
                    ? JSON.stringify(await redis.zrange(key, '0', '-1', 'WITHSCORES'))
                    : `(${type})`;
        lines.push(`${key} ${value}`);
      }
    } while (cursor !== '0');
    return lines.join('\n');
  } finally {
    redis.disconnect();
  }
}
