// deadbolt — operator CLI. Prints JSON. Uses the same configuration (environment) as the server:
// the embedded PGlite under DATA_DIR, or DATABASE_URL. With the embedded store, stop the server
// first (PGlite is single-process).

import pino from 'pino';
import { ConfigError, loadConfig } from '../config/index.ts';
import { withNotifications } from '../core/notifications.ts';
import { createMailer } from '../mail/index.ts';
import { createMailService } from '../mail/service.ts';
import { builtInClients } from '../oidc/built-in-clients.ts';
import { createClientRegistry } from '../oidc/client-registry.ts';
import { diagnose, formatChecks } from '../ops/doctor.ts';
import { createMemoryStore } from '../store/ephemeral/index.ts';
import { openSystemOfRecord } from '../store/sor/index.ts';
import { print, UsageError } from './args.ts';
import { auditCommand } from './audit.ts';
import { clientCommand } from './clients.ts';
import { memberCommand, orgCommand, userCommand } from './directory.ts';
import { HELP, wantsHelp } from './help.ts';
import { generateKey, keysCommand } from './keys.ts';
import { mfaCommand } from './mfa.ts';
import { ssoCommand } from './sso.ts';
import { importCommand } from './users-import.ts';

const USAGE = `usage: deadbolt <command>
  org list | create | set          organizations (plan, require-MFA switch)
  user list | create | import      users (argon2id password hash; import with existing hashes, A4)
  member list | add | remove       memberships (owner | admin | member)
  client list | add | remove       relying-party clients (system of record; live without restart)
  sso set | show | remove          an organization's enterprise SSO connection (F1, F2)
  mfa reset                        support reset of a user's MFA after identity verification (R2)
  audit export                     the audit log as JSON lines, oldest first (R3)
  keys generate | rotate           factor-encryption keys: new key, re-encrypt stored secrets (T4)
  doctor                           check this deployment's configuration and stores (A6)
\`deadbolt <group> --help\` lists a group's commands and flags.
With the embedded store (no DATABASE_URL) only one process may open DATA_DIR: a running server
holds it, and the CLI refuses until it stops (A3). With DATABASE_URL the CLI runs side by side.`;

async function run(argv: string[]): Promise<number> {
  const [group, sub, ...rest] = argv;
  if (!group || group === 'help' || group === '--help') {
    process.stdout.write(`${USAGE}\n`);
    if (group && sub && HELP[sub]) {
      process.stdout.write(`${HELP[sub]}\n`);
      return 0;
    }
    return group ? 0 : 2;
  }
  if (HELP[group] && [sub, ...rest].some((a) => a !== undefined && wantsHelp([a]))) {
    process.stdout.write(`${HELP[group]}\n`);
    return 0;
  }
  if (group === 'doctor') {
    // A6: before loadConfig, whose errors are among the things it reports.
    const checks = await diagnose();
    if (rest.includes('--json') || sub === '--json') print(checks);
    else process.stdout.write(`${formatChecks(checks)}\n`);
    const failed = checks.filter((c) => c.status === 'fail').length;
    if (failed > 0 && !rest.includes('--json') && sub !== '--json')
      process.stdout.write(`\n${failed} problem(s) to fix.\n`);
    return failed > 0 ? 1 : 0;
  }
  const config = await loadConfig();
  if (group === 'keys' && sub !== 'rotate') {
    generateKey(config, sub, rest);
    return 0;
  }
  const store = await openSystemOfRecord({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onStaleLock: (previous) =>
      process.stderr.write(
        `deadbolt: took over a stale lock on DATA_DIR ${config.dataDir}` +
          `${previous ? ` (pid ${previous.pid}, since ${previous.startedAt}, is gone)` : ''}\n`,
      ),
  });
  // U6: a support reset (and any other audited change) mails its notice, as on the server.
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const mail = createMailService(createMailer(config.mail, logger), createMemoryStore(), config.mail, logger);
  const { sor, notifier } = withNotifications(store, mail, logger);
  try {
    if (group === 'user' && sub === 'import') return await importCommand(sor, config, rest);
    if (group === 'org') await orgCommand(sor, sub, rest);
    else if (group === 'client')
      await clientCommand(createClientRegistry(sor, config, builtInClients(config)), sub, rest);
    else if (group === 'user') await userCommand(sor, sub, rest);
    else if (group === 'member') await memberCommand(sor, sub, rest);
    else if (group === 'sso') await ssoCommand(sor, config, sub, rest);
    else if (group === 'mfa') await mfaCommand(sor, config, sub, rest);
    else if (group === 'audit') await auditCommand(sor, sub, rest);
    else if (group === 'keys') return await keysCommand(sor, config, sub, rest);
    else throw new UsageError(USAGE);
    return 0;
  } finally {
    await notifier.flush();
    await sor.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`deadbolt: ${err.message}\n`);
      process.exit(2);
    }
    const name = (err as Error).name;
    const plain = name === 'ConflictError' || name === 'DataDirLockedError';
    process.stderr.write(`deadbolt: ${plain ? (err as Error).message : String(err)}\n`);
    process.exit(1);
  },
);
