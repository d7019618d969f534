// I5: the APIs (resource servers, RFC 8707) that get JWT access tokens carrying acr, amr and
// auth_time. RESOURCE_SERVERS is a JSON array, e.g.
//   [{ "resource": "https://api.example.test", "scope": "read write", "accessTokenTTL": 600 }]
import { z } from 'zod';

export const resourceServerSchema = z
  .object({
    /** The resource indicator: an absolute URI without a fragment (RFC 8707 §2). */
    resource: z
      .string()
      .url()
      .refine((v) => !v.includes('#'), 'must not contain a fragment'),
    /** Space-separated scopes this API accepts. */
    scope: z
      .string()
      .regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, 'space-separated scope tokens'),
    /** Access token lifetime in seconds (default ACCESS_TOKEN_TTL_SECONDS). */
    accessTokenTTL: z.number().int().min(60).max(86_400).optional(),
  })
  .strict();

export type ResourceServer = z.infer<typeof resourceServerSchema>;

export const resourceServersSchema = z
  .string()
  .default('[]')
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array' });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(resourceServerSchema)
      .refine((list) => new Set(list.map((r) => r.resource)).size === list.length, 'duplicate resource'),
  );
