// Form input (X1): only application/x-www-form-urlencoded, only flat string fields of bounded
// length, no control characters. Anything else is a clear 4xx, never a 500.
import type { Context } from 'koa';
import { HttpError } from './errors.ts';

export interface FieldSpec {
  maxLength: number;
  optional?: boolean;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export function readForm<K extends string>(ctx: Context, spec: Record<K, FieldSpec>): Record<K, string> {
  if (!ctx.is('application/x-www-form-urlencoded')) throw new HttpError(415, 'error.unsupported_type');
  const body = (ctx.request as { body?: unknown }).body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'error.bad_request');
  const out = {} as Record<K, string>;
  for (const [name, field] of Object.entries(spec) as [K, FieldSpec][]) {
    const value = (body as Record<string, unknown>)[name];
    if (value === undefined || value === '') {
      if (!field.optional) throw new HttpError(400, 'error.bad_request');
      out[name] = '';
      continue;
    }
    if (typeof value !== 'string' || value.length > field.maxLength || CONTROL.test(value)) {
      throw new HttpError(400, 'error.bad_request');
    }
    out[name] = value.normalize('NFC');
  }
  return out;
}
