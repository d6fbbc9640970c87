// Makes sure the test database exists before integration and end-to-end tests run.
const { Client } = require('pg');

module.exports = async function globalSetup() {
  const url = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/warden_test');
  const database = url.pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`).catch((error) => {
        if (error.code !== '42P04') throw error; // created meanwhile by a parallel run
      });
    }
  } finally {
    await client.end();
  }
};
