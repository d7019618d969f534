// CLI: organizations, users and memberships, through the admin port (the system of record, or a
// running server's admin API with --url, A3).
import { normalizeEmail } from '../account/credentials.ts';
import type { Plan, Role } from '../store/records.ts';
import { type Flags, flags, oneOf, print, readStdin, required, UsageError } from './args.ts';
import type { AdminPort } from './port.ts';

const PLANS: readonly Plan[] = ['free', 'paid'];
const ROLES: readonly Role[] = ['owner', 'admin', 'member'];

async function password(f: Flags): Promise<string> {
  const pw = f['password-stdin'] ? await readStdin() : f.password;
  if (typeof pw !== 'string' || pw.length < 8)
    throw new UsageError('a password of at least 8 characters is required');
  return pw;
}

export async function orgCommand(port: AdminPort, sub: string | undefined, argv: string[]): Promise<void> {
  if (sub === 'list') return print(await port.listOrgs());
  if (sub === 'create') {
    const f = flags(argv, {
      name: { type: 'string' },
      plan: { type: 'string' },
      'require-mfa': { type: 'boolean' },
    });
    const plan = oneOf(typeof f.plan === 'string' ? f.plan : 'free', PLANS, 'plan');
    return print(
      await port.createOrg({
        name: required(f, 'name'),
        plan,
        requireMfaForAllUsers: Boolean(f['require-mfa']),
      }),
    );
  }
  if (sub === 'set') {
    const f = flags(argv, {
      id: { type: 'string' },
      plan: { type: 'string' },
      'require-mfa': { type: 'string' },
    });
    const id = required(f, 'id');
    const patch: { plan?: Plan; requireMfaForAllUsers?: boolean } = {};
    if (typeof f.plan === 'string') patch.plan = oneOf(f.plan, PLANS, 'plan');
    if (typeof f['require-mfa'] === 'string')
      patch.requireMfaForAllUsers = oneOf(f['require-mfa'], ['on', 'off'], 'require-mfa') === 'on';
    return print(await port.updateOrg(id, patch));
  }
  throw new UsageError(
    'org list | org create --name N [--plan free|paid] [--require-mfa] | org set --id ID [--plan P] [--require-mfa on|off]',
  );
}

export async function userCommand(port: AdminPort, sub: string | undefined, argv: string[]): Promise<void> {
  if (sub === 'list') return print(await port.listUsers());
  if (sub === 'create') {
    const f = flags(argv, {
      email: { type: 'string' },
      password: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      org: { type: 'string' },
      role: { type: 'string' },
      'email-verified': { type: 'boolean' },
    });
    const email = required(f, 'email').trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254)
      throw new UsageError('--email is not an e-mail address');
    const pw = await password(f);
    const orgId = typeof f.org === 'string' ? f.org : undefined;
    const role = oneOf(typeof f.role === 'string' ? f.role : 'member', ROLES, 'role');
    // U5: unverified unless the operator says so.
    const emailVerified = f['email-verified'] === true;
    return print(await port.createUser({ email, password: pw, orgId, role, emailVerified }));
  }
  throw new UsageError(
    'user list | user create --email E (--password P | --password-stdin) [--org ID --role owner|admin|member] [--email-verified]',
  );
}

export async function memberCommand(port: AdminPort, sub: string | undefined, argv: string[]): Promise<void> {
  const f = flags(argv, { user: { type: 'string' }, org: { type: 'string' }, role: { type: 'string' } });
  if (sub === 'list') return print(await port.listMembers(required(f, 'org')));
  const user = await port.findUser(normalizeEmail(required(f, 'user')));
  const orgId = required(f, 'org');
  await port.assertOrg(orgId);
  if (sub === 'add') {
    const role = oneOf(typeof f.role === 'string' ? f.role : 'member', ROLES, 'role');
    return print(await port.setMembership(user.id, orgId, role));
  }
  if (sub === 'remove') return print({ removed: await port.removeMembership(user.id, orgId) });
  throw new UsageError(
    'member list --org ID | member add --user EMAIL|ID --org ID [--role R] | member remove --user U --org ID',
  );
}
