// The default of uuid primary keys in the migrations.

import { sql } from 'kysely';

export const uuidPk = sql`gen_random_uuid()`; // core since PostgreSQL 13, so PGlite has it too
