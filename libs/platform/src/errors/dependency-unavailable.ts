// A server the app depends on (PostgreSQL, Redis, NATS) being down or restarting is not a
// bug: the request may be retried once it is back. These are the errors the clients raise
// then; the error mapper answers them 503 `service_unavailable` instead of `internal_error`.

// PostgreSQL SQLSTATEs: class 08 (connection exception), and the server shutting down,
// starting up or out of connection slots.
const POSTGRES_UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
const POSTGRES_UNAVAILABLE_MESSAGES = [
  /^Connection terminated/, // pg: the socket closed under a query, or the connect timed out
  /^Client has encountered a connection error and is not queryable$/,
  /^timeout exceeded when trying to connect$/, // pg-pool: connectionTimeoutMillis
  /^Query read timeout$/,
  /is not currently accepting connections$/, // ALLOW_CONNECTIONS false (SQLSTATE 55000, too broad alone)
];

// ioredis: offline queue off or retries exhausted while disconnected, a connection lost under a
// pipeline or a transaction, and a server still loading; its cluster client: no node reachable,
// or a slot's master gone until its replica takes over (the command's redirections spent on a
// dead node or a slot still moving; a write sent to a node that came back as a replica; a
// redirection answered to a pipeline, which the client hands back as it is when the pipeline's
// commands did not all fail alike, as while a failover moves the slot).
const REDIS_UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);
const REDIS_UNAVAILABLE_MESSAGES = [
  /^Connection is closed\.$/,
  /^Stream isn't writeable and enableOfflineQueue options is false$/,
  /^(LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|READONLY|MOVED|ASK) /,
  /^Command aborted due to connection close$/,
  /^Connection is (discarded because a new connection is made|aborted)$/,
  /^Ready check failed: /,
  /^Socket timeout\. /,
  /^Too many Cluster redirections\. Last error: /,
  /^None of startup nodes is available$/,
  /^Cluster isn't ready and enableOfflineQueue options is false$/,
  /^Cluster is disconnected\.$/,
];

// nats.js NatsError codes of a connection that is down, closing or not answering.
const NATS_UNAVAILABLE_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_DRAINING', 'CONNECTION_REFUSED', 'DISCONNECT', 'TIMEOUT', '503']);

// Node socket errors, on whichever client raised them.
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** The dependency an error says is unavailable (`postgres`, `redis`, `nats`, `network`), or undefined. */
export function unavailableDependencyOf(error: unknown, depth = 0): string | undefined {
  if (!(error instanceof Error) || depth > 3) return undefined;
  const code = (error as { code?: unknown }).code;
  const codeText = typeof code === 'string' ? code : undefined;
  if (codeText && (POSTGRES_UNAVAILABLE_STATES.has(codeText) || (/^08[0-9A-Z]{3}$/.test(codeText) && isPostgresError(error)))) return 'postgres';
  if (POSTGRES_UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(error.message))) return 'postgres';
  if (REDIS_UNAVAILABLE_NAMES.has(error.name) || REDIS_UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(error.message))) return 'redis';
  if (error.name === 'NatsError' && codeText && NATS_UNAVAILABLE_CODES.has(codeText)) return 'nats';
  if (codeText && SOCKET_CODES.has(codeText)) return 'network';
  // Wrapped (Error `cause`) or several at once (AggregateError from a dual-stack connect).
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = unavailableDependencyOf(inner, depth + 1);
      if (found) return found;
    }
  }
  return unavailableDependencyOf((error as { cause?: unknown }).cause, depth + 1);
}

// pg's DatabaseError carries a severity; class 08 codes are only PostgreSQL's.
function isPostgresError(error: Error): boolean {
  return typeof (error as { severity?: unknown }).severity === 'string';
}
