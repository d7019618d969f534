// deadbolt — operator CLI. Prints JSON. Uses the same configuration (environment) as the server:
// the embedded PGlite under DATA_DIR, or DATABASE_URL. With the embedded store, stop the server
// first (PGlite is single-process), or send the command to the running server's admin API with
// `--url` and client credentials (A3, src/cli/remote.ts); the commands call the admin port
// (src/cli/port.ts) either way, so they print the same JSON.
import pino from 'pino';
import { type Config, ConfigError, loadConfig } from '../config/index.ts';
import { withNotifications } from '../core/notifications.ts';
import { createMailer } from '../mail/index.ts';
import { createMailService } from '../mail/service.ts';
import { builtInClients } from '../oidc/built-in-clients.ts';
import { type ClientRegistry, createClientRegistry } from '../oidc/client-registry.ts';
import { diagnose, formatChecks } from '../ops/doctor.ts';
import { createMemoryStore, openEphemeralStore } from '../store/ephemeral/index.ts';
import type { SystemOfRecord } from '../store/ports.ts';
import { DataDirLockedError, openSystemOfRecord } from '../store/sor/index.ts';
import { print, UsageError } from './args.ts';
import { auditCommand } from './audit.ts';
import { clientCommand } from './clients.ts';
import { memberCommand, orgCommand, userCommand } from './directory.ts';
import { HELP, wantsHelp } from './help.ts';
import { generateKey, keysCommand } from './keys.ts';
import { mfaCommand } from './mfa.ts';
import type { AdminPort } from './port.ts';
import { httpPort } from './port-http.ts';
import { localPort } from './port-local.ts';
import { ApiError, parseGlobal, type RemoteTarget } from './remote.ts';
import { ssoCommand } from './sso.ts';
import { ssoRemoteCommand } from './sso-remote.ts';
import { importCommand } from './users-import.ts';

const USAGE = `usage: deadbolt [--url URL --client-id ID --client-secret-stdin] <command>
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
holds it, and the CLI refuses until it stops (A3). With DATABASE_URL the CLI runs side by side.
--url URL (or DEADBOLT_URL) sends org, user, member, client, mfa and audit commands to a running
server's admin API instead, with a client-credentials token of --client-id (DEADBOLT_CLIENT_ID) and
the secret read from stdin by --client-secret-stdin (its first line), or DEADBOLT_CLIENT_SECRET.
Exit codes: 0 done, 1 failed, 2 usage or not found, 3 refused by the API (401, 403).`;

/** The scopes a command needs of the admin API (reads also resolve e-mail addresses to ids). */
function scopeOf(group: string, sub: string | undefined): string {
  if (group === 'mfa') return 'admin:read admin:mfa-reset';
  const reads = sub === 'list' || sub === 'show' || group === 'audit';
  return reads ? 'admin:read' : 'admin:read admin:write';
}

async function dispatch(port: AdminPort, group: string, sub: string | undefined, rest: string[]) {
  if (group === 'org') await orgCommand(port, sub, rest);
  else if (group === 'user') await userCommand(port, sub, rest);
  else if (group === 'member') await memberCommand(port, sub, rest);
  else if (group === 'client') await clientCommand(port, sub, rest);
  else if (group === 'mfa') await mfaCommand(port, sub, rest);
  else if (group === 'audit') await auditCommand(port, sub, rest);
  else throw new UsageError(USAGE);
}

async function runRemote(target: RemoteTarget, group: string, sub: string | undefined, rest: string[]) {
  if (group === 'sso') {
    await target.secret(); // the first line of stdin; a --client-secret-stdin secret is the next
    await ssoRemoteCommand(httpPort(target, scopeOf(group, sub)).call, sub, rest);
    return 0;
  }
  if (group === 'keys' || group === 'doctor' || (group === 'user' && sub === 'import'))
    throw new UsageError(`${group}${sub ? ` ${sub}` : ''} runs against the store only, not with --url`);
  await target.secret(); // the first line of stdin, before a command reads the rest (--password-stdin)
  await dispatch(httpPort(target, scopeOf(group, sub)), group, sub, rest);
  return 0;
}

/** A3: the exact command that does the same through the running server's admin API. */
function viaApi(issuer: string, argv: string[]): string {
  const shown: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    // Never repeat a password or secret given on the command line.
    if (a === '--password' || a === '--secret') {
      i++;
      if (a === '--password') shown.push('--password-stdin');
    } else shown.push(/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  }
  return (
    `\nWhile it runs, send the command to its admin API instead:\n` +
    `  deadbolt --url ${issuer} --client-id CLIENT_ID --client-secret-stdin ${shown.join(' ')}\n` +
    '(CLIENT_ID: a client with admin scopes, e.g. `deadbolt client add --id ops --admin-scopes ' +
    '"admin:read admin:write admin:mfa-reset"` run once while the server is stopped; its secret is ' +
    'the first line on stdin)'
  );
}

async function doctorCommand(json: boolean): Promise<number> {
  const checks = await diagnose();
  if (json) print(checks);
  else process.stdout.write(`${formatChecks(checks)}\n`);
  const failed = checks.filter((c) => c.status === 'fail').length;
  if (failed > 0 && !json) process.stdout.write(`\n${failed} problem(s) to fix.\n`);
  return failed > 0 ? 1 : 0;
}

async function run(all: string[]): Promise<number> {
  const { target, rest: argv } = parseGlobal(all, process.env);
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
  if (target) return runRemote(target, group, sub, rest);
  // A6: before loadConfig, whose errors are among the things it reports.
  if (group === 'doctor') return doctorCommand(rest.includes('--json') || sub === '--json');
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
  }).catch((err: unknown) => {
    if (err instanceof DataDirLockedError) err.message += viaApi(config.issuer, argv);
    throw err;
  });
  // U6: a support reset (and any other audited change) mails its notice, as on the server.
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const mail = createMailService(createMailer(config.mail, logger), createMemoryStore(), config.mail, logger);
  const { sor, notifier } = withNotifications(store, mail, logger);
  try {
    if (group === 'user' && sub === 'import') return await importCommand(sor, config, rest);
    if (group === 'sso') await ssoCommand(sor, config, sub, rest);
    else if (group === 'keys') return await keysCommand(sor, config, sub, rest);
    else
      await withRegistry(config, sor, (registry) =>
        dispatch(localPort(sor, config, registry), group, sub, rest),
      );
    return 0;
  } finally {
    await notifier.flush();
    await sor.close();
  }
}

/**
 * The client registry of the local port. With REDIS_URL its changes are published, so the running
 * instances drop their cached copy at once (A2); without, they see a change within 30 s.
 */
async function withRegistry(
  config: Config,
  sor: SystemOfRecord,
  fn: (registry: ClientRegistry) => Promise<void>,
): Promise<void> {
  const eph = config.redis
    ? openEphemeralStore({ redis: config.redis, keyPrefix: config.redisKeyPrefix })
    : undefined;
  const onPublishError = () =>
    process.stderr.write(
      'deadbolt: saved, but the running servers could not be told (Redis); they see it within 30 s\n',
    );
  try {
    await fn(
      createClientRegistry(sor, config, builtInClients(config), { changes: eph?.changes, onPublishError }),
    );
  } finally {
    await eph?.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ApiError) {
      process.stderr.write(`deadbolt: ${err.message}\n`);
      process.exit(err.exitCode);
    }
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
