// Mails a test server "sent" (U1 outbox). Notices go out after the change commits, in the
// background (U6): wait for them.
import { type MailOutboxEntry, readMailOutbox } from '../../src/mail/outbox.ts';
import type { TestServer } from './server.ts';

export async function mailsTo(server: TestServer, to: string): Promise<MailOutboxEntry[]> {
  await server.services.notifier.flush();
  return (await readMailOutbox(server.services.config.mail.outboxFile)).filter((m) => m.to === to);
}

/** The first mail to `to` whose subject matches, waiting up to `ms` for it. */
export async function waitForMail(server: TestServer, to: string, subject: RegExp, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const found = (await mailsTo(server, to)).find((m) => subject.test(m.subject));
    if (found) return found;
    if (Date.now() > end) throw new Error(`no mail to ${to} matching ${subject}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
