// A1: the OpenAPI 3.1 document of the admin API, generated from the route table and its zod
// schemas (zod 4's JSON Schema output is draft 2020-12, the dialect of OpenAPI 3.1).
import { z } from 'zod';
import type { AdminRoute } from './route.ts';
import { components } from './schemas.ts';

const REF = (id: string) => `#/components/schemas/${id}`;
const PROBLEM = { 'application/problem+json': { schema: { $ref: REF('Problem') } } };

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const id = components.get(schema)?.id;
  if (id) return { $ref: REF(id) };
  const toJson = z.toJSONSchema as (s: z.ZodType, o: object) => Record<string, unknown>;
  const { $schema: _s, ...rest } = toJson(schema, {
    io,
    unrepresentable: 'any',
    metadata: components,
    uri: REF,
  });
  return rest;
}

function parameters(r: AdminRoute) {
  const list: object[] = [];
  for (const [where, schema] of [
    ['path', r.params],
    ['query', r.query],
  ] as const) {
    if (!schema) continue;
    const s = jsonSchema(schema, 'input') as { properties?: Record<string, object>; required?: string[] };
    for (const [name, prop] of Object.entries(s.properties ?? {})) {
      list.push({
        name,
        in: where,
        required: where === 'path' || (s.required ?? []).includes(name),
        schema: prop,
      });
    }
  }
  return list;
}

function operation(r: AdminRoute) {
  const responses: Record<string, object> = {};
  for (const [status, res] of Object.entries(r.responses)) {
    responses[status] = res.schema
      ? {
          description: res.description,
          content: { 'application/json': { schema: jsonSchema(res.schema, 'output') } },
        }
      : { description: res.description };
  }
  const problems: Record<string, string> = {
    400: 'Invalid request',
    401: 'No or invalid access token',
    403: 'Scope or organization not allowed',
    404: 'Not found',
    409: 'Conflict',
    429: 'Rate limited',
    503: 'A store is unavailable',
  };
  for (const [status, description] of Object.entries(problems))
    responses[status] = { description, content: PROBLEM };
  return {
    operationId: r.operationId,
    summary: r.summary,
    ...(r.description ? { description: r.description } : {}),
    tags: [r.tag],
    security: [{ clientCredentials: [r.scope] }],
    parameters: parameters(r),
    ...(r.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(r.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

export function openApiDocument(routes: AdminRoute[], issuer: string): Record<string, unknown> {
  const paths: Record<string, Record<string, object>> = {};
  for (const r of routes) paths[r.path] = { ...paths[r.path], [r.method]: operation(r) };
  const schemas: Record<string, object> = {};
  for (const [id, s] of Object.entries(
    z.toJSONSchema(components, { uri: REF, unrepresentable: 'any' }).schemas,
  )) {
    const { $schema: _s, $id: _i, ...rest } = s as Record<string, unknown>;
    schemas[id] = rest;
  }
  return {
    openapi: '3.1.1',
    info: { title: 'Deadbolt admin API', version: '1' },
    servers: [{ url: `${issuer}/admin/v1` }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        clientCredentials: {
          type: 'oauth2',
          description: 'An access token from the client-credentials grant at this issuer (opaque).',
          flows: {
            clientCredentials: {
              tokenUrl: `${issuer}/token`,
              scopes: {
                'admin:read': 'read organizations, users, factors, clients, SSO, audit events',
                'admin:write': 'create, change and delete them',
                'admin:mfa-reset': "reset a user's MFA",
              },
            },
          },
        },
      },
    },
  };
}
