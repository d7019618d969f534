// Demo data for `npm start` on an empty store: two organizations and their people, printed at start.
import { hashPassword } from '../crypto/password.ts';
import type { SystemOfRecord } from '../store/ports.ts';

export const DEMO_PASSWORD = 'correct-horse-battery-staple';

export const DEMO_PEOPLE = [
  { email: 'owner@acme.test', org: 'Acme (free plan)', role: 'owner' },
  { email: 'member@acme.test', org: 'Acme (free plan)', role: 'member' },
  { email: 'member@globex.test', org: 'Globex (paid plan)', role: 'member' },
] as const;

export async function seedDemo(sor: SystemOfRecord): Promise<boolean> {
  if ((await sor.listUsers()).length > 0) return false;
  await sor.transaction(async (tx) => {
    const acme = await tx.createOrg({ name: 'Acme (free plan)', plan: 'free' });
    const globex = await tx.createOrg({ name: 'Globex (paid plan)', plan: 'paid' });
    const orgs = { [acme.name]: acme.id, [globex.name]: globex.id };
    const hash = await hashPassword(DEMO_PASSWORD);
    for (const p of DEMO_PEOPLE) {
      const user = await tx.createUser({ email: p.email, passwordHash: hash });
      await tx.setMembership(user.id, orgs[p.org], p.role);
    }
  });
  return true;
}
