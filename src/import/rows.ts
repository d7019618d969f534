// A4: the rows of an import file — JSON lines or CSV with a header — checked one by one. Columns:
// email, password_hash, org (name or id, optional), role (owner|admin|member, default member),
// totp_secret (base32, optional), email_verified (true/false, optional; U5). A bad row becomes a rejection with its line number and reason;
// the others go on.
import { parse } from 'csv-parse/sync';
import { hashFormat } from '../crypto/password-formats.ts';
import type { Role } from '../store/records.ts';

export interface ImportRow {
  line: number;
  email: string;
  passwordHash: string;
  org: string | null;
  role: Role;
  /** Normalized base32 (upper case, no spaces or padding). */
  totpSecret: string | null;
  /** U5: the address was verified where the users come from. */
  emailVerified: boolean;
}

export interface Rejection {
  line: number;
  email?: string;
  reason: string;
}

const ROLES: readonly Role[] = ['owner', 'admin', 'member'];
const EMAIL = /^[^\s@]+@[^\s@]+$/;
/** 80 bits (16 base32 characters) at least, as most authenticator exports carry; 512 at most. */
const BASE32 = /^[A-Z2-7]{16,103}$/;

type Raw = Record<string, unknown>;

function text(raw: Raw, key: string): string {
  const v = raw[key];
  return typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';
}

/** One row, checked: the row or the reason it is refused. */
export function checkRow(raw: Raw, line: number): ImportRow | Rejection {
  const email = text(raw, 'email');
  const refuse = (reason: string): Rejection => ({ line, ...(email ? { email } : {}), reason });
  if (!EMAIL.test(email) || email.length > 254) return refuse('email: not an e-mail address');
  const passwordHash = text(raw, 'password_hash');
  if (!passwordHash) return refuse('password_hash: missing');
  if (passwordHash.length > 512 || !hashFormat(passwordHash))
    return refuse('password_hash: not a supported format (argon2, bcrypt, scrypt, PBKDF2)');
  const org = text(raw, 'org') || null;
  const role = (text(raw, 'role') || 'member').toLowerCase();
  if (!(ROLES as readonly string[]).includes(role)) return refuse('role: must be owner, admin or member');
  if (role !== 'member' && !org) return refuse('role: given without an org');
  const secret = text(raw, 'totp_secret').replace(/[\s-]/g, '').replace(/=+$/, '').toUpperCase();
  if (secret && !BASE32.test(secret)) return refuse('totp_secret: not base32 of 80-512 bits');
  const verified = raw.email_verified === true ? 'true' : text(raw, 'email_verified').toLowerCase();
  if (!['', 'true', 'false', '1', '0', 'yes', 'no'].includes(verified) && raw.email_verified !== false)
    return refuse('email_verified: must be true or false');
  const emailVerified = ['true', '1', 'yes'].includes(verified);
  return { line, email, passwordHash, org, role: role as Role, totpSecret: secret || null, emailVerified };
}

export const isRejection = (r: ImportRow | Rejection): r is Rejection => 'reason' in r;

function jsonLines(content: string): Array<ImportRow | Rejection> {
  const out: Array<ImportRow | Rejection> = [];
  content.split(/\r?\n/).forEach((l, i) => {
    if (l.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(l);
    } catch {
      out.push({ line: i + 1, reason: 'not a JSON object' });
      return;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      out.push({ line: i + 1, reason: 'not a JSON object' });
    else out.push(checkRow(raw as Raw, i + 1));
  });
  return out;
}

function csv(content: string): Array<ImportRow | Rejection> {
  const records = parse(content, {
    columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    info: true,
  }) as Array<{ record: Raw; info: { lines: number } }>;
  return records.map(({ record, info }) => checkRow(record, info.lines));
}

export class ImportFileError extends Error {}

/** JSON lines when the file says so (.jsonl/.ndjson/.json, or it starts with "{"), else CSV. */
export function parseImportFile(name: string, content: string): Array<ImportRow | Rejection> {
  const json = /\.(jsonl|ndjson|json)$/i.test(name) || /^\uFEFF?\s*\{/.test(content);
  if (json) return jsonLines(content);
  try {
    return csv(content);
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw new ImportFileError(
      `${name}: not readable as CSV${e.lines ? ` (line ${e.lines})` : ''}: ${e.message}`,
    );
  }
}
