// CLI: the support reset of a user's MFA (R2). A support operator who has verified the identity of a
// locked-out user (typically a sole owner, whom no organization admin can reset, R1) removes all
// their factors and backup codes; the user enrolls again at the next sign-in where MFA is
// mandatory. The operator and the reason are recorded in the audit log (R3). Through the admin
// port: the store (src/cli/mfa-local.ts) or a running server's admin API (--url, A3).
import { flags, print, required, UsageError } from './args.ts';
import type { AdminPort } from './port.ts';

const USAGE =
  'mfa reset --user EMAIL|ID --operator NAME --reason TEXT --identity-verified\n' +
  "  Removes all the user's factors and backup codes and ends their sessions (REDIS_URL).\n" +
  "  Only after verifying the person's identity through the support procedure.";

export async function mfaCommand(port: AdminPort, sub: string | undefined, argv: string[]): Promise<void> {
  if (sub !== 'reset') throw new UsageError(USAGE);
  const f = flags(argv, {
    user: { type: 'string' },
    operator: { type: 'string' },
    reason: { type: 'string' },
    'identity-verified': { type: 'boolean' },
  });
  // Every precondition is checked before anything changes.
  const ref = required(f, 'user').trim();
  const operator = required(f, 'operator').trim();
  const reason = required(f, 'reason').trim();
  // A3: a display name such as "jo (support)" — letters, digits, spaces and . _ @ + - ( ) , '
  // (any script); bounded, no control characters.
  if (!/^[\p{L}\p{M}\p{N} ._@+\-(),']{1,64}$/u.test(operator))
    throw new UsageError(
      "--operator must be 1-64 characters of letters, digits, spaces and . _ @ + - ( ) , '",
    );
  if (reason.length < 3 || reason.length > 500) throw new UsageError('--reason must be 3-500 characters');
  if (f['identity-verified'] !== true) {
    throw new UsageError(
      "--identity-verified is required: confirm that you verified the person's identity before resetting",
    );
  }
  const user = await port.findUser(ref);
  // Local: src/cli/mfa-local.ts; API mode: POST /admin/v1/users/{id}/factors/reset (V3 on the server).
  print(await port.resetMfa(user, { operator, reason }));
}
