// U6: a view of the system of record that tells `hook` of every audit event once it is durable —
// at once for an event appended outside a transaction, after the commit for one appended inside
// (an event of a transaction that rolled back is never told). One hook covers every path that
// audits (pages, sign-in enrollment, CLI, admin API) without each calling the notifier.
import type { SystemOfRecord } from '../store/ports.ts';
import type { NewAuditEvent } from '../store/records.ts';

export type AuditHook = (event: NewAuditEvent) => void;

function view(target: SystemOfRecord, onAppended: (e: NewAuditEvent) => void, hook: AuditHook) {
  return new Proxy(target, {
    get(t, name, receiver) {
      if (name === 'appendAudit') {
        return async (event: NewAuditEvent) => {
          const stored = await t.appendAudit(event);
          onAppended(event);
          return stored;
        };
      }
      if (name === 'transaction') {
        return async <T>(fn: (tx: SystemOfRecord) => Promise<T>): Promise<T> => {
          const pending: NewAuditEvent[] = [];
          const result = await t.transaction((tx) => fn(view(tx, (e) => pending.push(e), hook)));
          for (const e of pending) onAppended(e);
          return result;
        };
      }
      const value = Reflect.get(t, name, receiver);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}

export function withAuditHook(sor: SystemOfRecord, hook: AuditHook): SystemOfRecord {
  return view(sor, hook, hook);
}
