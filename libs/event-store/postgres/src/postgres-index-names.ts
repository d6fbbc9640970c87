import type { PoolClient } from 'pg';
import { quoteIdentifier } from './postgres-identifiers';

/**
 * For a table rebuilt beside a live one and swapped in by renaming: gives the fresh table's
 * indexes (and so its primary key and unique constraints, which code and migrations know by
 * name) the live ones' names, pairing them by definition; the live ones take a retired name
 * (`r<suffix>_<name>`). Run inside the swap's transaction.
 */
export async function handOverIndexNames(client: PoolClient, schema: string, liveTable: string, freshTable: string, suffix: string): Promise<void> {
  const indexesOf = async (table: string) => {
    const { rows } = await client.query<{ name: string; definition: string }>(
      `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = $1 AND t.relname = $2`,
      [schema, table],
    );
    // "CREATE UNIQUE INDEX <name> ON <schema>.<table> USING btree (id)" without its name and table
    return rows.map((row) => ({ name: row.name, shape: row.definition.replace(/^CREATE (UNIQUE )?INDEX \S+ ON \S+ /, '$1') }));
  };
  const freshIndexes = await indexesOf(freshTable);
  const qualified = (name: string) => `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
  for (const index of await indexesOf(liveTable)) {
    const twin = freshIndexes.find((candidate) => candidate.shape === index.shape);
    if (!twin) continue;
    await client.query(`ALTER INDEX ${qualified(index.name)} RENAME TO ${quoteIdentifier(`r${suffix}_${index.name}`.slice(0, 63))}`);
    await client.query(`ALTER INDEX ${qualified(twin.name)} RENAME TO ${quoteIdentifier(index.name)}`);
  }
}
