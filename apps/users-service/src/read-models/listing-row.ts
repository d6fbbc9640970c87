import { isUuid } from '@warden/event-store';
import { Pool } from 'pg';

/**
 * The one listing row a query names by id (`sql` takes it as $1), or undefined. An id that
 * is no UUID names nothing: it reads as absent, as an unknown stream did, and never
 * reaches PostgreSQL's uuid parser.
 */
export async function listingRowById<Row extends object>(pool: Pool, sql: string, id: string): Promise<Row | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await pool.query<Row>(sql, [id]);
  return rows[0];
}
