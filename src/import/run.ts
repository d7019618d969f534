// A4: bulk import. Rows go in batches (default 1000), each batch one transaction of multi-row
// inserts, so a crash leaves every row fully imported or not at all, and a re-run completes the
// file (idempotent by e-mail: a known e-mail is "unchanged"). Nothing is hashed: the given hashes
// are stored as they are and replaced by argon2id at the user's next sign-in. A batch the database
// refuses is retried row by row, so one bad row is rejected and the rest imported. --dry-run runs
// the same transactions and rolls every one back.
import { randomUUID } from 'node:crypto';
import { type SealingKeys, seal } from '../crypto/sealed.ts';
import { totpAad } from '../mfa/totp/factor.ts';
import { type ImportedUser, StoreUnavailableError, type SystemOfRecord } from '../store/ports.ts';
import type { Organization } from '../store/records.ts';
import { type ImportRow, isRejection, type Rejection } from './rows.ts';

export interface ImportOptions {
  factorKeys: SealingKeys;
  createOrgs?: boolean;
  dryRun?: boolean;
  batchSize?: number;
  actorLabel?: string;
  /** Called after each batch with the rows done so far. */
  onProgress?: (done: number, total: number) => void;
}

export interface ImportSummary {
  dryRun: boolean;
  rows: number;
  imported: number;
  unchanged: number;
  rejected: number;
  orgsCreated: { id: string | null; name: string }[];
  rejections: Rejection[];
}

class RollBack extends Error {}

/** Drops rows whose e-mail came earlier in the file. */
function dedupe(rows: ImportRow[], rejections: Rejection[]): ImportRow[] {
  const seen = new Map<string, number>();
  return rows.filter((r) => {
    const first = seen.get(r.email.toLowerCase());
    if (first === undefined) seen.set(r.email.toLowerCase(), r.line);
    else rejections.push({ line: r.line, email: r.email, reason: `email: already on line ${first}` });
    return first === undefined;
  });
}

/** Org references (id or name) → organizations; unknown names created with --create-orgs. */
async function resolveOrgs(
  sor: SystemOfRecord,
  rows: ImportRow[],
  opts: ImportOptions,
  summary: ImportSummary,
) {
  const orgs = await sor.listOrgs();
  const byRef = new Map<string, Organization | string | undefined>();
  for (const ref of new Set(rows.flatMap((r) => (r.org ? [r.org] : [])))) {
    const byId = orgs.find((o) => o.id === ref);
    const named = orgs.filter((o) => o.name.toLowerCase() === ref.toLowerCase());
    if (byId) byRef.set(ref, byId);
    else if (named.length === 1 && named[0]) byRef.set(ref, named[0]);
    else if (named.length > 1)
      byRef.set(ref, `org: the name "${ref}" is used by ${named.length} organizations; give its id`);
    else if (!opts.createOrgs) byRef.set(ref, `org: no organization "${ref}" (use its id, or --create-orgs)`);
    else if (opts.dryRun) {
      // Not created in a dry run: its members are checked without the membership row.
      summary.orgsCreated.push({ id: null, name: ref });
      byRef.set(ref, undefined);
    } else {
      const created = await sor.createOrg({ name: ref, plan: 'free' });
      summary.orgsCreated.push({ id: created.id, name: created.name });
      byRef.set(ref, created);
    }
  }
  return byRef;
}

function toImported(row: ImportRow, org: Organization | undefined, keys: SealingKeys): ImportedUser {
  const id = randomUUID();
  return {
    id,
    email: row.email,
    passwordHash: row.passwordHash,
    memberships: org ? [{ orgId: org.id, role: row.role }] : [],
    // T4: sealed under the user's AAD like an enrolled app; no backup codes are made (README).
    totpSecretEnc: row.totpSecret ? seal(keys, row.totpSecret, totpAad(id)) : null,
    emailVerified: row.emailVerified,
  };
}

/** One batch in one transaction; the e-mails that already existed. */
async function writeBatch(
  sor: SystemOfRecord,
  batch: ImportedUser[],
  opts: ImportOptions,
): Promise<string[]> {
  let existing: string[] = [];
  try {
    await sor.transaction(async (tx) => {
      existing = (await tx.importUsers(batch, opts.actorLabel ?? 'cli:import')).existing;
      if (opts.dryRun) throw new RollBack();
    });
  } catch (err) {
    if (!(err instanceof RollBack)) throw err;
  }
  return existing;
}

export async function importRows(
  sor: SystemOfRecord,
  parsed: Array<ImportRow | Rejection>,
  opts: ImportOptions,
): Promise<ImportSummary> {
  const rejections = parsed.filter(isRejection);
  const rows = dedupe(
    parsed.filter((r): r is ImportRow => !isRejection(r)),
    rejections,
  );
  const summary: ImportSummary = {
    dryRun: Boolean(opts.dryRun),
    rows: parsed.length,
    imported: 0,
    unchanged: 0,
    rejected: 0,
    orgsCreated: [],
    rejections,
  };
  const orgs = await resolveOrgs(sor, rows, opts, summary);
  const ready: Array<{ row: ImportRow; user: ImportedUser }> = [];
  for (const row of rows) {
    const org = row.org ? orgs.get(row.org) : undefined;
    if (typeof org === 'string') rejections.push({ line: row.line, email: row.email, reason: org });
    else ready.push({ row, user: toImported(row, org, opts.factorKeys) });
  }
  const size = Math.max(1, opts.batchSize ?? 1000);
  for (let i = 0; i < ready.length; i += size) {
    const batch = ready.slice(i, i + size);
    await importBatch(sor, batch, opts, summary);
    opts.onProgress?.(Math.min(i + size, ready.length), ready.length);
  }
  summary.rejected = rejections.length;
  rejections.sort((a, b) => a.line - b.line);
  return summary;
}

async function importBatch(
  sor: SystemOfRecord,
  batch: Array<{ row: ImportRow; user: ImportedUser }>,
  opts: ImportOptions,
  summary: ImportSummary,
): Promise<void> {
  try {
    const existing = await writeBatch(
      sor,
      batch.map((b) => b.user),
      opts,
    );
    summary.unchanged += existing.length;
    summary.imported += batch.length - existing.length;
    return;
  } catch (err) {
    // The store is gone: stop here; what is committed stays, a re-run completes the file.
    if (err instanceof StoreUnavailableError) throw err;
  }
  // The database refused the batch (e.g. a constraint): each row alone, so only it is rejected.
  for (const b of batch) {
    try {
      const existing = await writeBatch(sor, [b.user], opts);
      if (existing.length > 0) summary.unchanged += 1;
      else summary.imported += 1;
    } catch (err) {
      if (err instanceof StoreUnavailableError) throw err;
      const reason = `refused by the database: ${(err as Error).message.split('\n')[0]?.slice(0, 200)}`;
      summary.rejections.push({ line: b.row.line, email: b.row.email, reason });
    }
  }
}
