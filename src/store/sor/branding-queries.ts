// X9: an organization's branding in the system of record (one row per organization).
import type { Kysely } from 'kysely';
import type { BrandingPatch, OrgBranding } from '../records.ts';
import { isUuid } from './account-queries.ts';
import type { Database } from './schema.ts';

type Db = Kysely<Database>;

const columns = ['org_id', 'display_name', 'accent_color', 'logo_type', 'updated_at'] as const;

function toBranding(r: {
  org_id: string;
  display_name: string | null;
  accent_color: string | null;
  logo_type: string | null;
  updated_at: Date;
}): OrgBranding {
  return {
    orgId: r.org_id,
    displayName: r.display_name,
    accentColor: r.accent_color,
    logoType: r.logo_type,
    updatedAt: r.updated_at,
  };
}

export async function findBranding(db: Db, orgId: string): Promise<OrgBranding | undefined> {
  if (!isUuid(orgId)) return undefined;
  const row = await db
    .selectFrom('org_branding')
    .select(columns)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return row && toBranding(row);
}

export async function findBrandingLogo(
  db: Db,
  orgId: string,
): Promise<{ bytes: Uint8Array; type: string } | undefined> {
  if (!isUuid(orgId)) return undefined;
  const row = await db
    .selectFrom('org_branding')
    .select(['logo', 'logo_type'])
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return row?.logo && row.logo_type ? { bytes: row.logo, type: row.logo_type } : undefined;
}

export async function saveBranding(db: Db, orgId: string, patch: BrandingPatch): Promise<OrgBranding> {
  const set = {
    ...(patch.displayName !== undefined ? { display_name: patch.displayName } : {}),
    ...(patch.accentColor !== undefined ? { accent_color: patch.accentColor } : {}),
    ...(patch.logo !== undefined
      ? { logo: patch.logo?.bytes ?? null, logo_type: patch.logo?.type ?? null }
      : {}),
  };
  const row = await db
    .insertInto('org_branding')
    .values({ org_id: orgId, ...set })
    .onConflict((oc) => oc.column('org_id').doUpdateSet({ ...set, updated_at: new Date() }))
    .returning(columns)
    .executeTakeFirstOrThrow();
  return toBranding(row);
}
