// A pooled client that is checked out has no 'error' listener of the pool's: if its
// connection is lost then (the server restarted, the backend terminated), pg emits 'error'
// on it, and an unheard 'error' ends the process. The query in hand fails anyway and its
// caller sees that; the pool discards the dead client when it is released.
import { Pool, PoolClient } from 'pg';

const guardedPools = new WeakSet<Pool>();

/** Gives every client the pool opens from now on an 'error' listener; once per pool. */
export function guardPoolClients(pool: Pool, onLost: (error: Error) => void): void {
  if (guardedPools.has(pool)) return;
  guardedPools.add(pool);
  pool.on('connect', (client: PoolClient) => {
    client.on('error', onLost);
  });
}
