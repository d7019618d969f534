// Password check (L1). Unknown e-mail and wrong password take the same time and give the same
// answer: the caller cannot tell which.
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../crypto/password.ts';
import type { SystemOfRecord } from '../store/ports.ts';
import type { User } from '../store/records.ts';

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function checkPassword(
  sor: SystemOfRecord,
  email: string,
  password: string,
): Promise<User | undefined> {
  const user = await sor.findUserByEmail(email.trim());
  const hash = user?.passwordHash ?? (await DUMMY_PASSWORD_HASH());
  const ok = await verifyPassword(hash, password);
  return ok && user ? user : undefined;
}
