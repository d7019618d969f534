// CLI: organizations, users and memberships in the system of record.
import { normalizeEmail } from '../account/credentials.ts';
import { hashPassword } from '../crypto/password.ts';
import type { SystemOfRecord } from '../store/ports.ts';
import type { Plan, Role, User } from '../store/records.ts';
import { type Flags, flags, oneOf, print, readStdin, required, UsageError } from './args.ts';

const PLANS: readonly Plan[] = ['free', 'paid'];
const ROLES: readonly Role[] = ['owner', 'admin', 'member'];

const publicUser = (u: User) => ({
  id: u.id,
  email: u.email,
  emailVerified: Boolean(u.emailVerifiedAt),
  createdAt: u.createdAt,
});

export async function findUser(sor: SystemOfRecord, ref: string): Promise<User> {
  const user = ref.includes('@')
    ? await sor.findUserByEmail(ref)
    : await sor.findUserById(ref).catch(() => undefined);
  if (!user) throw new UsageError(`no user ${ref}`);
  return user;
}

async function findOrg(sor: SystemOfRecord, id: string) {
  const org = await sor.findOrgById(id).catch(() => undefined);
  if (!org) throw new UsageError(`no organization ${id}`);
  return org;
}

async function password(f: Flags): Promise<string> {
  const pw = f['password-stdin'] ? await readStdin() : f.password;
  if (typeof pw !== 'string' || pw.length < 8)
    throw new UsageError('a password of at least 8 characters is required');
  return pw;
}

export async function orgCommand(
  sor: SystemOfRecord,
  sub: string | undefined,
  argv: string[],
): Promise<void> {
  if (sub === 'list') return print(await sor.listOrgs());
  if (sub === 'create') {
    const f = flags(argv, {
      name: { type: 'string' },
      plan: { type: 'string' },
      'require-mfa': { type: 'boolean' },
    });
    const plan = oneOf(typeof f.plan === 'string' ? f.plan : 'free', PLANS, 'plan');
    return print(
      await sor.createOrg({
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
    const org = await findOrg(sor, required(f, 'id'));
    const patch: { plan?: Plan; requireMfaForAllUsers?: boolean } = {};
    if (typeof f.plan === 'string') patch.plan = oneOf(f.plan, PLANS, 'plan');
    if (typeof f['require-mfa'] === 'string')
      patch.requireMfaForAllUsers = oneOf(f['require-mfa'], ['on', 'off'], 'require-mfa') === 'on';
    const updated = await sor.updateOrg(org.id, patch);
    await sor.appendAudit({
      actorUserId: null,
      actorLabel: 'cli',
      action: 'org.updated',
      targetUserId: null,
      orgId: org.id,
      ip: null,
      userAgent: null,
      details: patch,
    });
    return print(updated);
  }
  throw new UsageError(
    'org list | org create --name N [--plan free|paid] [--require-mfa] | org set --id ID [--plan P] [--require-mfa on|off]',
  );
}

export async function userCommand(
  sor: SystemOfRecord,
  sub: string | undefined,
  argv: string[],
): Promise<void> {
  if (sub === 'list') return print((await sor.listUsers()).map(publicUser));
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
    const org = typeof f.org === 'string' ? await findOrg(sor, f.org) : undefined;
    const role = oneOf(typeof f.role === 'string' ? f.role : 'member', ROLES, 'role');
    const user = await sor.transaction(async (tx) => {
      const created = await tx.createUser({
        email,
        passwordHash: await hashPassword(pw),
        emailVerified: f['email-verified'] === true, // U5: unverified unless the operator says so
      });
      if (org) await tx.setMembership(created.id, org.id, role);
      return created;
    });
    return print({ ...publicUser(user), memberships: org ? [{ orgId: org.id, role }] : [] });
  }
  throw new UsageError(
    'user list | user create --email E (--password P | --password-stdin) [--org ID --role owner|admin|member] [--email-verified]',
  );
}

export async function memberCommand(
  sor: SystemOfRecord,
  sub: string | undefined,
  argv: string[],
): Promise<void> {
  const f = flags(argv, { user: { type: 'string' }, org: { type: 'string' }, role: { type: 'string' } });
  if (sub === 'list') {
    const org = await findOrg(sor, required(f, 'org'));
    return print(
      (await sor.listMembersOfOrg(org.id)).map((m) => ({ role: m.role, user: publicUser(m.user) })),
    );
  }
  const user = await findUser(sor, normalizeEmail(required(f, 'user')));
  const org = await findOrg(sor, required(f, 'org'));
  if (sub === 'add') {
    const role = oneOf(typeof f.role === 'string' ? f.role : 'member', ROLES, 'role');
    await sor.setMembership(user.id, org.id, role);
    return print({ userId: user.id, orgId: org.id, role });
  }
  if (sub === 'remove') return print({ removed: await sor.removeMembership(user.id, org.id) });
  throw new UsageError(
    'member list --org ID | member add --user EMAIL|ID --org ID [--role R] | member remove --user U --org ID',
  );
}
