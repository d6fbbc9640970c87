// `npm run reset-admin-password` (after a build): a new password for the bootstrap admin,
// read from stdin, or generated and printed once when stdin is a terminal or empty. Reads
// DATABASE_URL as the users service does.
import 'reflect-metadata';
import { PostgresEventStore } from '@warden/event-store-postgres';
import { bootConfig, postgresConfig } from '@warden/platform';
import { Pool } from 'pg';
import { PasswordHasher } from '../passwords/password-hasher';
import { resetBootstrapAdminPassword } from './platform-bootstrap';

async function passwordFromStdin(): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  return text === '' ? undefined : text;
}

async function main(): Promise<void> {
  const config = bootConfig(postgresConfig);
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 2 });
  // connecting the event store would create its schema: a wrong DATABASE_URL must change nothing
  const { rowCount } = await pool.query("SELECT 1 FROM information_schema.schemata WHERE schema_name = 'users'").catch(async (error: unknown) => {
    await pool.end();
    throw error;
  });
  if (rowCount === 0) {
    await pool.end();
    throw new Error('there is no bootstrap admin yet: this database has no users schema (is DATABASE_URL the users service\'s?)');
  }
  const store = await PostgresEventStore.connect({ pool, schema: 'users' });
  try {
    const reset = await resetBootstrapAdminPassword(store, new PasswordHasher(), await passwordFromStdin());
    process.stdout.write(
      reset.generatedPassword === undefined
        ? `the bootstrap admin's password is changed\n`
        : `the bootstrap admin's new password: ${reset.generatedPassword} (shown once)\n`,
    );
  } finally {
    await store.close();
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
