// Password check (L1). Unknown e-mail and wrong password take the same time and give the same
// answer: the caller cannot tell which. A4: a hash imported in another format (or with older
// argon2 parameters) is replaced by our argon2id after the first successful check.
import { DUMMY_PASSWORD_HASH, hashPassword, needsRehash, verifyPassword } from '../crypto/password.ts';
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
  if (!ok || !user) return undefined;
  if (needsRehash(user.passwordHash)) {
    // Best effort: the sign-in stands if the write fails; the next one rehashes again.
    const upgraded = await hashPassword(password);
    await sor.setPasswordHash(user.id, upgraded).catch(() => {});
    return { ...user, passwordHash: upgraded };
  }
  return user;
}
