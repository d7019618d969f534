// A3: `deadbolt <group> --help` (or `deadbolt help <group>`) prints the group's commands and every
// flag they accept. Printed before any configuration is read or store opened, so it always works.

export const HELP: Record<string, string> = {
  org: `org list
org create --name NAME [--plan free|paid] [--require-mfa]
org set --id ORG [--plan free|paid] [--require-mfa on|off]
  --name          the organization's display name
  --plan          free (default) or paid
  --require-mfa   create: require MFA of every member; set: on | off`,
  user: `user list
user create --email EMAIL (--password P | --password-stdin) [--org ORG --role owner|admin|member] [--email-verified]
user import FILE [--create-orgs] [--dry-run] [--batch-size N]
  --email           the sign-in e-mail address
  --password        the initial password (visible in the process list; prefer --password-stdin)
  --password-stdin  read the password from stdin
  --org, --role     also make the user a member of ORG (role member by default)
  import: JSON lines or CSV (email,password_hash,org,role,totp_secret); existing hashes (argon2,
  bcrypt, scrypt, PBKDF2) are kept as given and rehashed to argon2id at the next sign-in (A4)
  --create-orgs     create an organization named in the file that does not exist yet
  --dry-run         validate and report, write nothing
  --batch-size      rows per transaction (default 1000)`,
  member: `member list --org ORG
member add --user EMAIL|ID --org ORG [--role owner|admin|member]
member remove --user EMAIL|ID --org ORG
  --user   an e-mail address or a user id
  --org    an organization id
  --role   owner | admin | member (default member)`,
  client: `client list
client add --id ID --redirect-uri URI [--redirect-uri …] [--post-logout-redirect-uri URI] [--name N]
  [--first-party] [--public | --secret S | --auth-method client_secret_basic|client_secret_post|private_key_jwt|none]
  [--jwks-file F | --jwks-uri URI] [--introspection-allowed] [--backchannel-logout-uri URI]
client remove --id ID
  --first-party            skip the consent screen
  --public                 no secret (PKCE only), token_endpoint_auth_method none
  --introspection-allowed  a resource server that may introspect other clients' tokens (I3)`,
  sso: `sso set --org ID --issuer URL --client-id ID [--client-secret-stdin | --public-client]
        --domains a.com,b.com [--scopes "openid email profile"] [--enforced]
        [--trust-upstream-mfa-only] [--jit]
sso show --org ID
sso remove --org ID
  --client-secret-stdin      read the upstream client secret from stdin (sealed at rest)
  --public-client            no client secret (PKCE only)
  --enforced                 members must sign in through SSO (P2)
  --trust-upstream-mfa-only  exempt from MFA only when the upstream reports MFA
  --jit                      create a member at the first sign-in of an unknown e-mail`,
  mfa: `mfa reset --user EMAIL|ID --operator NAME --reason TEXT --identity-verified
  Removes all the user's factors and backup codes and ends their sessions (R2, V3).
  --operator           who does the reset, e.g. "jo (support)" (1-64 characters, recorded in the audit log)
  --reason             why, e.g. the ticket (3-500 characters)
  --identity-verified  confirms that you verified the person's identity`,
  audit: `audit export [--org ID] [--user EMAIL|ID] [--limit N]
  JSON lines, oldest first
  --org    only events of this organization
  --user   only events whose target is this user
  --limit  only the N most recent`,
  keys: `keys generate [--kid ID]
keys rotate
  generate  prints a new "kid:key" entry to put first in FACTOR_ENCRYPTION_KEYS
  --kid     the new key's id (default: from the date)
  rotate    re-encrypts every stored secret (TOTP, SSO client secrets) under the first (current) key`,
  api: `deadbolt --url URL --client-id ID --client-secret-stdin <group> <command> [flags]
  Sends org, user, member, client, sso, mfa and audit commands to a running server's admin API
  (/admin/v1) instead of the store, e.g. while a server holds the embedded DATA_DIR (A3). Same flags;
  sso prints the API's view of the connection. Not for keys, doctor or user import.
  --url                  the server's ISSUER (https://, or http:// on a loopback address); DEADBOLT_URL
  --client-id            a client with admin scopes (client add --admin-scopes …); DEADBOLT_CLIENT_ID
  --client-secret-stdin  its secret is the first line of stdin (a --password-stdin password the
                         second); or DEADBOLT_CLIENT_SECRET. Never a secret on the command line.
  Exit codes: 0 done, 1 failed (5xx, conflict), 2 usage or not found (4xx), 3 refused (401, 403)`,
  doctor: `doctor [--json]
  Checks this deployment's configuration and stores (keys, issuer, proxy, database and Redis
  reachability and latency, clock skew, SMS) and prints what to fix; exit 1 when something is wrong (A6).`,
};

/** `--help` / `-h` anywhere after the group asks for its help. */
export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}
