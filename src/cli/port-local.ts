// A3: the admin port over the system of record (the embedded store or DATABASE_URL): what the CLI
// did before API mode, returning the same views the admin API answers (src/admin/views.ts).
import { orgView } from '../admin/views.ts';
import type { Config } from '../config/index.ts';
import { hashPassword } from '../crypto/password.ts';
import type { ClientRegistry } from '../oidc/client-registry.ts';
import type { SystemOfRecord } from '../store/ports.ts';
import type { AuditEvent, User } from '../store/records.ts';
import { UsageError } from './args.ts';
import { resetMfaLocally } from './mfa-local.ts';
import type { AdminPort, AuditLine, ClientPort, UserOut } from './port.ts';

const publicUser = (u: User): UserOut => ({ id: u.id, email: u.email, createdAt: u.createdAt.toISOString() });

const toLine = (e: AuditEvent): AuditLine => ({
  id: e.id,
  at: e.at.toISOString(),
  action: e.action,
  actorUserId: e.actorUserId,
  actorLabel: e.actorLabel,
  targetUserId: e.targetUserId,
  orgId: e.orgId,
  ip: e.ip,
  userAgent: e.userAgent,
  details: e.details,
});

export function localPort(sor: SystemOfRecord, config: Config, registry: ClientRegistry): AdminPort {
  async function findOrg(id: string) {
    const org = await sor.findOrgById(id).catch(() => undefined);
    if (!org) throw new UsageError(`no organization ${id}`);
    return org;
  }
  return {
    listOrgs: async () => (await sor.listOrgs()).map(orgView),
    createOrg: async (input) => orgView(await sor.createOrg(input)),
    async updateOrg(id, patch) {
      const org = await findOrg(id);
      const updated = await sor.updateOrg(org.id, patch);
      if (!updated) throw new UsageError(`no organization ${id}`);
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
      return orgView(updated);
    },
    assertOrg: async (id) => void (await findOrg(id)),
    listUsers: async () => (await sor.listUsers()).map(publicUser),
    async findUser(ref) {
      const user = ref.includes('@')
        ? await sor.findUserByEmail(ref)
        : await sor.findUserById(ref).catch(() => undefined);
      if (!user) throw new UsageError(`no user ${ref}`);
      return publicUser(user);
    },
    async createUser({ email, password, orgId, role, emailVerified }) {
      if (orgId) await findOrg(orgId);
      const passwordHash = await hashPassword(password);
      const user = await sor.transaction(async (tx) => {
        const created = await tx.createUser({ email, passwordHash, emailVerified: emailVerified === true });
        if (orgId) await tx.setMembership(created.id, orgId, role);
        return created;
      });
      return { ...publicUser(user), memberships: orgId ? [{ orgId, role }] : [] };
    },
    async listMembers(orgId) {
      await findOrg(orgId);
      return (await sor.listMembersOfOrg(orgId)).map((m) => ({ role: m.role, user: publicUser(m.user) }));
    },
    async setMembership(userId, orgId, role) {
      await sor.setMembership(userId, orgId, role);
      return { userId, orgId, role };
    },
    removeMembership: (userId, orgId) => sor.removeMembership(userId, orgId),
    resetMfa: (user, who) => resetMfaLocally(sor, config, user, who),
    // listAudit answers the newest first (so a limit keeps the most recent); the export reads in order.
    auditEvents: async (filter) => (await sor.listAudit(filter)).reverse().map(toLine),
    ...localClients(registry),
  };
}

/** The client half of the local port (also what `clientCommand` makes of a bare registry). */
export function localClients(registry: ClientRegistry): ClientPort {
  return {
    local: true,
    listClients: () => registry.listPublic(),
    clientExists: async (id) => (await registry.findPublic(id)) !== undefined,
    async addClient(client) {
      return { ...(await registry.save(client)), client_secret: client.client_secret };
    },
    async removeClient(id) {
      if (registry.builtIn.some((c) => c.client_id === id)) throw new UsageError(`client ${id} is built in`);
      return registry.remove(id);
    },
  };
}
