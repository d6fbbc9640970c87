// The route sweep's GET baseline: a bare Fastify handler doing one indexed PostgreSQL SELECT
// (by primary key) of a stored JSON document of the size asked for, answered as it is. The
// benchmark stores the documents (bench_documents) before it forks this.
import Fastify from 'fastify';
import { Pool } from 'pg';
import { targetConfig } from './target-config';

/** Documents stored per size; each request reads one of them at random. */
export const DOCUMENTS_PER_SIZE = 100;

/** The baseline's table: documents keyed by their size in bytes and a number. */
export const DOCUMENTS_TABLE_SQL = 'CREATE TABLE bench_documents (bytes int NOT NULL, n int NOT NULL, doc text NOT NULL, PRIMARY KEY (bytes, n))';

if (require.main === module) {
  const { port, databaseUrl } = targetConfig();
  const pool = new Pool({ connectionString: databaseUrl, max: 10 });
  pool.on('error', () => undefined); // an idle connection ended by the server: the next query opens another
  const app = Fastify();

  app.get<{ Params: { bytes: string } }>('/documents/:bytes', async (request, reply) => {
    const n = Math.floor(Math.random() * DOCUMENTS_PER_SIZE);
    const { rows } = await pool.query<{ doc: string }>('SELECT doc FROM bench_documents WHERE bytes = $1 AND n = $2', [Number(request.params.bytes), n]);
    if (rows.length === 0) return reply.code(404).send({ found: false });
    return reply.type('application/json').send(rows[0]!.doc);
  });

  void app.listen({ port, host: '127.0.0.1' }).then(() => process.send?.({ ready: true }));

  // Stopped with SIGINT: exit normally, so a --cpu-prof profile is written.
  process.on('SIGINT', () => process.exit(0));
}
