// The listings page from indexes: the users listing by its stored listed name (computed by
// PostgreSQL from the row, so the projection, its replay and a migrated listing all fill it),
// organizations by creation. A page deep in a large listing is the page the unindexed sort
// gave, and its ids are cut from the index.
import { randomUUID } from 'node:crypto';
import { PageSlice, UserListItem } from '@warden/contracts';
import { quoteIdentifier, runMigrations } from '@warden/event-store-postgres';
import { TEST_DATABASE_URL, uniqueTestId } from '@warden/testing';
import { Pool } from 'pg';
import { UsersHarness, startUsersHarness } from '../test/users-harness';
import { LISTING_COMPONENT, listingMigrations } from './listing-migrations';

// The name sort as it was before the stored column: what the listing must still order by.
const UNINDEXED_NAME = `lower(coalesce(friendly_name, nullif(trim(concat_ws(' ', first_name, last_name)), ''), username))`;
// Names whose listed form tells the cases apart: friendly name, either half of a name, blanks, case.
const NAMES: [string | null, string | null, string | null][] = [
  [null, null, null],
  ['Ada', null, null],
  [null, 'Lovelace', null],
  ['Ada', 'Lovelace', null],
  ['', '', null],
  ['  ', ' ', null],
  [' Grace', 'Hopper ', null],
  ['Ada', 'Lovelace', 'Countess'],
  [null, null, ''],
  ['ÉMILE', 'Zola', null],
];

async function insertUsers(pool: Pool, table: string, organizationId: string, count: number): Promise<void> {
  await pool.query(
    `INSERT INTO ${table} (id, organization_id, account_type, username, first_name, last_name, friendly_name, status, roles, teams, created_at)
     SELECT gen_random_uuid(), $1, 'user', 'user-' || lpad((i * 7919 % $2)::text, 6, '0') || '@acme',
       ($3::text[])[i % 10 + 1], ($4::text[])[i % 10 + 1], ($5::text[])[i % 10 + 1], 'active', '{}', '{}', now()
     FROM generate_series(1, $2::int) AS i`,
    [organizationId, count, NAMES.map((n) => n[0]), NAMES.map((n) => n[1]), NAMES.map((n) => n[2])],
  );
}

describe('the users listing index', () => {
  let h: UsersHarness;
  beforeEach(async () => {
    h = await startUsersHarness();
  });
  afterEach(() => h.dispose());

  it('lists a page deep in a large organization as the unindexed sort did, both ways, the page cut from the index', async () => {
    const table = h.ctx.listing.tables.users;
    await insertUsers(h.ctx.pool, table, h.organizationId, 3000);
    await insertUsers(h.ctx.pool, table, randomUUID(), 500); // another organization's, in the same index
    await h.ctx.pool.query(`VACUUM ANALYZE ${table}`);
    const total = 3000;
    for (const [sort, direction] of [[undefined, 'ASC'], ['-name', 'DESC']] as const) {
      for (const page of [1, 2, 75, 149, 150, 151]) {
        const listed: PageSlice<UserListItem> = await h.users.list({ context: h.admin, payload: { page, page_size: 20, sort } });
        const { rows } = await h.ctx.pool.query<{ id: string }>(
          `SELECT id FROM ${table} WHERE organization_id = $1 ORDER BY ${UNINDEXED_NAME} ${direction} NULLS LAST, id ${direction} LIMIT 20 OFFSET ${(page - 1) * 20}`,
          [h.organizationId],
        );
        expect({ sort, page, total: listed.total, ids: listed.results.map((user) => user.id) }).toEqual({ sort, page, total, ids: rows.map((row) => row.id) });
      }
    }
    // The deep page's ids can come off the index, in its order, without a sort. Sorting is
    // made dear for the planner (on 3,000 rows a scan and a sort may cost it less than the
    // index; it chose either way from one run to the next): a plan without a Sort node is
    // then one whose order the index gives.
    for (const direction of ['ASC', 'DESC']) {
      const client = await h.ctx.pool.connect();
      let rows: { 'QUERY PLAN': unknown }[];
      try {
        await client.query('BEGIN');
        await client.query('SET LOCAL enable_sort = off');
        ({ rows } = await client.query<{ 'QUERY PLAN': unknown }>(
          `EXPLAIN (FORMAT JSON) SELECT id FROM ${table} WHERE organization_id = $1 ORDER BY listed_name ${direction}, id ${direction} LIMIT 20 OFFSET 2980`,
          [h.organizationId],
        ));
        await client.query('ROLLBACK');
      } finally {
        client.release();
      }
      const plan = JSON.stringify(rows[0]!['QUERY PLAN']);
      expect(plan).toContain('user_listing_organization_name');
      expect(plan).not.toContain('"Node Type":"Sort"');
    }
  });

  it('keeps the listed name as the profile says, through a change of friendly name', async () => {
    const created = await h.users.create({ context: h.admin, payload: { username: 'zed@acme', account_type: 'user', first_name: 'Zed' } });
    await h.users.create({ context: h.admin, payload: { username: 'mid@acme', account_type: 'user', first_name: 'Mid' } });
    const names = async () => (await h.users.list({ context: h.admin, payload: { page: 1, page_size: 20 } })).results.map((user) => user.username);
    expect(await names()).toEqual(['mid@acme', 'zed@acme']);
    await h.users.update({ context: h.admin, payload: { id: created.id, changes: { friendly_name: 'Able' } } });
    expect(await names()).toEqual(['zed@acme', 'mid@acme']);
    const { rows } = await h.ctx.pool.query(`SELECT listed_name FROM ${h.ctx.listing.tables.users} WHERE id = $1`, [created.id]);
    expect(rows).toEqual([{ listed_name: 'able' }]);
  });
});

it('computes the listed name of the rows a listing held before the migration as the unindexed sort did', async () => {
  const schema = uniqueTestId('listingname');
  const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
  const s = quoteIdentifier(schema);
  try {
    await pool.query(`CREATE SCHEMA ${s}`);
    await runMigrations(pool, schema, LISTING_COMPONENT, listingMigrations.slice(0, 2));
    await insertUsers(pool, `${s}.user_listing`, randomUUID(), 50);
    await runMigrations(pool, schema, LISTING_COMPONENT, listingMigrations);
    const { rows } = await pool.query<{ listed_name: string; unindexed: string }>(`SELECT listed_name, ${UNINDEXED_NAME} AS unindexed FROM ${s}.user_listing`);
    expect(rows).toHaveLength(50);
    for (const row of rows) expect(row.listed_name).toBe(row.unindexed);
    expect(new Set(rows.map((row) => row.listed_name)).size).toBeGreaterThan(5);
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await pool.end();
  }
});
