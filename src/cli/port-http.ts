// A3: the admin port over a running server's admin API (/admin/v1, A1). One client-credentials
// token with the scopes the command needs; problem+json answers become ApiErrors (remote.ts).

import { UsageError } from './args.ts';
import type { AdminPort, AuditLine, CreatedUserOut, OrgOut, UserOut } from './port.ts';
import { ApiError, exitCodeOf, type RemoteTarget, tokenFor } from './remote.ts';

interface Problem {
  title?: string;
  detail?: string;
}

/** A call to /admin/v1 with the port's token; problem+json answers throw ApiError. */
export type AdminCall = <T>(
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: T }>;

export function httpPort(target: RemoteTarget, scope: string): AdminPort & { call: AdminCall } {
  const call = adminCaller(target, scope);
  const api: Api = {
    call,
    get: async <T>(path: string) => (await call<T>('GET', path)).body,
    deleted: (path) => deleted(call, path),
    users: async () =>
      (await api.get<{ items: CreatedUserOut[] }>('/users')).items.map(
        (u): UserOut => ({ id: u.id, email: u.email, createdAt: u.createdAt }),
      ),
  };
  return { call, local: false, ...orgCalls(api), ...userCalls(api), ...clientCalls(api) };
}

/** The port's call: one token (asked for on first use), JSON in and out, problems as ApiError. */
function adminCaller(target: RemoteTarget, scope: string): AdminCall {
  let token: Promise<string> | undefined;
  return async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    token ??= tokenFor(target, scope);
    const url = new URL(
      `admin/v1${path}`,
      target.url.href.endsWith('/') ? target.url : `${target.url.href}/`,
    );
    const bearer = await token;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${bearer}`,
          accept: 'application/json',
          'user-agent': 'deadbolt-cli',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(`cannot reach ${url.origin}: ${(err as Error).message}`, 1);
    }
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (res.ok) return { status: res.status, body: parsed as T };
    const p = (parsed ?? {}) as Problem;
    const what = [p.title, p.detail].filter(Boolean).join(': ') || res.statusText;
    throw new ApiError(`${res.status} ${what} (${method} ${url.pathname})`, exitCodeOf(res.status));
  };
}

/** 404 → false (e.g. a membership that was not there), like the store's answer. */
async function deleted(call: AdminCall, path: string): Promise<boolean> {
  try {
    await call('DELETE', path);
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.exitCode === 2 && /^404 /.test(err.message)) return false;
    throw err;
  }
}

interface Api {
  call: AdminCall;
  get<T>(path: string): Promise<T>;
  deleted(path: string): Promise<boolean>;
  users(): Promise<UserOut[]>;
}

const enc = encodeURIComponent;

function orgCalls({ call, get, deleted, users }: Api) {
  return {
    listOrgs: async () => (await get<{ items: OrgOut[] }>('/organizations')).items,
    createOrg: async (input) => (await call<OrgOut>('POST', '/organizations', input)).body,
    updateOrg: async (id, patch) => (await call<OrgOut>('PATCH', `/organizations/${enc(id)}`, patch)).body,
    assertOrg: async (id) => void (await get(`/organizations/${enc(id)}`)),
    async listMembers(orgId) {
      const [members, all] = await Promise.all([
        get<{ items: { userId: string; role: 'owner' | 'admin' | 'member'; email: string }[] }>(
          `/organizations/${enc(orgId)}/members`,
        ),
        users(),
      ]);
      const byId = new Map(all.map((u) => [u.id, u]));
      return members.items.map((m) => ({
        role: m.role,
        user: byId.get(m.userId) ?? { id: m.userId, email: m.email, createdAt: '' },
      }));
    },
    setMembership: async (userId, orgId, role) =>
      (
        await call<{ userId: string; orgId: string; role: typeof role }>(
          'PUT',
          `/organizations/${enc(orgId)}/members/${enc(userId)}`,
          { role },
        )
      ).body,
    removeMembership: (userId, orgId) => deleted(`/organizations/${enc(orgId)}/members/${enc(userId)}`),
  } satisfies Partial<AdminPort>;
}

function userCalls({ call, get, users }: Api) {
  return {
    listUsers: users,
    async findUser(ref) {
      if (!ref.includes('@')) {
        const u = await get<CreatedUserOut>(`/users/${enc(ref)}`);
        return { id: u.id, email: u.email, createdAt: u.createdAt };
      }
      const found = (await users()).find((u) => u.email.toLowerCase() === ref.toLowerCase());
      if (!found) throw new UsageError(`no user ${ref}`);
      return found;
    },
    createUser: async (input) => (await call<CreatedUserOut>('POST', '/users', input)).body,
    async resetMfa(user, who) {
      const factors = await get<{ items: { type: string }[] }>(`/users/${enc(user.id)}/factors`);
      const removed: Record<string, number> = {};
      for (const f of factors.items) removed[f.type] = (removed[f.type] ?? 0) + 1;
      // The API records the client as the actor; the operator who did it goes with the reason (R3).
      const reason = `${who.reason} (operator: ${who.operator})`.slice(0, 500);
      const r = await call<{ userId: string; removedFactors: number; sessionsEnded: number | null }>(
        'POST',
        `/users/${enc(user.id)}/factors/reset`,
        { reason },
      );
      return { ...r.body, email: user.email, removed };
    },
    auditEvents: (filter) => auditPages(get, filter),
  } satisfies Partial<AdminPort>;
}

function clientCalls({ call, get, deleted }: Api) {
  return {
    listClients: async () => (await get<{ items: never[] }>('/clients')).items,
    async clientExists(id) {
      try {
        await get(`/clients/${enc(id)}`);
        return true;
      } catch (err) {
        if (err instanceof ApiError && /^404 /.test(err.message)) return false;
        throw err;
      }
    },
    async addClient(client) {
      const { client_secret: _generatedByTheServer, ...metadata } = client;
      return (await call<never>('POST', '/clients', metadata)).body;
    },
    removeClient: (id) => deleted(`/clients/${enc(id)}`),
  } satisfies Partial<AdminPort>;
}

/** Every page of /audit-events (newest first) up to the limit, returned oldest first. */
async function auditPages(
  get: <T>(path: string) => Promise<T>,
  filter: { orgId?: string; userId?: string; limit: number },
): Promise<AuditLine[]> {
  const out: AuditLine[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({ limit: String(Math.min(200, filter.limit - out.length)) });
    if (filter.orgId) q.set('orgId', filter.orgId);
    if (filter.userId) q.set('userId', filter.userId);
    if (cursor) q.set('cursor', cursor);
    const page: { items: AuditLine[]; nextCursor: string | null } = await get(`/audit-events?${q}`);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && out.length < filter.limit);
  return out.reverse();
}
