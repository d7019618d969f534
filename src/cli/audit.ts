// CLI: export of the audit log (R3) as JSON lines, one event per line, oldest first, for a SIEM or
// an archive. The log itself is append-only; this only reads it.
import { flags, UsageError } from './args.ts';
import type { AdminPort } from './port.ts';

const USAGE =
  'audit export [--org ID] [--user EMAIL|ID] [--limit N]\n' +
  '  JSON lines, oldest first; --user matches the target of the event; --limit keeps the N most recent.';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function auditCommand(port: AdminPort, sub: string | undefined, argv: string[]): Promise<void> {
  if (sub !== 'export') throw new UsageError(USAGE);
  const f = flags(argv, { org: { type: 'string' }, user: { type: 'string' }, limit: { type: 'string' } });
  const filter: { orgId?: string; userId?: string; limit: number } = { limit: Number.MAX_SAFE_INTEGER };
  if (typeof f.org === 'string') {
    if (!UUID.test(f.org)) throw new UsageError('--org must be an organization id');
    filter.orgId = f.org;
  }
  if (typeof f.user === 'string') {
    // An id is taken as is, so the events of a user who no longer exists can still be exported.
    if (f.user.includes('@')) filter.userId = (await port.findUser(f.user.trim())).id;
    else if (UUID.test(f.user)) filter.userId = f.user;
    else throw new UsageError('--user must be an e-mail address or a user id');
  }
  if (typeof f.limit === 'string') {
    if (!/^\d{1,9}$/.test(f.limit) || Number(f.limit) < 1)
      throw new UsageError('--limit must be a positive integer');
    filter.limit = Number(f.limit);
  }
  for (const event of await port.auditEvents(filter)) process.stdout.write(`${JSON.stringify(event)}\n`);
}
